"""Learning path pages: create/edit/delete a path and its steps, the reorder by buttons (plain and
htmx) and by the drag and drop endpoint, the learner preview, the programme's card, scoping."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from pilotage.programmes import services_paths as svc
from pilotage.programmes.models import LearningPath, PathStep, Programme

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def programme(cast: Any) -> Programme:
    return Programme.objects.create(code="PRG-PTH", title="Sécurité sur site", sponsor=cast.client_a)


@pytest.fixture
def path(cast: Any, programme: Programme) -> LearningPath:
    p = svc.path_create(actor=cast.dlm, programme=programme, title="Parcours essentiel")
    a = svc.step_create(
        actor=cast.dlm, path=p, kind="elearning", title="Module", url="https://lms.example/m", duration_minutes=45
    )
    b = svc.step_create(actor=cast.dlm, path=p, kind="virtual_class", title="Classe virtuelle", duration_minutes=90)
    svc.step_create(actor=cast.dlm, path=p, kind="quiz", title="Quiz", duration_minutes=15, prerequisites=[a.pk, b.pk])
    svc.step_create(
        actor=cast.dlm,
        path=p,
        kind="link",
        title="Ressources",
        url="https://x.example",
        mandatory=False,
        duration_minutes=20,
    )
    return p


def titles(path: LearningPath) -> list[str]:
    return list(path.steps.order_by("position").values_list("title", flat=True))


def step(path: LearningPath, title: str) -> PathStep:
    return path.steps.get(title=title)


def test_create_a_path(cast: Any, login: Any, programme: Programme) -> None:
    client = login(cast.ld)
    url = reverse("programmes:path_create", args=[programme.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"title": "Parcours express", "language": "fr", "completion_rule": "min_score", "completion_min_score": "70"},
    )
    path = LearningPath.objects.get(title="Parcours express")
    assert response.status_code == 302 and response["Location"] == reverse("programmes:path_detail", args=[path.pk])
    assert (path.programme, path.completion_rule, path.completion_min_score) == (programme, "min_score", 70)


def test_create_shows_service_errors_next_to_the_field(cast: Any, login: Any, programme: Programme) -> None:
    response = login(cast.dlm).post(
        reverse("programmes:path_create", args=[programme.pk]),
        {"title": "Parcours", "language": "fr", "completion_rule": "n_of_m", "completion_count": "2"},
    )
    assert response.status_code == 200
    assert "add its steps first" in response.content.decode()
    assert not LearningPath.objects.exists()


def test_detail_shows_totals_rule_iris_and_warning(cast: Any, login: Any, path: LearningPath) -> None:
    quiz = step(path, "Quiz")
    svc.step_update(actor=cast.dlm, step=step(path, "Module"), prerequisites=[step(path, "Ressources").pk])
    response = login(cast.ld).get(reverse("programmes:path_detail", args=[path.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 h 50" in html  # 45 + 90 + 15 + 20 minutes
    assert "2 h 30" in html  # mandatory: 150 minutes
    assert "Complete when every mandatory step is completed." in html
    assert quiz.activity_iri in html and f"/xapi/activities/paths/{path.uid}" in html
    assert "comes before its prerequisite" in html
    assert 'draggable="true"' in html and "js/path-reorder.js" in html
    assert reverse("programmes:step_move", args=[quiz.pk, "up"]) in html
    assert 'id="path-announce"' in html and 'aria-live="polite"' in html


def test_sponsor_reads_without_edit_controls(cast: Any, login: Any, path: LearningPath) -> None:
    client = login(cast.client_a)
    html = client.get(reverse("programmes:path_detail", args=[path.pk])).content.decode()
    assert "Parcours essentiel" in html
    assert "draggable" not in html and "path-reorder.js" not in html
    assert client.get(reverse("programmes:path_edit", args=[path.pk])).status_code == 403
    assert client.get(reverse("programmes:path_preview", args=[path.pk])).status_code == 200
    assert login(cast.client_b).get(reverse("programmes:path_detail", args=[path.pk])).status_code == 404
    assert login(cast.learner).get(reverse("programmes:path_detail", args=[path.pk])).status_code == 403


def test_edit_a_path(cast: Any, login: Any, path: LearningPath) -> None:
    response = login(cast.ld).post(
        reverse("programmes:path_edit", args=[path.pk]),
        {"title": "Parcours essentiel v2", "language": "en", "completion_rule": "n_of_m", "completion_count": "9"},
    )
    assert (
        response.status_code == 200 and "between 1 and the number of steps of the path (4)" in response.content.decode()
    )
    response = login(cast.ld).post(
        reverse("programmes:path_edit", args=[path.pk]),
        {"title": "Parcours essentiel v2", "language": "en", "completion_rule": "n_of_m", "completion_count": "3"},
    )
    assert response.status_code == 302
    path.refresh_from_db()
    assert (path.title, path.language, path.completion_count) == ("Parcours essentiel v2", "en", 3)


def test_delete_a_path(cast: Any, login: Any, path: LearningPath) -> None:
    client = login(cast.dlm)
    url = reverse("programmes:path_delete", args=[path.pk])
    assert "4 steps" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert not LearningPath.objects.filter(pk=path.pk).exists()


def test_add_edit_delete_a_step(cast: Any, login: Any, path: LearningPath) -> None:
    client = login(cast.ld)
    url = reverse("programmes:step_create", args=[path.pk])
    form = client.get(url).content.decode()
    assert "4. Ressources" in form  # prerequisites offered by number and title
    response = client.post(
        url,
        {"kind": "in_person", "title": "Atelier", "duration_minutes": "210", "mandatory": "on",
         "prerequisites": [str(step(path, "Quiz").pk)], "then": "another"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == url
    atelier = step(path, "Atelier")
    assert atelier.position == 5 and atelier.mandatory and list(atelier.prerequisites.all()) == [step(path, "Quiz")]

    # A video without URL: the error is next to the URL field, nothing saved.
    response = client.post(url, {"kind": "video", "title": "Vidéo", "duration_minutes": "5"})
    assert response.status_code == 200 and "needs the address" in response.content.decode()
    assert not path.steps.filter(title="Vidéo").exists()

    # A cycle through the edit form names the steps.
    module = step(path, "Module")
    response = client.post(
        reverse("programmes:step_edit", args=[module.pk]),
        {"kind": "elearning", "title": "Module", "url": "https://lms.example/m", "duration_minutes": "45",
         "mandatory": "on", "prerequisites": [str(atelier.pk)]},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200 and "cycle" in html
    assert "“Module” needs “Atelier”" in html and "“Atelier” needs “Quiz”" in html
    assert not module.prerequisites.exists()

    response = client.post(reverse("programmes:step_delete", args=[atelier.pk]))
    assert response.status_code == 302 and not PathStep.objects.filter(pk=atelier.pk).exists()


def test_step_delete_refused_by_n_of_m_shows_the_reason(cast: Any, login: Any, path: LearningPath) -> None:
    svc.path_update(actor=cast.dlm, path=path, completion_rule="n_of_m", completion_count=4)
    response = login(cast.dlm).post(reverse("programmes:step_delete", args=[step(path, "Quiz").pk]))
    assert response.status_code == 200 and "Lower N" in response.content.decode()
    assert path.steps.count() == 4


def test_move_buttons_plain_post_and_htmx(cast: Any, login: Any, path: LearningPath) -> None:
    client = login(cast.ld)
    quiz = step(path, "Quiz")
    url = reverse("programmes:step_move", args=[quiz.pk, "up"])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].endswith(f"#step-{quiz.pk}")
    assert titles(path) == ["Module", "Quiz", "Classe virtuelle", "Ressources"]

    response = client.post(url, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'id="path-steps"' in html
    assert "“Quiz” is now step 1 of 4." in html and 'hx-swap-oob="innerHTML:#path-announce"' in html
    assert "data-autofocus" in html  # focus stays on the moved step's button
    assert titles(path) == ["Quiz", "Module", "Classe virtuelle", "Ressources"]
    assert client.post(reverse("programmes:step_move", args=[quiz.pk, "left"])).status_code == 404


def test_reorder_endpoint(cast: Any, login: Any, path: LearningPath) -> None:
    client = login(cast.ld)
    url = reverse("programmes:path_reorder", args=[path.pk])
    ids = [str(step(path, t).pk) for t in ("Ressources", "Module", "Classe virtuelle", "Quiz")]
    response = client.post(url, {"step": ids, "moved": ids[0]}, **HTMX)
    assert response.status_code == 200 and "“Ressources” is now step 1 of 4." in response.content.decode()
    assert titles(path) == ["Ressources", "Module", "Classe virtuelle", "Quiz"]

    other = Programme.objects.create(code="PRG-OTH", title="Autre")
    foreign = svc.step_create(
        actor=cast.dlm,
        path=svc.path_create(actor=cast.dlm, programme=other, title="Autre"),
        kind="quiz",
        title="Ailleurs",
    )
    response = client.post(url, {"step": [*ids, str(foreign.pk)]}, **HTMX)
    assert response.status_code == 200 and "not steps of this path" in response.content.decode()
    response = client.post(url, {"step": ids[:2]})
    assert response.status_code == 302  # back to the page, the error as a message
    assert titles(path) == ["Ressources", "Module", "Classe virtuelle", "Quiz"]
    assert login(cast.client_a).post(url, {"step": ids}).status_code == 403


def test_preview_at_phone_size_with_locked_steps(cast: Any, login: Any, path: LearningPath) -> None:
    html = login(cast.ld).get(reverse("programmes:path_preview", args=[path.pk])).content.decode()
    assert 'class="phone-frame"' in html
    assert html.count("phone-step is-locked") == 1  # the quiz, behind the module and the class
    assert "Locked — complete first: Module, Classe virtuelle" in html
    assert "Optional" in html and "Mandatory" in html
    assert "style=" not in html and "<script>" not in html


def test_programme_card_lists_paths(cast: Any, programme: Programme, path: LearningPath) -> None:
    template = Template('{% include "programmes/_paths_card.html" %}')

    def render(user: Any) -> str:
        request = RequestFactory().get("/")
        request.user = user
        return template.render(Context({"programme": programme, "user": user, "request": request}))

    html = render(cast.ld)
    assert "Parcours essentiel" in html and "4 steps" in html and "2 h 50" in html
    assert reverse("programmes:path_create", args=[programme.pk]) in html
    assert reverse("programmes:path_preview", args=[path.pk]) in html
    sponsor = render(cast.client_a)
    assert "Parcours essentiel" in sponsor and reverse("programmes:path_create", args=[programme.pk]) not in sponsor
