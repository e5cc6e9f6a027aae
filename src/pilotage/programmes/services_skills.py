"""Writes of the skills framework: domains, skills and the proficiency scale.

Deleting something still in use is refused with a message saying where it is used (the
models PROTECT it; the check comes first so that the message can name the programmes).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from pilotage.core.audit import audit_record, diff, snapshot
from pilotage.core.errors import PermissionDenied, ValidationFailed
from pilotage.programmes import permissions
from pilotage.programmes.models import ProficiencyLevel, ProgrammeCompetency, Skill, SkillDomain

NAMES_SHOWN = 5


def _require(actor: Any) -> None:
    if not permissions.can_manage_framework(actor) and actor != "system":
        raise PermissionDenied(_("Only the L&D team may change the skills framework."))


def _name(value: Any, field: str = "name", max_length: int = 120) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed({field: [_("Give it a name.")]})
    if len(text) > max_length:
        raise ValidationFailed({field: [_("Too long: %(n)s characters at most.") % {"n": max_length}]})
    return text


def _codes(competencies: Any) -> str:
    codes = sorted({c.programme.code for c in competencies.select_related("programme")[:50]})
    shown = ", ".join(codes[:NAMES_SHOWN])
    return shown + (" …" if len(codes) > NAMES_SHOWN else "")


def _delete_unless_used(
    actor: Any, instance: Skill | ProficiencyLevel, used: Any, *, used_message: str, in_use_message: str
) -> None:
    """Delete ``instance`` (audited) unless the competencies ``used`` still point at it;
    ``used_message`` takes ``name`` and ``codes``, ``in_use_message`` takes ``name``."""
    if used.exists():
        raise ValidationFailed({"__all__": [used_message % {"name": instance.name, "codes": _codes(used)}]})
    audit_record(actor=actor, action="delete", instance=instance)
    try:
        instance.delete()
    except ProtectedError:  # a competency added in between
        raise ValidationFailed({"__all__": [in_use_message % {"name": instance.name}]}) from None


# --- domains ------------------------------------------------------------------------------------


def _unique_domain(name: str, exclude: int | None = None) -> None:
    qs = SkillDomain.objects.filter(name__iexact=name)
    if exclude:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise ValidationFailed({"name": [_("A domain named “%(name)s” already exists.") % {"name": name}]})


@transaction.atomic
def domain_create(*, actor: Any, name: str, description: str = "") -> SkillDomain:
    _require(actor)
    name = _name(name)
    _unique_domain(name)
    domain = SkillDomain.objects.create(name=name, description=(description or "").strip())
    audit_record(actor=actor, action="create", instance=domain)
    return domain


@transaction.atomic
def domain_update(*, actor: Any, domain: SkillDomain, name: str, description: str = "") -> SkillDomain:
    _require(actor)
    name = _name(name)
    _unique_domain(name, exclude=domain.pk)
    before = snapshot(domain, ["name", "description"])
    domain.name, domain.description = name, (description or "").strip()
    changes = diff(before, snapshot(domain, ["name", "description"]))
    if changes:
        domain.save(update_fields=["name", "description", "updated_at"])
        audit_record(actor=actor, action="update", instance=domain, changes=changes)
    return domain


@transaction.atomic
def domain_delete(*, actor: Any, domain: SkillDomain) -> None:
    _require(actor)
    count = domain.skills.count()
    if count:
        raise ValidationFailed(
            {
                "__all__": [
                    _("“%(name)s” still holds %(n)s skill(s): delete or move them to another domain first.")
                    % {"name": domain.name, "n": count}
                ]
            }
        )
    audit_record(actor=actor, action="delete", instance=domain)
    domain.delete()


# --- skills ----------------------------------------------------------------------------------------


def _unique_skill(domain: SkillDomain, name: str, exclude: int | None = None) -> None:
    qs = Skill.objects.filter(domain=domain, name__iexact=name)
    if exclude:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise ValidationFailed(
            {"name": [_("“%(domain)s” already has a skill named “%(name)s”.") % {"domain": domain.name, "name": name}]}
        )


@transaction.atomic
def skill_create(*, actor: Any, domain: SkillDomain, name: str, description: str = "") -> Skill:
    _require(actor)
    if domain is None:
        raise ValidationFailed({"domain": [_("Choose the domain of the skill.")]})
    name = _name(name, max_length=160)
    _unique_skill(domain, name)
    skill = Skill.objects.create(domain=domain, name=name, description=(description or "").strip())
    audit_record(actor=actor, action="create", instance=skill)
    return skill


@transaction.atomic
def skill_update(*, actor: Any, skill: Skill, domain: SkillDomain, name: str, description: str = "") -> Skill:
    _require(actor)
    if domain is None:
        raise ValidationFailed({"domain": [_("Choose the domain of the skill.")]})
    name = _name(name, max_length=160)
    _unique_skill(domain, name, exclude=skill.pk)
    fields = ["domain", "name", "description"]
    before = snapshot(skill, fields)
    skill.domain, skill.name, skill.description = domain, name, (description or "").strip()
    changes = diff(before, snapshot(skill, fields))
    if changes:
        skill.save(update_fields=[*fields, "updated_at"])
        audit_record(actor=actor, action="update", instance=skill, changes=changes)
    return skill


@transaction.atomic
def skill_delete(*, actor: Any, skill: Skill) -> None:
    _require(actor)
    _delete_unless_used(
        actor,
        skill,
        ProgrammeCompetency.objects.filter(skill=skill),
        used_message=_("“%(name)s” is a target competency of %(codes)s: remove it from these programmes first."),
        in_use_message=_("“%(name)s” is in use."),
    )


# --- proficiency levels ------------------------------------------------------------------------------


def _level_values(rank: Any, name_en: str, name_fr: str, exclude: int | None = None) -> tuple[int, str, str]:
    errors: dict[str, list[str]] = {}
    try:
        rank_int = int(rank)
        if not 1 <= rank_int <= 20:
            raise ValueError
    except (TypeError, ValueError):
        errors["rank"] = [_("The rank is a whole number from 1 to 20 (1 = the lowest level).")]
        rank_int = 0
    en, fr = (name_en or "").strip(), (name_fr or "").strip()
    if not en:
        errors["name_en"] = [_("Give the level's name in English.")]
    if not fr:
        errors["name_fr"] = [_("Give the level's name in French.")]
    if rank_int:
        clash = ProficiencyLevel.objects.filter(rank=rank_int)
        if exclude:
            clash = clash.exclude(pk=exclude)
        other = clash.first()
        if other is not None:
            errors["rank"] = [_("Rank %(rank)s is already “%(name)s”.") % {"rank": rank_int, "name": other.name}]
    if errors:
        raise ValidationFailed(errors)
    return rank_int, en[:80], fr[:80]


@transaction.atomic
def level_create(*, actor: Any, rank: int, name_en: str, name_fr: str, description: str = "") -> ProficiencyLevel:
    _require(actor)
    rank, en, fr = _level_values(rank, name_en, name_fr)
    level = ProficiencyLevel.objects.create(rank=rank, name_en=en, name_fr=fr, description=(description or "").strip())
    audit_record(actor=actor, action="create", instance=level)
    return level


@transaction.atomic
def level_update(
    *, actor: Any, level: ProficiencyLevel, rank: int, name_en: str, name_fr: str, description: str = ""
) -> ProficiencyLevel:
    _require(actor)
    rank, en, fr = _level_values(rank, name_en, name_fr, exclude=level.pk)
    fields = ["rank", "name_en", "name_fr", "description"]
    before = snapshot(level, fields)
    level.rank, level.name_en, level.name_fr, level.description = rank, en, fr, (description or "").strip()
    changes = diff(before, snapshot(level, fields))
    if changes:
        level.save(update_fields=fields)
        audit_record(actor=actor, action="update", instance=level, changes=changes)
    return level


@transaction.atomic
def level_delete(*, actor: Any, level: ProficiencyLevel) -> None:
    _require(actor)
    _delete_unless_used(
        actor,
        level,
        ProgrammeCompetency.objects.filter(target_level=level),
        used_message=_("Level “%(name)s” is the target of competencies in %(codes)s: change them first."),
        in_use_message=_("Level “%(name)s” is in use."),
    )
