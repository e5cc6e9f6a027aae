"""Administration of people by the DLM: logins and their roles, the org tree."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pilotage.core.audit import history_for
from pilotage.core.errors import ValidationFailed
from pilotage.core.tables import Column, Table
from pilotage.core.web import Request, add_service_errors
from pilotage.people import services
from pilotage.people.forms import OrgUnitCreateForm, OrgUnitMoveForm, OrgUnitRenameForm, RoleAssignForm, UserCreateForm
from pilotage.people.models import OrgUnit, Role, RoleAssignment, User
from pilotage.people.permissions import can_manage_people


def _require_admin(request: Request) -> None:
    if not can_manage_people(request.user):
        raise PermissionDenied


def _roles_text(user: User) -> str:
    return ", ".join(str(a.get_role_display()) for a in user.role_assignments.all()) or "—"


@login_required
def user_list(request: Request) -> HttpResponse:
    _require_admin(request)
    qs = User.objects.select_related("employee", "organisation").prefetch_related(
        Prefetch("role_assignments", queryset=RoleAssignment.objects.order_by("role"))
    )
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    if q:
        qs = qs.filter(
            Q(email__icontains=q)
            | Q(display_name__icontains=q)
            | Q(employee__last_name__icontains=q)
            | Q(employee__employee_number__iexact=q)
        )
    if role in Role.values:
        qs = qs.filter(role_assignments__role=role)
    table = Table(
        request,
        qs,
        [
            Column(
                "email",
                gettext_lazy("E-mail"),
                lambda u: u.email,
                "email",
                url=lambda u: reverse("people:admin_user_detail", args=[u.pk]),
            ),
            Column("name", gettext_lazy("Name"), lambda u: u.get_full_name(), "display_name"),
            Column("roles", gettext_lazy("Roles"), _roles_text),
            Column("org", gettext_lazy("External organisation"), lambda u: u.organisation or "—"),
            Column(
                "active", gettext_lazy("Status"), lambda u: _("Active") if u.is_active else _("Blocked"), "is_active"
            ),
        ],
        dom_id="users-table",
        caption=gettext_lazy("Users"),
        empty_text=gettext_lazy("No user matches."),
        default_sort="email",
    )
    context = {"table": table, "q": q, "role": role, "roles": Role.choices}
    if request.htmx:
        return render(request, "people/admin_user_list.html#results", context)
    return render(request, "people/admin_user_list.html", context)


@login_required
def user_create(request: Request) -> HttpResponse:
    _require_admin(request)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(
                actor=request.user,
                email=form.cleaned_data["email"],
                display_name=form.cleaned_data["display_name"],
                employee=form.cleaned_data["employee_number"],
                organisation=form.cleaned_data["organisation"],
                language=form.cleaned_data["language"],
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Login created. The person sets a password with “Forgotten your password?”."))
            return redirect("people:admin_user_detail", pk=user.pk)
    return render(request, "people/admin_user_form.html", {"form": form})


@login_required
def user_detail(request: Request, pk: int) -> HttpResponse:
    _require_admin(request)
    target = get_object_or_404(User.objects.select_related("employee", "organisation"), pk=pk)
    form = RoleAssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_assign(
                actor=request.user,
                user=target,
                role=form.cleaned_data["role"],
                org_units=list(form.cleaned_data["org_units"]),
                organisation=form.cleaned_data["organisation"],
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Role saved."))
            return redirect("people:admin_user_detail", pk=target.pk)
    assignments = target.role_assignments.prefetch_related("org_units").select_related("organisation").order_by("role")
    return render(
        request,
        "people/admin_user_detail.html",
        {"target": target, "assignments": assignments, "form": form, "history": history_for(target)},
    )


@login_required
@require_POST
def user_role_revoke(request: Request, pk: int, role: str) -> HttpResponse:
    _require_admin(request)
    target = get_object_or_404(User, pk=pk)
    try:
        services.role_revoke(actor=request.user, user=target, role=role)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Role removed."))
    return redirect("people:admin_user_detail", pk=target.pk)


@login_required
@require_POST
def user_toggle_active(request: Request, pk: int) -> HttpResponse:
    _require_admin(request)
    target = get_object_or_404(User, pk=pk)
    try:
        services.user_set_active(actor=request.user, user=target, active=not target.is_active)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    return redirect("people:admin_user_detail", pk=target.pk)


@login_required
def org_unit_admin(request: Request) -> HttpResponse:
    _require_admin(request)
    form = OrgUnitCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.org_unit_create(
                actor=request.user,
                code=form.cleaned_data["code"].strip(),
                name=form.cleaned_data["name"].strip(),
                parent=form.cleaned_data["parent"],
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Org unit created."))
            return redirect("people:admin_org_unit_detail", pk=unit.pk)
    units = OrgUnit.objects.annotate(n_children=Count("children")).order_by("path")
    return render(request, "people/admin_org_units.html", {"form": form, "units": units})


@login_required
def org_unit_detail(request: Request, pk: int) -> HttpResponse:
    _require_admin(request)
    unit = get_object_or_404(OrgUnit.objects.select_related("parent"), pk=pk)
    move_form = OrgUnitMoveForm(prefix="move", initial={"parent": unit.parent_id})
    rename_form = OrgUnitRenameForm(prefix="rename", initial={"name": unit.name})
    # A unit cannot move under itself or its own descendants: don't offer them.
    move_form.fields["parent"].queryset = OrgUnit.objects.exclude(path__startswith=unit.path)  # type: ignore[attr-defined]
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "move":
                move_form = OrgUnitMoveForm(request.POST, prefix="move")
                move_form.fields["parent"].queryset = OrgUnit.objects.exclude(path__startswith=unit.path)  # type: ignore[attr-defined]
                if move_form.is_valid():
                    services.org_unit_move(actor=request.user, unit=unit, new_parent=move_form.cleaned_data["parent"])
                    messages.success(request, _("Org unit moved with its whole subtree."))
                    return redirect("people:admin_org_unit_detail", pk=unit.pk)
            elif action == "rename":
                rename_form = OrgUnitRenameForm(request.POST, prefix="rename")
                if rename_form.is_valid():
                    services.org_unit_rename(actor=request.user, unit=unit, name=rename_form.cleaned_data["name"])
                    messages.success(request, _("Org unit renamed."))
                    return redirect("people:admin_org_unit_detail", pk=unit.pk)
        except ValidationFailed as exc:
            add_service_errors(move_form if action == "move" else rename_form, exc)
    ancestors = OrgUnit.objects.filter(pk__in=[int(x) for x in unit.path.strip("/").split("/")[:-1] if x]).order_by(
        "depth"
    )
    return render(
        request,
        "people/admin_org_unit_detail.html",
        {
            "unit": unit,
            "ancestors": ancestors,
            "children": unit.children.all(),
            "subtree_size": OrgUnit.objects.filter(path__startswith=unit.path).count() - 1,
            "move_form": move_form,
            "rename_form": rename_form,
            "moves": unit.moves.select_related("old_parent", "new_parent", "moved_by")[:20],
            "history": history_for(unit),
        },
    )
