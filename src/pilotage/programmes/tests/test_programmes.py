"""Programmes: creation (codes, rules), edits, lifecycle, accepting a request, pages and API."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from pilotage.core.errors import PermissionDenied, ValidationFailed
from pilotage.core.models import AuditEvent
from pilotage.people.audiences import audience_create
from pilotage.programmes import services_programmes as services
from pilotage.programmes import services_skills
from pilotage.programmes.models import ProficiencyLevel, Programme, ProgrammeTransition
from pilotage.strategy.models import Objective, TrainingRequest

S = Programme.Status
pytestmark = pytest.mark.django_db


def _programme(cast: Any, **kw: Any) -> Programme:
    kw.setdefault("title", "Cybersécurité pour tous")
    kw.setdefault("owner", cast.ld)
    return services.programme_create(actor=cast.dlm, **kw)


def _request(
    cast: Any, ref: str = "DEM-1", status: str = TrainingRequest.Status.SUBMITTED, **kw: Any
) -> TrainingRequest:
    return TrainingRequest.objects.create(
        reference=ref,
        title=f"Formation {ref}",
        business_need="Les équipes doivent maîtriser le nouvel outil.",
        requester=cast.client_a,
        status=status,
        **kw,
    )


def _audiences(cast: Any) -> tuple[Any, Any]:
    sales = audience_create(
        actor=cast.dlm,
        name="Ventes",
        rules={"op": "and", "rules": [{"field": "org_unit", "operator": "in_subtree", "value": [cast.unit_a.pk]}]},
    )
    lyon = audience_create(
        actor=cast.dlm,
        name="Lyon",
        rules={"op": "and", "rules": [{"field": "site", "operator": "in", "value": [cast.site_lyon.pk]}]},
    )
    return sales, lyon


# --- services ---------------------------------------------------------------------------------


def test_codes_follow_the_planned_year_and_count_up(cast: Any) -> None:
    first = _programme(cast, planned_start=dt.date(2027, 3, 1))
    second = _programme(cast, title="Onboarding commercial", planned_start=dt.date(2027, 9, 1))
    other_year = _programme(cast, title="Lean", planned_start=dt.date(2026, 1, 5))
    assert (first.code, second.code, other_year.code) == ("PRG-2027-001", "PRG-2027-002", "PRG-2026-001")


def test_code_clash_is_retried(cast: Any, monkeypatch: Any) -> None:
    existing = _programme(cast, planned_start=dt.date(2027, 1, 1))
    calls = iter([existing.code, "PRG-2027-002"])
    monkeypatch.setattr(services, "_next_code", lambda year: next(calls))
    assert _programme(cast, title="Other", planned_start=dt.date(2027, 2, 1)).code == "PRG-2027-002"


def test_create_records_history_audit_and_relations(cast: Any) -> None:
    sales, lyon = _audiences(cast)
    skill = services_skills.skill_create(
        actor=cast.dlm, domain=services_skills.domain_create(actor=cast.dlm, name="Digital"), name="Phishing"
    )
    level = ProficiencyLevel.objects.get(rank=2)
    programme = _programme(
        cast,
        sponsor=cast.client_a,
        audiences=[sales, lyon],
        competencies=[(skill, level)],
        learning_objectives="  Repérer un phishing \n\n Signaler un incident ",
        budget_estimate="12500",
    )
    assert programme.status == S.IDEA
    assert programme.learning_objectives == "Repérer un phishing\nSignaler un incident"
    assert programme.budget_estimate == Decimal("12500.00")
    assert list(programme.competencies.values_list("skill__name", "target_level__rank")) == [("Phishing", 2)]
    assert list(programme.transitions.values_list("from_status", "to_status", "by")) == [("", S.IDEA, cast.dlm.pk)]
    assert AuditEvent.objects.filter(object_type="programmes.programme", action="create").count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"title": "  "}, "title", "title"),
        ({"planned_start": dt.date(2027, 5, 1), "planned_end": dt.date(2027, 4, 1)}, "planned_end", "2027-04-01"),
        ({"budget_estimate": "-5"}, "budget_estimate", "negative"),
        ({"budget_estimate": "douze"}, "budget_estimate", "number"),
    ],
)
def test_bad_input_is_refused_naming_the_field(cast: Any, fields: dict[str, Any], field: str, words: str) -> None:
    kw = {"title": "Ok", **fields}
    with pytest.raises(ValidationFailed) as err:
        services.programme_create(actor=cast.dlm, **kw)
    assert field in err.value.errors
    assert words in err.value.errors[field][0]
    assert Programme.objects.count() == 0


def test_sponsor_and_owner_roles_are_checked(cast: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        _programme(cast, sponsor=cast.learner, owner=cast.client_a)
    assert set(err.value.errors) == {"sponsor", "owner"}
    assert _programme(cast, sponsor=cast.client_b).sponsor == cast.client_b


def test_only_the_ld_team_writes(cast: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.programme_create(actor=cast.client_a, title="Mine")


def test_update_changes_given_fields_and_audits_the_diff(cast: Any) -> None:
    programme = _programme(cast, planned_start=dt.date(2027, 1, 1))
    services.programme_update(
        actor=cast.ld, programme=programme, title="Cyber pour tous", planned_end=dt.date(2027, 6, 30)
    )
    programme.refresh_from_db()
    assert programme.title == "Cyber pour tous"
    event = AuditEvent.objects.filter(action="update").get()
    assert event.changes["title"] == ["Cybersécurité pour tous", "Cyber pour tous"]
    with pytest.raises(ValidationFailed) as err:
        services.programme_update(actor=cast.ld, programme=programme, planned_end=dt.date(2026, 12, 1))
    assert "planned_end" in err.value.errors
    with pytest.raises(ValidationFailed) as err:
        services.programme_update(actor=cast.ld, programme=programme, status=S.RUNNING)
    assert "status" in err.value.errors


def test_lifecycle_forward_back_close_and_history(cast: Any) -> None:
    programme = _programme(cast)
    for status in (S.DESIGN, S.PRODUCTION):
        programme = services.programme_transition(actor=cast.ld, programme=programme, to_status=status)
    with pytest.raises(ValidationFailed) as err:
        services.programme_transition(actor=cast.ld, programme=programme, to_status=S.DESIGN)
    assert "note" in err.value.errors
    programme = services.programme_transition(
        actor=cast.ld, programme=programme, to_status=S.DESIGN, note="Le prestataire a changé"
    )
    with pytest.raises(ValidationFailed) as err:
        services.programme_transition(actor=cast.ld, programme=programme, to_status=S.RUNNING)
    message = err.value.errors["to_status"][0]
    assert "design" in message.lower() and "running" in message.lower()
    for status in (S.PRODUCTION, S.DEPLOYMENT, S.RUNNING, S.CLOSED):
        programme = services.programme_transition(actor=cast.dlm, programme=programme, to_status=status)
    assert not services.was_abandoned(programme)
    history = list(ProgrammeTransition.objects.filter(programme=programme).values_list("to_status", flat=True))
    assert history == [S.IDEA, S.DESIGN, S.PRODUCTION, S.DESIGN, S.PRODUCTION, S.DEPLOYMENT, S.RUNNING, S.CLOSED]
    assert (
        ProgrammeTransition.objects.get(to_status=S.DESIGN, from_status=S.PRODUCTION).note == "Le prestataire a changé"
    )
    assert AuditEvent.objects.filter(object_type="programmes.programme", action="transition").count() == 7


def test_abandon_before_running_needs_a_note(cast: Any) -> None:
    programme = _programme(cast)
    with pytest.raises(ValidationFailed) as err:
        services.programme_transition(actor=cast.ld, programme=programme, to_status=S.CLOSED)
    assert "abandon" in err.value.errors["note"][0]
    programme = services.programme_transition(actor=cast.ld, programme=programme, to_status=S.CLOSED, note="Doublon")
    assert programme.status == S.CLOSED and services.was_abandoned(programme)
    assert AuditEvent.objects.filter(action="abandon").count() == 1
    assert [m["kind"] for m in services.allowed_moves(programme)] == ["reopen"]


def test_unknown_status_is_refused(cast: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.programme_transition(actor=cast.ld, programme=_programme(cast), to_status="launched")
    assert "launched" in err.value.errors["to_status"][0]


def test_headcount_counts_each_person_once(cast: Any) -> None:
    sales, lyon = _audiences(cast)
    result = services.audiences_headcount([sales, lyon])
    counts = {row["audience"].name: row["count"] for row in result["rows"]}
    # Unit A and below: client_a, manager, learner, peer (4); Lyon: learner, peer (2; "gone" is inactive).
    assert counts == {"Ventes": 4, "Lyon": 2}
    assert result["total"] == 4  # learner and peer are in both
    assert services.audiences_headcount([]) == {"rows": [], "total": 0}


def test_headcount_total_only_is_one_query(cast: Any, django_assert_num_queries: Any) -> None:
    sales, lyon = _audiences(cast)
    with django_assert_num_queries(1):
        assert services.audiences_headcount([sales, lyon], per_audience=False) == {"rows": [], "total": 4}


# --- accepting a request -------------------------------------------------------------------------


def test_accept_into_a_new_programme_prefilled_from_the_request(cast: Any) -> None:
    sales, _lyon = _audiences(cast)
    objective = Objective.objects.create(title="Réduire les incidents", weight=5)
    req = _request(cast, audience=sales, objective=objective, headcount=40, wished_date=dt.date(2027, 2, 1))
    programme = services.programme_accept_request(actor=cast.ld, request=req, reason="Priorité 2027", new_programme={})
    req.refresh_from_db()
    assert req.status == TrainingRequest.Status.ACCEPTED
    assert req.status_reason == "Priorité 2027"
    assert programme.title == req.title and programme.sponsor == cast.client_a and programme.owner == cast.ld
    assert list(programme.requests.all()) == [req]
    assert list(programme.objectives.all()) == [objective]
    assert list(programme.audiences.all()) == [sales]
    assert programme.planned_start == dt.date(2027, 2, 1)
    assert "40" in programme.description
    assert len(mail.outbox) == 0  # sent on commit


def test_accept_into_an_existing_programme(cast: Any) -> None:
    programme = _programme(cast)
    req = _request(cast, status=TrainingRequest.Status.UNDER_REVIEW)
    services.programme_accept_request(actor=cast.dlm, request=req, reason="Même besoin", programme=programme)
    assert list(programme.requests.all()) == [req]
    assert AuditEvent.objects.filter(action="accept_request").count() == 1


def test_a_request_that_cannot_be_accepted_leaves_nothing_behind(cast: Any) -> None:
    req = _request(cast, status=TrainingRequest.Status.DECLINED)
    with pytest.raises(ValidationFailed) as err:
        services.programme_accept_request(actor=cast.ld, request=req, reason="Finalement oui", new_programme={})
    assert "to_status" in err.value.errors
    assert Programme.objects.count() == 0
    req.refresh_from_db()
    assert req.status == TrainingRequest.Status.DECLINED


def test_accepting_needs_a_reason(cast: Any) -> None:
    req = _request(cast)
    with pytest.raises(ValidationFailed) as err:
        services.programme_accept_request(actor=cast.ld, request=req, reason=" ", new_programme={"title": "X"})
    assert "reason" in err.value.errors
    assert Programme.objects.count() == 0


# --- pages ---------------------------------------------------------------------------------------------


def _form_data(**kw: Any) -> dict[str, Any]:
    data = {
        "title": "Manager à l'ère hybride",
        "description": "",
        "learning_objectives": "Animer une équipe à distance",
        "planned_start": "2027-01-10",
        "planned_end": "2027-06-30",
        "budget_estimate": "",
        "comp-TOTAL_FORMS": "3",
        "comp-INITIAL_FORMS": "0",
        "comp-MIN_NUM_FORMS": "0",
        "comp-MAX_NUM_FORMS": "60",
    }
    data.update(kw)
    return data


def test_create_page_creates_and_redirects(cast: Any, login: Any) -> None:
    client = login(cast.ld)
    assert client.get(reverse("programmes:programme_create")).status_code == 200
    response = client.post(reverse("programmes:programme_create"), _form_data(owner=cast.ld.pk))
    programme = Programme.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("programmes:programme_detail", args=[programme.pk])
    assert programme.owner == cast.ld and programme.code == "PRG-2027-001"


def test_create_page_shows_the_date_error_next_to_the_field(cast: Any, login: Any) -> None:
    response = login(cast.ld).post(reverse("programmes:programme_create"), _form_data(planned_end="2026-12-31"))
    assert response.status_code == 200
    assert "before the planned start" in response.content.decode()
    assert Programme.objects.count() == 0


def test_headcount_fallback_button_rerenders_without_saving(cast: Any, login: Any) -> None:
    sales, lyon = _audiences(cast)
    response = login(cast.ld).post(
        reverse("programmes:programme_create"), _form_data(audiences=[sales.pk, lyon.pk], action="headcount")
    )
    assert response.status_code == 200
    assert "<strong>4</strong>" in response.content.decode()
    assert Programme.objects.count() == 0


def test_headcount_fragment_for_htmx(cast: Any, login: Any) -> None:
    sales, lyon = _audiences(cast)
    url = reverse("programmes:programme_headcount") + f"?audiences={sales.pk}&new-audiences={lyon.pk}"
    response = login(cast.ld).get(url, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and "<strong>4</strong>" in body and "<html" not in body
    assert "<html" in login(cast.ld).get(url).content.decode()


def test_detail_includes_the_cards_and_history(cast: Any, login: Any) -> None:
    programme = _programme(cast)
    services.programme_transition(actor=cast.ld, programme=programme, to_status=S.DESIGN, note="Go")
    response = login(cast.dlm).get(reverse("programmes:programme_detail", args=[programme.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert programme.code in body and "Go" in body
    templates = {t.name for t in response.templates}
    assert {
        "programmes/_recommendation_card.html",
        "programmes/_paths_card.html",
        "programmes/_programme_score_card.html",
    } <= templates


def test_transition_page_moves_and_refuses_with_a_message(cast: Any, login: Any) -> None:
    programme = _programme(cast)
    client = login(cast.ld)
    url = reverse("programmes:programme_transition", args=[programme.pk])
    response = client.post(url, {"to_status": S.RUNNING}, follow=True)
    assert "cannot move to running" in response.content.decode().lower()
    client.post(url, {"to_status": S.DESIGN})
    programme.refresh_from_db()
    assert programme.status == S.DESIGN
    assert client.get(url).status_code == 405


def test_sponsor_reads_but_cannot_edit_and_others_get_404(cast: Any, login: Any) -> None:
    programme = _programme(cast, sponsor=cast.client_a)
    client = login(cast.client_a)
    assert client.get(reverse("programmes:programme_detail", args=[programme.pk])).status_code == 200
    assert client.get(reverse("programmes:programme_edit", args=[programme.pk])).status_code == 403
    assert (
        client.post(
            reverse("programmes:programme_transition", args=[programme.pk]), {"to_status": "design"}
        ).status_code
        == 403
    )
    listing = client.get(reverse("programmes:programme_list")).content.decode()
    assert programme.code in listing
    client = login(cast.client_b)
    assert client.get(reverse("programmes:programme_detail", args=[programme.pk])).status_code == 404
    assert programme.code not in client.get(reverse("programmes:programme_list")).content.decode()


def test_list_filters(cast: Any, login: Any) -> None:
    objective = Objective.objects.create(title="Sécurité", weight=5)
    safety = _programme(cast, title="Sécurité industrielle — habilitations", objectives=[objective])
    other = _programme(cast, title="Onboarding commercial", owner=cast.dlm)
    services.programme_transition(actor=cast.ld, programme=other, to_status=S.DESIGN)
    client = login(cast.ld)
    url = reverse("programmes:programme_list")

    def codes(**params: Any) -> set[str]:
        body = client.get(url, params, headers={"HX-Request": "true"}).content.decode()
        return {p.code for p in (safety, other) if p.code in body}

    assert codes(objective=objective.pk) == {safety.code}
    assert codes(status="design") == {other.code}
    assert codes(owner=cast.ld.pk) == {safety.code}
    assert codes(q="onboarding") == {other.code}


def test_edit_page_saves_competencies(cast: Any, login: Any) -> None:
    programme = _programme(cast)
    domain = services_skills.domain_create(actor=cast.dlm, name="Sécurité")
    skill = services_skills.skill_create(actor=cast.dlm, domain=domain, name="Consignation")
    level = ProficiencyLevel.objects.get(rank=3)
    data = _form_data(owner=cast.ld.pk, **{"comp-0-skill": skill.pk, "comp-0-target_level": level.pk})
    response = login(cast.ld).post(reverse("programmes:programme_edit", args=[programme.pk]), data)
    assert response.status_code == 302
    assert list(programme.competencies.values_list("skill__name", "target_level__rank")) == [("Consignation", 3)]
    data["comp-1-skill"] = skill.pk
    response = login(cast.ld).post(reverse("programmes:programme_edit", args=[programme.pk]), data)
    assert response.status_code == 200 and "Choose the level" in response.content.decode()


def test_from_request_page_prefills_and_accepts(cast: Any, login: Any) -> None:
    req = _request(cast, headcount=12)
    client = login(cast.ld)
    url = reverse("programmes:from_request", args=[req.pk])
    page = client.get(url).content.decode()
    assert req.title in page
    response = client.post(
        url,
        {
            "mode": "new",
            "reason": "Validé en comité",
            "new-title": req.title,
            "new-owner": cast.ld.pk,
            "new-sponsor": cast.client_a.pk,
            "new-planned_start": "2027-03-01",
        },
    )
    programme = Programme.objects.get()
    assert response.status_code == 302
    assert list(programme.requests.all()) == [req]
    req.refresh_from_db()
    assert req.status == TrainingRequest.Status.ACCEPTED


def test_from_request_page_refuses_a_final_request(cast: Any, login: Any) -> None:
    req = _request(cast, status=TrainingRequest.Status.MERGED)
    client = login(cast.ld)
    url = reverse("programmes:from_request", args=[req.pk])
    assert "cannot be accepted" in client.get(url).content.decode()
    existing = _programme(cast)
    response = client.post(url, {"mode": "existing", "programme": existing.pk, "reason": "Oui"})
    assert response.status_code == 200
    assert "cannot become accepted" in response.content.decode()
    assert not existing.requests.exists()


# --- API ------------------------------------------------------------------------------------------------------


def _api(client: Any, method: str, url: str, body: Any = None) -> Any:
    return client.generic(method, url, json.dumps(body) if body is not None else "", content_type="application/json")


def test_api_create_transition_and_read(cast: Any, login: Any) -> None:
    sales, _lyon = _audiences(cast)
    client = login(cast.ld)
    response = _api(
        client,
        "POST",
        reverse("api:programme_create"),
        {
            "title": "Anticorruption Sapin II",
            "owner_id": cast.ld.pk,
            "audience_ids": [sales.pk],
            "learning_objectives": ["Identifier un conflit d'intérêts"],
            "planned_start": "2027-01-01",
            "planned_end": "2027-03-31",
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["code"] == "PRG-2027-001" and data["headcount"] == 4 and data["status"] == "idea"
    pk = data["id"]
    moved = _api(client, "POST", reverse("api:programme_transition", args=[pk]), {"to_status": "deployment"})
    assert moved.status_code == 400
    assert moved.json()["errors"][0]["field"] == "to_status"
    moved = _api(client, "POST", reverse("api:programme_transition", args=[pk]), {"to_status": "design"})
    assert moved.json()["status"] == "design" and len(moved.json()["transitions"]) == 2
    patched = _api(client, "PATCH", reverse("api:programme_update", args=[pk]), {"planned_end": "2026-01-01"})
    assert patched.status_code == 400 and patched.json()["errors"][0]["field"] == "planned_end"
    listing = client.get(reverse("api:programme_list"), {"status": "design"}).json()
    assert listing["count"] == 1


def test_api_names_the_bad_json_path(cast: Any, login: Any) -> None:
    response = _api(login(cast.ld), "POST", reverse("api:programme_create"), {"title": "X", "audience_ids": [987654]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "audience_ids[0]"


def test_api_competencies_and_from_request(cast: Any, login: Any) -> None:
    domain = services_skills.domain_create(actor=cast.dlm, name="Digital")
    skill = services_skills.skill_create(actor=cast.dlm, domain=domain, name="Cloud")
    level = ProficiencyLevel.objects.get(rank=1)
    programme = _programme(cast)
    client = login(cast.dlm)
    url = reverse("api:programme_competencies_set", args=[programme.pk])
    response = _api(client, "PUT", url, [{"skill_id": skill.pk, "target_level_id": level.pk}])
    assert response.status_code == 200 and response.json()[0]["skill"] == "Cloud"
    response = _api(client, "PUT", url, [{"skill_id": skill.pk, "target_level_id": 999}])
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "competencies[0].target_level_id"
    req = _request(cast)
    response = _api(
        client,
        "POST",
        reverse("api:programme_from_request", args=[req.pk]),
        {"reason": "Oui", "programme_id": programme.pk},
    )
    assert response.status_code == 201 and response.json()["request_ids"] == [req.pk]
    again = _api(
        client, "POST", reverse("api:programme_from_request", args=[req.pk]), {"reason": "Oui", "new_programme": {}}
    )
    assert again.status_code == 400 and Programme.objects.count() == 1


def test_api_sponsor_reads_only(cast: Any, login: Any) -> None:
    programme = _programme(cast, sponsor=cast.client_a)
    client = login(cast.client_a)
    assert client.get(reverse("api:programme_detail", args=[programme.pk])).status_code == 200
    response = _api(client, "PATCH", reverse("api:programme_update", args=[programme.pk]), {"title": "Mine"})
    assert response.status_code == 403
    assert login(cast.client_b).get(reverse("api:programme_detail", args=[programme.pk])).status_code == 404
