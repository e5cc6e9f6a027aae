"""Audience pages: list, detail, the builder (create/edit) with a live count and preview, delete.

The builder works with htmx (rows added and removed in place, preview refreshed on change)
and without JavaScript (every button is a named submit button of one form).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from pilotage.core.audit import history_for
from pilotage.core.errors import NotFound, ValidationFailed
from pilotage.core.tables import Column, Table
from pilotage.core.web import Request
from pilotage.people import audience_builder as builder
from pilotage.people import audiences, queries
from pilotage.people.audience_builder import Node
from pilotage.people.models import Audience, Employee, JobRole, Language
from pilotage.people.permissions import can_use_audiences


def _require_audiences(request: Request) -> Any:
    if not can_use_audiences(request.user):
        raise PermissionDenied
    return request.user


def _member_columns() -> list[Column]:
    return [
        Column(
            "name",
            gettext_lazy("Name"),
            lambda e: e.full_name,
            "last_name",
            url=lambda e: reverse("people:employee_detail", args=[e.pk]),
        ),
        Column("number", gettext_lazy("Employee number"), lambda e: e.employee_number, "employee_number"),
        Column("org_unit", gettext_lazy("Org unit"), lambda e: e.org_unit or "—"),
        Column("site", gettext_lazy("Site"), lambda e: e.site or "—"),
        Column("job_role", gettext_lazy("Job role"), lambda e: e.job_role or "—"),
        Column("status", gettext_lazy("Status"), lambda e: _("Active") if e.active else _("Inactive")),
    ]


def _indented(lines: list[str]) -> list[dict[str, Any]]:
    """describe_rules lines -> (depth, text) for the template (indent by CSS class, no inline style)."""
    return [{"depth": min((len(x) - len(x.lstrip(" "))) // 4, 4), "text": x.strip()} for x in lines]


@login_required
def audience_list(request: Request) -> HttpResponse:
    user = _require_audiences(request)
    table = Table(
        request,
        queries.audience_list(user=user),
        [
            Column(
                "name",
                gettext_lazy("Name"),
                lambda a: a.name,
                "name",
                url=lambda a: reverse("people:audience_detail", args=[a.pk]),
            ),
            Column("owner", gettext_lazy("Owner"), lambda a: a.owner or "—", "owner__email"),
            # One COUNT per row shown (a page of 25), in the viewer's own scope.
            Column("members", gettext_lazy("Members"), lambda a: audiences.audience_members(a, user=user).count()),
            Column("updated", gettext_lazy("Updated"), lambda a: a.updated_at, "updated_at"),
        ],
        dom_id="audience-table",
        caption=gettext_lazy("Audiences"),
        empty_text=gettext_lazy("No audience yet."),
        per_page=25,
        default_sort="name",
    )
    if request.htmx:
        return render(request, "people/audience_list.html#results", {"table": table})
    return render(request, "people/audience_list.html", {"table": table})


@login_required
def audience_detail(request: Request, pk: int) -> HttpResponse:
    user = _require_audiences(request)
    audience = queries.get_audience_for_user(user, pk)
    members = audiences.audience_members(audience, user=user)
    count = members.count()
    table = Table(
        request,
        audiences.order_members(members, count=count),
        _member_columns(),
        count=count,
        dom_id="member-table",
        caption=gettext_lazy("Members"),
        empty_text=gettext_lazy("Nobody matches this audience in your scope."),
        per_page=25,
    )
    visible = queries.employee_list(user=user)
    context = {
        "audience": audience,
        "table": table,
        "rule_lines": _indented(audiences.describe_rules(audience.rules)),
        "included": visible.filter(pk__in=audience.included.values("pk"))[:200],
        "excluded": visible.filter(pk__in=audience.excluded.values("pk"))[:200],
        "history": history_for(audience),
    }
    if request.htmx and request.htmx.target == "member-table":
        return render(request, "people/audience_detail.html#members", context)
    return render(request, "people/audience_detail.html", context)


# --------------------------------------------------------------------------- builder


def _choices(user: Any) -> dict[str, list[dict[str, str]]]:
    """Options of the multi-select widgets, by rule field (org units and sites in the user's scope)."""
    org_units = [
        {"value": str(u.pk), "label": "— " * u.depth + u.name}
        for u in queries.org_unit_list(user=user).order_by("path").only("id", "name", "depth")
    ]
    sites = queries.site_list(user=user)
    return {
        "org_unit": org_units,
        "site": [{"value": str(s.pk), "label": f"{s.name} ({s.country})"} for s in sites],
        "job_role": [{"value": str(r.pk), "label": r.name} for r in JobRole.objects.all()],
        "country": [{"value": c, "label": c} for c in sorted({s.country.upper() for s in sites})],
        "language": [{"value": v, "label": str(label)} for v, label in Language.choices],
    }


def _numbers_text(ids_qs: Any) -> str:
    return "\n".join(Employee.objects.filter(pk__in=ids_qs).values_list("employee_number", flat=True))


class _Builder:
    """Everything one request of the builder needs: the posted (or saved) state and its checks."""

    def __init__(self, request: Request, audience: Audience | None) -> None:
        self.request = request
        self.user = request.user
        self.audience = audience
        self.errors: dict[str, list[str]] = {}
        self.rule_errors: list[str] = []
        if request.method == "POST":
            data = request.POST
            self.name = data.get("name", "").strip()
            self.description = data.get("description", "").strip()
            self.included_text = data.get("included", "")
            self.excluded_text = data.get("excluded", "")
            self.root: Node = builder.state_from_post(data)
        elif audience is not None:
            self.name, self.description = audience.name, audience.description
            self.included_text = _numbers_text(audience.included.values("pk"))
            self.excluded_text = _numbers_text(audience.excluded.values("pk"))
            self.root = builder.state_from_rules(audience.rules)
        else:
            self.name = self.description = self.included_text = self.excluded_text = ""
            self.root = builder.empty_state()

    def check(self) -> tuple[dict[str, Any], list[int], list[int], bool]:
        """Convert and validate; errors go on rows and fields. Returns (rules, inc, exc, ok)."""
        rules, paths, blocked = builder.state_to_rules(self.root, user=self.user)
        inc, missing_inc = builder.parse_numbers(self.included_text, user=self.user)
        exc, missing_exc = builder.parse_numbers(self.excluded_text, user=self.user)
        for field_name, missing in (("included", missing_inc), ("excluded", missing_exc)):
            if missing:
                self.errors[field_name] = [
                    _("No employee with number(s) %(numbers)s in your scope.") % {"numbers": ", ".join(missing[:20])}
                ]
        try:
            audiences.compile_rules(rules, user=self.user)
        except ValidationFailed as exc_:
            self.rule_errors += builder.attach_errors(self.root, exc_.errors, paths)
            blocked = True
        return rules, inc, exc, not blocked and not self.errors

    def preview(self) -> dict[str, Any]:
        rules, inc, exc, ok = self.check()
        if not ok and (self.rule_errors or any(n.errors for n in self.root.walk())):
            return {"valid": False}
        qs = audiences.preview_members(rules=rules, included_ids=inc, excluded_ids=exc, user=self.user)
        count, members = audiences.members_page(qs)
        return {
            "valid": True,
            "count": count,
            "members": members,
            "size": audiences.PREVIEW_SIZE,
            "rule_lines": _indented(audiences.describe_rules(rules)),
        }

    def context(self, **extra: Any) -> dict[str, Any]:
        choices = _choices(self.user)
        nodes = self.root.walk()
        for node in nodes:
            if node.kind == "rule" and node.field in choices:
                chosen = set(node.choices)
                node.options = [{**o, "selected": o["value"] in chosen} for o in choices[node.field]]
        form_url = (
            reverse("people:audience_edit", args=[self.audience.pk])
            if self.audience
            else reverse("people:audience_create")
        )
        return {
            "audience": self.audience,
            "form_url": form_url,
            "name": self.name,
            "description": self.description,
            "included_text": self.included_text,
            "excluded_text": self.excluded_text,
            "root": self.root,
            "nodes": nodes,
            "errors": self.errors,
            "rule_errors": self.rule_errors,
            "fields": [(k, str(v)) for k, v in audiences.FIELD_LABELS.items()],
            "max_depth": audiences.MAX_DEPTH,
            **extra,
        }


def _builder_response(request: Request, audience: Audience | None) -> HttpResponse:
    state = _Builder(request, audience)
    if request.method != "POST":
        return render(request, "people/audience_form.html", state.context(preview=state.preview()))
    action = request.POST.get("action", "save")
    if action == "preview":
        return render(request, "people/audience_form.html", state.context(preview=state.preview()))
    if action != "save":  # add_rule:…, add_group:…, remove:…, refresh
        builder.apply_action(state.root, action)
        if request.htmx:
            return render(request, "people/audience_form.html#rule-builder", state.context())
        return render(request, "people/audience_form.html", state.context())
    rules, inc, exc, ok = state.check()
    if not ok:
        return render(request, "people/audience_form.html", state.context(), status=200)
    try:
        if audience is None:
            audience = audiences.audience_create(
                actor=request.user,
                name=state.name,
                description=state.description,
                rules=rules,
                included_ids=inc,
                excluded_ids=exc,
            )
            messages.success(request, _("Audience created."))
        else:
            audience = audiences.audience_update(
                actor=request.user,
                audience=audience,
                name=state.name,
                description=state.description,
                rules=rules,
                included_ids=inc,
                excluded_ids=exc,
            )
            messages.success(request, _("Audience saved."))
    except ValidationFailed as exc_:
        for key, msgs in exc_.errors.items():
            field_name = {"included_ids": "included", "excluded_ids": "excluded"}.get(key, key)
            if field_name.startswith("rules"):
                state.rule_errors += msgs
            else:
                state.errors.setdefault(field_name, []).extend(msgs)
        return render(request, "people/audience_form.html", state.context())
    return redirect("people:audience_detail", pk=audience.pk)


@login_required
@require_http_methods(["GET", "POST"])
def audience_create(request: Request) -> HttpResponse:
    _require_audiences(request)
    return _builder_response(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def audience_edit(request: Request, pk: int) -> HttpResponse:
    user = _require_audiences(request)
    return _builder_response(request, queries.get_audience_for_user(user, pk))


@login_required
@require_POST
def audience_preview(request: Request) -> HttpResponse:
    """The live count and first 20 members of the posted form. htmx: the preview region;
    a plain POST gets the whole builder page with the preview filled in."""
    user = _require_audiences(request)
    audience = None
    if request.POST.get("audience", "").isdigit():
        audience = queries.get_audience_for_user(user, int(request.POST["audience"]))
    state = _Builder(request, audience)
    context = state.context(preview=state.preview())
    if request.htmx:
        return render(request, "people/audience_form.html#preview", context)
    return render(request, "people/audience_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def audience_delete(request: Request, pk: int) -> HttpResponse:
    user = _require_audiences(request)
    audience = queries.get_audience_for_user(user, pk)
    if request.method == "POST":
        try:
            audiences.audience_delete(actor=user, audience=audience)
        except NotFound:
            raise Http404 from None
        messages.success(request, _("Audience “%(name)s” deleted.") % {"name": audience.name})
        return HttpResponseRedirect(reverse("people:audience_list"))
    return render(request, "people/audience_confirm_delete.html", {"audience": audience})
