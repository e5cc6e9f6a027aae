"""A learner on a phone (issue 5): opens My learning from the menu, launches the e-learning
module of their path; the content (played here by the test) posts its statements to /xapi/
with the launch parameters it was given — the short-lived credential, the actor and the
registration; My learning shows the progress moved (the ``delivery.progress`` projection).
Then the quiz: once the path is complete, the hot evaluation dispatcher invites the learner,
the portal panel shows it and the learner answers it on the phone.

Elements are found by URL, data attributes, names and classes, never by their (translated) text.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from pilotage.delivery.models import Enrolment
from pilotage.delivery.tests.factories_portal import enrol_directly, make_learning

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
CONTENT = "https://content.example/"


def _url(live_server: Any, name: str, *args: Any) -> str:
    return f"{live_server.url}{reverse(name, args=args)}"


def _launch(page: Any, step_pk: int) -> dict[str, str]:
    """Press the step's launch button; the content's address opens with the launch
    parameters (the content server is played by a route). Returns the parameters."""
    page.locator(f"button[data-launch='{step_pk}']").click()
    page.wait_for_url(re.compile(r"^https://content\.example/"))
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def _post_statements(page: Any, live_server: Any, params: dict[str, str], statements: list[dict[str, Any]]) -> None:
    """What xAPI content does with its launch parameters: POST to ``endpoint`` with ``auth``."""
    endpoint = params["endpoint"]
    # SITE_URL is not the live server's address: the test posts to the live server's /xapi/.
    assert endpoint.endswith("/xapi/")
    answer = page.request.post(
        f"{live_server.url}/xapi/statements",
        data=json.dumps(statements),
        headers={
            "Authorization": params["auth"],
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
        },
    )
    assert answer.status == 200, answer.text()


def _statement(params: dict[str, str], verb: str, result: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": json.loads(params["actor"]),
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
        "object": {"objectType": "Activity", "id": params["activity_id"]},
        "context": {"registration": params["registration"]},
    }
    if result:
        out["result"] = result
    return out


def _progress(page: Any, enrolment: Enrolment) -> int:
    return int(
        page.locator(f".portal-card[data-enrolment='{enrolment.pk}'] [data-progress]").get_attribute("data-progress")
    )


def _reload_until_progress(page: Any, enrolment: Enrolment, predicate: Any, tries: int = 10) -> int:
    for _ in range(tries):
        page.reload()
        value = _progress(page, enrolment)
        if predicate(value):
            return value
        page.wait_for_timeout(300)
    raise AssertionError(f"My learning still shows {_progress(page, enrolment)} %")


def _hot_evaluation(programme: Any) -> None:
    """The hot evaluation template copied into the programme, sent after completion."""
    from pilotage.surveys import services
    from pilotage.surveys.models import Survey

    services.templates_ensure(actor="system")
    template = Survey.objects.get(is_template=True, kind=Survey.Kind.HOT)
    survey = services.survey_copy(actor="system", survey=template, programme=programme, publish=True)
    services.rule_create(actor="system", programme=programme, survey=survey, trigger="after_completion")


def _answer_every_question(page: Any) -> None:
    questions = page.locator(".sv-question")
    for i in range(questions.count()):
        question = questions.nth(i)
        if question.locator("textarea").count():
            question.locator("textarea").fill("Très concret, merci.")
        else:
            question.locator("label").last.click()


def test_learner_launches_a_step_and_sees_progress_then_answers_the_hot_evaluation(
    cast: Any, live_server: Any, page: Any, sign_in: Any
) -> None:
    learning = make_learning(title="Négociation grands comptes")
    enrolment = enrol_directly(learning, cast.employees["learner"])
    _hot_evaluation(learning.programme)
    page.route(f"{CONTENT}**", lambda route: route.fulfill(status=200, content_type="text/html", body="<p>content</p>"))
    page.set_viewport_size(PHONE)

    # My learning is the first entry of the menu.
    sign_in(cast.learner)
    page.locator("[data-nav-toggle]").click()
    first = page.locator("#main-nav > ul > li").first.locator("a")
    assert first.get_attribute("href") == reverse("portal:home")
    first.click()
    page.wait_for_url(_url(live_server, "portal:home"))
    assert _progress(page, enrolment) == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The next step is the module: launched with the xAPI launch parameters.
    params = _launch(page, learning.module.pk)
    assert params["registration"] == str(enrolment.registration)
    assert params["activity_id"] == learning.module.activity_iri
    assert params["auth"].startswith("Basic ")

    # The content reports: progressed, then completed.
    _post_statements(
        page,
        live_server,
        params,
        [_statement(params, "progressed", {"extensions": {}}), _statement(params, "completed", {"completion": True})],
    )
    page.goto(_url(live_server, "portal:home"))
    moved = _reload_until_progress(page, enrolment, lambda v: v > 0)
    assert 0 < moved < 100

    # The path page: the module is done, the quiz is open now.
    page.locator(f".portal-card[data-enrolment='{enrolment.pk}'] h3 a").click()
    page.wait_for_url(_url(live_server, "portal:enrolment", enrolment.pk))
    assert page.locator(f"[data-step='{learning.module.pk}']").get_attribute("data-state") == "completed"
    assert page.locator(f"[data-step='{learning.quiz.pk}']").get_attribute("data-state") == "not_started"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The quiz, passed: the path is complete.
    quiz = _launch(page, learning.quiz.pk)
    _post_statements(
        page,
        live_server,
        quiz,
        [_statement(quiz, "passed", {"success": True, "completion": True, "score": {"scaled": 0.85}})],
    )
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED

    # The dispatcher (a periodic job) invites the learner to the hot evaluation: the portal shows it.
    from pilotage.surveys import dispatch
    from pilotage.surveys.models import Invitation

    assert dispatch.dispatch_invitations() == 1
    invitation = Invitation.objects.get(respondent=cast.employees["learner"])
    page.goto(_url(live_server, "portal:home"))
    link = page.locator(f".portal-panel a[href='{reverse('surveys:answer', args=[invitation.token])}']")
    link.click()
    page.wait_for_url(_url(live_server, "surveys:answer", invitation.token))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _answer_every_question(page)
    page.locator("button.sv-submit").click()
    # The thank-you page: the same address with ?done=1 (and the language).
    page.wait_for_url(re.compile(re.escape(_url(live_server, "surveys:answer", invitation.token)) + r"\?done=1"))
    invitation.refresh_from_db()
    assert invitation.answered_at is not None

    # Nothing left to answer; the path shows completed, with its certificate.
    page.goto(_url(live_server, "portal:home"))
    assert page.locator(".portal-panel").count() == 0
    assert (
        page.locator(
            f".portal-card[data-enrolment='{enrolment.pk}'] a[href='{reverse('portal:certificate', args=[enrolment.pk])}']"
        ).count()
        == 1
    )
