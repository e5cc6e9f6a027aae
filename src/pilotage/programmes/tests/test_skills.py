"""The skills framework: domains, skills, levels; uniqueness and deletes refused while in use."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from pilotage.core.errors import PermissionDenied, ValidationFailed
from pilotage.programmes import services_skills as services
from pilotage.programmes.models import ProficiencyLevel, Skill, SkillDomain
from pilotage.programmes.services_programmes import programme_create

pytestmark = pytest.mark.django_db


def test_default_scale_has_four_levels(cast: Any) -> None:
    assert list(ProficiencyLevel.objects.values_list("rank", "name_fr")) == [
        (1, "Notions"),
        (2, "Application"),
        (3, "Maîtrise"),
        (4, "Expertise"),
    ]


def test_names_are_required_and_unique(cast: Any) -> None:
    domain = services.domain_create(actor=cast.ld, name=" Sécurité ")
    assert domain.name == "Sécurité"
    with pytest.raises(ValidationFailed) as err:
        services.domain_create(actor=cast.ld, name="sécurité")
    assert "already exists" in err.value.errors["name"][0]
    with pytest.raises(ValidationFailed) as err:
        services.domain_create(actor=cast.ld, name="  ")
    assert "name" in err.value.errors
    services.skill_create(actor=cast.ld, domain=domain, name="Consignation")
    with pytest.raises(ValidationFailed) as err:
        services.skill_create(actor=cast.ld, domain=domain, name="consignation")
    assert "Sécurité" in err.value.errors["name"][0]


def test_level_rank_is_checked(cast: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.level_create(actor=cast.dlm, rank=2, name_en="Dup", name_fr="")
    assert "Application" in err.value.errors["rank"][0] or "Practitioner" in err.value.errors["rank"][0]
    assert "name_fr" in err.value.errors
    with pytest.raises(ValidationFailed) as err:
        services.level_create(actor=cast.dlm, rank=0, name_en="Zero", name_fr="Zéro")
    assert "rank" in err.value.errors
    level = services.level_create(actor=cast.dlm, rank=5, name_en="Master", name_fr="Maître")
    services.level_update(actor=cast.dlm, level=level, rank=6, name_en="Master", name_fr="Maître")
    level.refresh_from_db()
    assert level.rank == 6


def test_deletes_in_use_are_refused_with_where(cast: Any) -> None:
    domain = services.domain_create(actor=cast.ld, name="Management")
    skill = services.skill_create(actor=cast.ld, domain=domain, name="Feedback")
    level = ProficiencyLevel.objects.get(rank=3)
    programme = programme_create(actor=cast.ld, title="Manager", competencies=[(skill, level)])
    with pytest.raises(ValidationFailed) as err:
        services.skill_delete(actor=cast.ld, skill=skill)
    assert programme.code in err.value.errors["__all__"][0]
    with pytest.raises(ValidationFailed) as err:
        services.level_delete(actor=cast.ld, level=level)
    assert programme.code in err.value.errors["__all__"][0]
    with pytest.raises(ValidationFailed) as err:
        services.domain_delete(actor=cast.ld, domain=domain)
    assert "1 skill" in err.value.errors["__all__"][0]
    programme.competencies.all().delete()
    services.skill_delete(actor=cast.ld, skill=skill)
    services.domain_delete(actor=cast.ld, domain=domain)
    assert not SkillDomain.objects.filter(name="Management").exists()


def test_only_the_ld_team_changes_the_framework(cast: Any, login: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.domain_create(actor=cast.client_a, name="X")
    assert login(cast.client_a).get(reverse("programmes:skill_framework")).status_code == 403


def test_pages_create_edit_and_refuse_delete(cast: Any, login: Any) -> None:
    client = login(cast.ld)
    response = client.post(reverse("programmes:domain_create"), {"name": "Digital", "description": ""})
    assert response.status_code == 302
    domain = SkillDomain.objects.get(name="Digital")
    response = client.post(reverse("programmes:skill_create"), {"domain": domain.pk, "name": "Cybersécurité"})
    assert response.status_code == 302
    skill = Skill.objects.get(name="Cybersécurité")
    response = client.post(reverse("programmes:skill_create"), {"domain": domain.pk, "name": "cybersécurité"})
    assert response.status_code == 200 and "already has a skill" in response.content.decode()
    page = client.get(reverse("programmes:skill_framework")).content.decode()
    assert "Digital" in page and "Cybersécurité" in page and "Maîtrise" in page or "Proficient" in page
    response = client.post(reverse("programmes:domain_delete", args=[domain.pk]), follow=True)
    assert "still holds 1 skill" in response.content.decode()
    client.post(reverse("programmes:skill_edit", args=[skill.pk]), {"domain": domain.pk, "name": "Cyber"})
    skill.refresh_from_db()
    assert skill.name == "Cyber"
    level = ProficiencyLevel.objects.get(rank=4)
    response = client.post(
        reverse("programmes:level_edit", args=[level.pk]), {"rank": 1, "name_en": "Expert", "name_fr": "Expertise"}
    )
    assert response.status_code == 200 and "Rank 1 is already" in response.content.decode()


def test_api_framework(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    response = client.post(reverse("api:skill_domain_create"), {"name": "Langues"}, content_type="application/json")
    assert response.status_code == 201
    domain_id = response.json()["id"]
    response = client.post(
        reverse("api:skill_create"), {"domain_id": domain_id, "name": "Anglais"}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["domain"] == "Langues"
    response = client.post(
        reverse("api:skill_create"), {"domain_id": 98765, "name": "X"}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "domain_id"
    assert len(client.get(reverse("api:proficiency_level_list")).json()) == 4
    assert [s["name"] for s in client.get(reverse("api:skill_list"), {"domain": domain_id}).json()] == ["Anglais"]
