"""Learning paths in the REST API: the full round trip (path, steps, prerequisites, reorder,
rule), errors naming the field, scoping, and the query count of the lists."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pilotage.programmes import services_paths as svc
from pilotage.programmes.models import LearningPath, PathStep, Programme

API = "/api/v1/programmes"


def call(client: Any, method: str, url: str, body: Any = None) -> Any:
    return client.generic(method, url, json.dumps(body) if body is not None else "", content_type="application/json")


@pytest.fixture
def programme(cast: Any) -> Programme:
    return Programme.objects.create(code="API-PTH", title="Accueil des nouveaux arrivants", sponsor=cast.client_a)


def test_round_trip(cast: Any, login: Any, programme: Programme) -> None:
    client = login(cast.ld)
    r = call(client, "POST", f"{API}/programmes/{programme.pk}/paths", {"title": "Parcours d'intégration"})
    assert r.status_code == 201, r.content
    path = r.json()
    assert path["activity_iri"].endswith(f"/xapi/activities/paths/{path['uid']}")
    assert path["completion_rule"] == "all_mandatory" and path["steps"] == []
    assert path["warnings"]  # no step yet

    created = []
    for body in (
        {"kind": "elearning", "title": "Module e-learning", "url": "https://lms.example/m", "duration_minutes": 30},
        {"kind": "virtual_class", "title": "Classe virtuelle", "duration_minutes": 60},
        {"kind": "quiz", "title": "Quiz", "duration_minutes": 10, "mandatory": False},
    ):
        r = call(client, "POST", f"{API}/paths/{path['id']}/steps", body)
        assert r.status_code == 201, r.content
        created.append(r.json())
    module, classe, quiz = created
    assert module["activity_iri"].endswith(f"/xapi/activities/steps/{module['uid']}")
    assert [s["position"] for s in created] == [1, 2, 3]

    r = call(client, "PATCH", f"{API}/steps/{quiz['id']}", {"prerequisites": [module["id"], classe["id"]]})
    assert r.status_code == 200 and r.json()["prerequisites"] == sorted([module["id"], classe["id"]])
    assert r.json()["activity_iri"] == quiz["activity_iri"] and r.json()["title"] == "Quiz"

    r = call(client, "POST", f"{API}/paths/{path['id']}/reorder", {"steps": [classe["id"], module["id"], quiz["id"]]})
    assert r.status_code == 200 and [s["title"] for s in r.json()] == ["Classe virtuelle", "Module e-learning", "Quiz"]

    r = call(client, "PATCH", f"{API}/paths/{path['id']}", {"completion_rule": "n_of_m", "completion_count": 2})
    assert r.status_code == 200
    detail = r.json()
    assert detail["completion_text"] == "Complete after any 2 steps out of 3."
    assert (detail["step_count"], detail["total_minutes"], detail["mandatory_minutes"]) == (3, 100, 90)
    assert [s["title"] for s in detail["steps"]] == ["Classe virtuelle", "Module e-learning", "Quiz"]

    r = call(client, "GET", f"{API}/programmes/{programme.pk}/paths")
    assert r.json()["count"] == 1 and r.json()["items"][0]["total_minutes"] == 100

    r = call(client, "DELETE", f"{API}/steps/{module['id']}")
    assert r.status_code == 204
    r = call(client, "DELETE", f"{API}/paths/{path['id']}")
    assert r.status_code == 204 and not LearningPath.objects.exists()


def test_errors_name_the_field(cast: Any, login: Any, programme: Programme) -> None:
    client = login(cast.dlm)
    r = call(
        client,
        "POST",
        f"{API}/programmes/{programme.pk}/paths",
        {"title": "P", "completion_rule": "n_of_m", "completion_count": 2},
    )
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "completion_count"
    path = svc.path_create(actor=cast.dlm, programme=programme, title="P")
    r = call(client, "POST", f"{API}/paths/{path.pk}/steps", {"kind": "video", "title": "Vidéo"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "url"
    r = call(client, "POST", f"{API}/paths/{path.pk}/steps", {"kind": "quiz", "title": "Q", "duration_minutes": "long"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "duration_minutes"

    a = svc.step_create(actor=cast.dlm, path=path, kind="quiz", title="A")
    b = svc.step_create(actor=cast.dlm, path=path, kind="quiz", title="B", prerequisites=[a.pk])
    r = call(client, "PATCH", f"{API}/steps/{a.pk}", {"prerequisites": [b.pk]})
    assert r.status_code == 400
    error = r.json()["errors"][0]
    assert (
        error["field"] == "prerequisites"
        and "“A” needs “B”" in error["message"]
        and "“B” needs “A”" in error["message"]
    )

    other = svc.path_create(actor=cast.dlm, programme=programme, title="Autre")
    foreign = svc.step_create(actor=cast.dlm, path=other, kind="quiz", title="Ailleurs")
    r = call(client, "POST", f"{API}/paths/{path.pk}/reorder", {"steps": [b.pk, a.pk, foreign.pk]})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "steps"
    assert list(path.steps.order_by("position").values_list("title", flat=True)) == ["A", "B"]


def test_scoping(cast: Any, login: Any, programme: Programme) -> None:
    path = svc.path_create(actor=cast.dlm, programme=programme, title="P")
    step = svc.step_create(actor=cast.dlm, path=path, kind="quiz", title="Q")
    sponsor = login(cast.client_a)
    assert call(sponsor, "GET", f"{API}/paths/{path.pk}").status_code == 200
    assert call(sponsor, "PATCH", f"{API}/steps/{step.pk}", {"title": "X"}).status_code == 403
    assert call(login(cast.client_b), "GET", f"{API}/paths/{path.pk}").status_code == 404
    assert call(login(cast.learner), "GET", f"{API}/paths/{path.pk}").status_code == 403
    assert PathStep.objects.get(pk=step.pk).title == "Q"


def test_lists_do_not_grow_queries_with_rows(cast: Any, login: Any, programme: Programme) -> None:
    client = login(cast.ld)
    path = svc.path_create(actor=cast.dlm, programme=programme, title="P")

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert call(client, "GET", url).status_code == 200
        return len(ctx.captured_queries)

    svc.step_create(actor=cast.dlm, path=path, kind="quiz", title="Q1")
    few_steps = count(f"{API}/paths/{path.pk}/steps")
    few_paths = count(f"{API}/programmes/{programme.pk}/paths")
    for i in range(5):
        svc.step_create(actor=cast.dlm, path=path, kind="quiz", title=f"Q{i + 2}")
        svc.path_create(actor=cast.dlm, programme=programme, title=f"P{i}")
    assert count(f"{API}/paths/{path.pk}/steps") == few_steps
    assert count(f"{API}/programmes/{programme.pk}/paths") == few_paths
