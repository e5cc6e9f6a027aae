"""Launching a step from the portal: launch parameters, the short-lived credential, the
"launched" statement, and the refusals (locked step, enrolment not seated, someone else's)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from pilotage.core.errors import ValidationFailed
from pilotage.delivery import launch
from pilotage.delivery.models import StepProgress
from pilotage.delivery.tests.factories_portal import enrol_directly, make_learning
from pilotage.lrs import credentials
from pilotage.lrs.models import LrsClient, Statement

pytestmark = pytest.mark.django_db


def _launch_url(cast: Any, login: Any, enrolment: Any, step: Any) -> Any:
    return login(cast.learner).post(reverse("portal:launch", args=[enrolment.pk, step.pk]))


def _post_statement(client: Any, auth: str, statement: dict[str, Any]) -> Any:
    return client.post(
        "/xapi/statements",
        data=json.dumps(statement),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
        HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
    )


def test_launching_xapi_content_gives_the_launch_parameters_and_a_short_lived_credential(
    cast: Any, login: Any, client: Any
) -> None:
    learning = make_learning()
    enrolment = enrol_directly(learning, cast.employees["learner"])

    response = _launch_url(cast, login, enrolment, learning.module)

    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert (url.scheme, url.netloc, url.path) == ("https", "content.example", "/m1/index.html")
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["lang"] == "fr"  # the step's own parameters are kept
    assert query["endpoint"].endswith("/xapi/")
    assert query["registration"] == str(enrolment.registration)
    assert query["activity_id"] == learning.module.activity_iri
    assert json.loads(query["actor"])["account"]["name"] == "E003"
    key, _secret = base64.b64decode(query["auth"].removeprefix("Basic ")).decode().split(":", 1)
    credential = LrsClient.objects.get(key=key)
    assert set(credential.scopes) == {"statements/write", "statements/read/mine", "state"}
    assert credential.expires_at is not None
    assert dt.timedelta(hours=3, minutes=59) < credential.expires_at - timezone.now() <= dt.timedelta(hours=4)
    # The launch credential is kept out of the DLM's list of clients.
    assert credential not in credentials.lrs_client_list()

    launched = Statement.objects.get(registration=enrolment.registration)
    assert launched.payload["verb"]["id"] == "http://adlnet.gov/expapi/verbs/launched"
    assert launched.payload["object"]["id"] == learning.module.activity_iri

    # The content posts its statements with the credential: they land on the enrolment.
    answer = _post_statement(
        client,
        query["auth"],
        {
            "actor": json.loads(query["actor"]),
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "object": {"id": query["activity_id"]},
            "context": {"registration": query["registration"]},
        },
    )
    assert answer.status_code == 200, answer.content
    progress = StepProgress.objects.get(enrolment=enrolment, step=learning.module)
    assert progress.status == StepProgress.Status.COMPLETED
    enrolment.refresh_from_db()
    assert enrolment.steps_completed == 1
    assert enrolment.progress_percent > 0


def test_an_expired_launch_credential_is_refused(cast: Any, client: Any) -> None:
    credential, secret = credentials.launch_credential_create(actor=cast.learner, name="launch")
    auth = "Basic " + base64.b64encode(f"{credential.key}:{secret}".encode()).decode()
    statement = {
        "actor": {"mbox": "mailto:julie.petit@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "https://content.example/m1"},
    }
    assert _post_statement(client, auth, statement).status_code == 200
    LrsClient.objects.filter(pk=credential.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _post_statement(client, auth, {**statement, "id": str(uuid.uuid4())}).status_code == 401


def test_a_launch_credential_needs_a_positive_duration(cast: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        credentials.launch_credential_create(actor=cast.learner, name="launch", hours=0)
    assert "hours" in exc.value.errors


def test_a_plain_step_opens_its_url_without_credential(cast: Any, login: Any) -> None:
    learning = make_learning()
    enrolment = enrol_directly(learning, cast.employees["learner"])

    response = _launch_url(cast, login, enrolment, learning.document)

    assert response.status_code == 302
    assert response["Location"] == "https://docs.example/fiche.pdf"
    assert not LrsClient.objects.exists()
    assert Statement.objects.filter(registration=enrolment.registration).count() == 1


def test_launching_a_locked_step_is_refused_with_the_prerequisite_named(cast: Any, login: Any) -> None:
    learning = make_learning()
    enrolment = enrol_directly(learning, cast.employees["learner"])

    response = _launch_url(cast, login, enrolment, learning.quiz)

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:enrolment", args=[enrolment.pk])
    assert not Statement.objects.exists()
    assert not LrsClient.objects.exists()
    page = login(cast.learner).get(response["Location"])
    assert "Module 1" in [str(m) for m in page.context["messages"]][0]


def test_the_locked_step_opens_once_its_prerequisite_is_completed(cast: Any) -> None:
    learning = make_learning()
    enrolment = enrol_directly(learning, cast.employees["learner"])
    with pytest.raises(ValidationFailed):
        launch.step_launch(actor=cast.learner, enrolment=enrolment, step=learning.quiz)
    StepProgress.objects.create(enrolment=enrolment, step=learning.module, status=StepProgress.Status.COMPLETED)
    result = launch.step_launch(actor=cast.learner, enrolment=enrolment, step=learning.quiz)
    assert result.xapi and result.client is not None


@pytest.mark.parametrize("status", ["pending", "waitlisted"])
def test_an_enrolment_not_seated_cannot_launch(cast: Any, status: str) -> None:
    learning = make_learning()
    enrolment = enrol_directly(learning, cast.employees["learner"], status=status)
    with pytest.raises(ValidationFailed) as exc:
        launch.step_launch(actor=cast.learner, enrolment=enrolment, step=learning.module)
    assert "enrolment" in exc.value.errors
    assert not Statement.objects.exists()


def test_someone_elses_enrolment_is_404_and_get_is_405(cast: Any, login: Any) -> None:
    learning = make_learning()
    peer = enrol_directly(learning, cast.employees["peer"])
    mine = enrol_directly(learning, cast.employees["learner"])
    assert _launch_url(cast, login, peer, learning.module).status_code == 404
    # The manager of both does not launch their team's steps either.
    assert login(cast.manager).post(reverse("portal:launch", args=[mine.pk, learning.module.pk])).status_code == 404
    assert login(cast.learner).get(reverse("portal:launch", args=[mine.pk, learning.module.pk])).status_code == 405
    other = make_learning(title="Autre")
    assert _launch_url(cast, login, mine, other.module).status_code == 404


def test_marking_a_document_done_completes_it(cast: Any, login: Any) -> None:
    learning = make_learning()
    enrolment = enrol_directly(learning, cast.employees["learner"])
    url = reverse("portal:step_done", args=[enrolment.pk, learning.document.pk])

    response = login(cast.learner).post(url)

    assert response.status_code == 302
    statement = Statement.objects.get(registration=enrolment.registration)
    assert statement.payload["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert StepProgress.objects.get(enrolment=enrolment, step=learning.document).status == "completed"
    # Content reports by itself: an e-learning module cannot be ticked by hand.
    with pytest.raises(ValidationFailed):
        launch.step_mark_done(actor=cast.learner, enrolment=enrolment, step=learning.module)


def test_marking_done_with_htmx_answers_the_steps_partial(cast: Any, login: Any) -> None:
    learning = make_learning()
    enrolment = enrol_directly(learning, cast.employees["learner"])
    url = reverse("portal:step_done", args=[enrolment.pk, learning.document.pk])

    response = login(cast.learner).post(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="portal-steps")

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<ol class="phone-steps portal-steps" id="portal-steps">')
    assert f'data-step="{learning.document.pk}" data-state="completed"' in body


def test_launch_url_keeps_the_content_parameters() -> None:
    url = launch.launch_url("https://x.example/a?b=1&endpoint=old", {"endpoint": "https://p.example/xapi/"})
    assert parse_qs(urlsplit(url).query) == {"b": ["1"], "endpoint": ["https://p.example/xapi/"]}
