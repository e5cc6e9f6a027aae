"""The skills framework pages (L&D team): domains with their skills, the proficiency scale;
create, edit, and delete when nothing uses it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pilotage.core.errors import ValidationFailed
from pilotage.core.web import Request, add_service_errors
from pilotage.programmes import queries
from pilotage.programmes import services_skills as services
from pilotage.programmes.forms_programmes import DomainForm, LevelForm, SkillForm
from pilotage.programmes.models import ProgrammeCompetency


@login_required
def skill_framework(request: Request) -> HttpResponse:
    user = request.user
    domains = queries.skill_domain_list(user=user).annotate(skill_count=Count("skills"))
    skills = queries.skill_list(user=user)
    in_use = dict(ProgrammeCompetency.objects.values_list("skill_id").annotate(n=Count("programme_id", distinct=True)))
    by_domain: dict[int, list[Any]] = {}
    for skill in skills:
        skill.programme_count = in_use.get(skill.pk, 0)  # type: ignore[attr-defined]
        by_domain.setdefault(skill.domain_id, []).append(skill)
    context = {
        "domains": [{"domain": d, "skills": by_domain.get(d.pk, [])} for d in domains],
        "levels": queries.level_list(user=user),
        "skill_total": sum(len(v) for v in by_domain.values()),
    }
    return render(request, "programmes/skill_framework.html", context)


def _edit_page(
    request: Request,
    *,
    form: forms.Form,
    title: str,
    save: Callable[[dict[str, Any]], Any],
    delete_url: str = "",
    done: str,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(done)
    return render(request, "programmes/skill_form.html", {"form": form, "title": title, "delete_url": delete_url})


def _delete(request: Request, action: Callable[[], None], success: str) -> HttpResponse:
    try:
        action()
    except ValidationFailed as exc:
        for field_messages in exc.errors.values():
            for message in field_messages:
                messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("programmes:skill_framework")


# --- domains -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def domain_create(request: Request) -> HttpResponse:
    user = request.user
    queries.skill_domain_list(user=user)  # 403 for those who may not
    form = DomainForm(request.POST or None)
    return _edit_page(
        request,
        form=form,
        title=_("New skill domain"),
        save=lambda d: services.domain_create(actor=user, **d),
        done="programmes:skill_framework",
    )


@login_required
@require_http_methods(["GET", "POST"])
def domain_edit(request: Request, pk: int) -> HttpResponse:
    user = request.user
    domain = queries.skill_domain_get(user=user, pk=pk)
    form = DomainForm(request.POST or None, initial={"name": domain.name, "description": domain.description})
    return _edit_page(
        request,
        form=form,
        title=_("Skill domain: %(name)s") % {"name": domain.name},
        save=lambda d: services.domain_update(actor=user, domain=domain, **d),
        delete_url=reverse("programmes:domain_delete", args=[domain.pk]),
        done="programmes:skill_framework",
    )


@login_required
@require_POST
def domain_delete(request: Request, pk: int) -> HttpResponse:
    user = request.user
    domain = queries.skill_domain_get(user=user, pk=pk)
    name = domain.name
    return _delete(
        request,
        lambda: services.domain_delete(actor=user, domain=domain),
        _("Domain “%(name)s” deleted.") % {"name": name},
    )


# --- skills ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def skill_create(request: Request) -> HttpResponse:
    user = request.user
    queries.skill_list(user=user)
    initial = {"domain": request.GET.get("domain")} if request.GET.get("domain", "").isdigit() else None
    form = SkillForm(request.POST or None, initial=initial)
    return _edit_page(
        request,
        form=form,
        title=_("New skill"),
        save=lambda d: services.skill_create(actor=user, **d),
        done="programmes:skill_framework",
    )


@login_required
@require_http_methods(["GET", "POST"])
def skill_edit(request: Request, pk: int) -> HttpResponse:
    user = request.user
    skill = queries.skill_get(user=user, pk=pk)
    form = SkillForm(
        request.POST or None,
        initial={"domain": skill.domain_id, "name": skill.name, "description": skill.description},
    )
    return _edit_page(
        request,
        form=form,
        title=_("Skill: %(name)s") % {"name": skill.name},
        save=lambda d: services.skill_update(actor=user, skill=skill, **d),
        delete_url=reverse("programmes:skill_delete", args=[skill.pk]),
        done="programmes:skill_framework",
    )


@login_required
@require_POST
def skill_delete(request: Request, pk: int) -> HttpResponse:
    user = request.user
    skill = queries.skill_get(user=user, pk=pk)
    name = skill.name
    return _delete(
        request, lambda: services.skill_delete(actor=user, skill=skill), _("Skill “%(name)s” deleted.") % {"name": name}
    )


# --- proficiency levels ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def level_create(request: Request) -> HttpResponse:
    user = request.user
    queries.level_list(user=user)
    form = LevelForm(request.POST or None)
    return _edit_page(
        request,
        form=form,
        title=_("New proficiency level"),
        save=lambda d: services.level_create(actor=user, **d),
        done="programmes:skill_framework",
    )


@login_required
@require_http_methods(["GET", "POST"])
def level_edit(request: Request, pk: int) -> HttpResponse:
    user = request.user
    level = queries.level_get(user=user, pk=pk)
    form = LevelForm(
        request.POST or None,
        initial={
            "rank": level.rank,
            "name_en": level.name_en,
            "name_fr": level.name_fr,
            "description": level.description,
        },
    )
    return _edit_page(
        request,
        form=form,
        title=_("Proficiency level: %(name)s") % {"name": level.name},
        save=lambda d: services.level_update(actor=user, level=level, **d),
        delete_url=reverse("programmes:level_delete", args=[level.pk]),
        done="programmes:skill_framework",
    )


@login_required
@require_POST
def level_delete(request: Request, pk: int) -> HttpResponse:
    user = request.user
    level = queries.level_get(user=user, pk=pk)
    name = level.name
    return _delete(
        request, lambda: services.level_delete(actor=user, level=level), _("Level “%(name)s” deleted.") % {"name": name}
    )
