"""Objectives: list, detail, create and edit for the L&D team; read-only for internal clients."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from pilotage.core.errors import PermissionDenied, ValidationFailed
from pilotage.core.models import AuditEvent
from pilotage.strategy.models import Objective
from pilotage.strategy.services_objectives import objective_create, objective_update

pytestmark = pytest.mark.django_db


def _objective(cast: Any, **kw: Any) -> Objective:
    data = {"title": "Zéro accident grave", "weight": 5, "business_indicator": "Taux de fréquence"}
    data.update(kw)
    return objective_create(actor=cast.dlm, **data)


def test_create_records_and_audits(cast: Any) -> None:
    obj = _objective(cast, owner=cast.client_b, indicator_baseline="12,4", indicator_target="8")
    assert obj.pk and obj.status == Objective.Status.ACTIVE and obj.owner == cast.client_b
    assert AuditEvent.objects.filter(object_type="strategy.objective", object_id=str(obj.pk), action="create").exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": "  "}, "title"),
        ({"weight": 0}, "weight"),
        ({"weight": 6}, "weight"),
        ({"status": "forgotten"}, "status"),
        ({"business_indicator": "", "indicator_target": "8"}, "business_indicator"),
    ],
)
def test_bad_input_names_the_field(cast: Any, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        _objective(cast, **kwargs)
    assert field in exc.value.errors
    assert not Objective.objects.exists()


def test_only_staff_may_write(cast: Any) -> None:
    with pytest.raises(PermissionDenied):
        objective_create(actor=cast.client_a, title="Mine")
    obj = _objective(cast)
    with pytest.raises(PermissionDenied):
        objective_update(actor=cast.client_a, objective=obj, title="Hacked", weight=1)
    obj.refresh_from_db()
    assert obj.title == "Zéro accident grave"


def test_update_audits_the_diff(cast: Any) -> None:
    obj = _objective(cast)
    objective_update(actor=cast.ld, objective=obj, title=obj.title, weight=4, business_indicator="TF1")
    event = AuditEvent.objects.filter(object_id=str(obj.pk), action="update").get()
    assert event.changes["weight"] == [5, 4]
    assert event.changes["business_indicator"] == ["Taux de fréquence", "TF1"]


def test_client_sees_active_objectives_only(cast: Any, login: Any) -> None:
    active = _objective(cast, title="Relation client 2027")
    draft = _objective(cast, title="Brouillon confidentiel", status=Objective.Status.DRAFT)
    client = login(cast.client_a)
    page = client.get(reverse("strategy:objective_list"))
    assert page.status_code == 200
    assert "Relation client 2027" in page.text and "Brouillon confidentiel" not in page.text
    assert "New objective" not in page.text
    assert client.get(reverse("strategy:objective_detail", args=[active.pk])).status_code == 200
    assert client.get(reverse("strategy:objective_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("strategy:objective_edit", args=[active.pk])).status_code == 403


def test_staff_list_filters_by_status(cast: Any, login: Any) -> None:
    _objective(cast, title="Active one")
    _objective(cast, title="Dropped one", status=Objective.Status.DROPPED)
    page = login(cast.ld).get(reverse("strategy:objective_list"), {"status": "dropped"})
    assert "Dropped one" in page.text and "Active one" not in page.text


def test_roles_without_access_get_403(cast: Any, login: Any) -> None:
    assert login(cast.learner).get(reverse("strategy:objective_list")).status_code == 403


def test_create_page_happy_path_and_errors(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    assert client.get(reverse("strategy:objective_create")).status_code == 200
    bad = client.post(reverse("strategy:objective_create"), {"title": "", "weight": "3", "status": "active"})
    assert bad.status_code == 200 and "This field is required" in bad.text
    response = client.post(
        reverse("strategy:objective_create"),
        {
            "title": "Transformation digitale",
            "weight": "4",
            "status": "active",
            "horizon": "2027-12-31",
            "business_indicator": "Part des ventes en ligne",
            "indicator_baseline": "12 %",
            "indicator_target": "25 %",
        },
    )
    obj = Objective.objects.get(title="Transformation digitale")
    assert response.status_code == 302 and response["Location"] == reverse("strategy:objective_detail", args=[obj.pk])
    assert obj.horizon == dt.date(2027, 12, 31) and obj.weight == 4


def test_edit_page_and_htmx_partial(cast: Any, login: Any) -> None:
    obj = _objective(cast)
    client = login(cast.ld)
    page = client.get(reverse("strategy:objective_edit", args=[obj.pk]))
    assert page.status_code == 200 and "Zéro accident grave" in page.text
    partial = client.post(
        reverse("strategy:objective_edit", args=[obj.pk]),
        {"title": "", "weight": "9", "status": "active"},
        headers={"HX-Request": "true"},
    )
    assert partial.status_code == 200 and "<html" not in partial.text and 'id="objective-form"' in partial.text
    ok = client.post(
        reverse("strategy:objective_edit", args=[obj.pk]),
        {"title": "Zéro accident", "weight": "5", "status": "achieved"},
    )
    assert ok.status_code == 302
    obj.refresh_from_db()
    assert obj.status == Objective.Status.ACHIEVED and obj.title == "Zéro accident"


def test_detail_shows_linked_requests_in_scope(cast: Any, login: Any) -> None:
    from pilotage.strategy.services_requests import request_create

    obj = _objective(cast, title="Sécurité au travail")
    mine = request_create(
        actor=cast.client_a,
        title="Gestes et postures",
        business_need="Troubles musculo-squelettiques",
        population_description="Magasiniers",
        objective=obj,
    )
    theirs = request_create(
        actor=cast.client_b,
        title="Habilitation électrique",
        business_need="Obligation légale",
        population_description="Techniciens",
        objective=obj,
    )
    page = login(cast.client_a).get(reverse("strategy:objective_detail", args=[obj.pk]))
    assert mine.reference in page.text and theirs.reference not in page.text
    staff_page = login(cast.dlm).get(reverse("strategy:objective_detail", args=[obj.pk]))
    assert mine.reference in staff_page.text and theirs.reference in staff_page.text


def test_list_query_count(cast: Any, login: Any, django_assert_max_num_queries: Any) -> None:
    for i in range(15):
        _objective(cast, title=f"Objective {i}", owner=cast.dlm)
    client = login(cast.dlm)
    client.get(reverse("strategy:objective_list"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("strategy:objective_list")).status_code == 200
