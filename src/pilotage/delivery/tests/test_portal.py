"""The learner portal: My learning, the path page, the catalogue and self-enrolment, the
manager's approvals, sessions with add-to-calendar, certificates, the panels, the "me" API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pilotage.core import navigation
from pilotage.delivery import portal
from pilotage.delivery.models import Cohort, Enrolment, Session, StepProgress
from pilotage.delivery.tests.factories_portal import enrol_directly, make_learning

pytestmark = pytest.mark.django_db


# --- My learning and the path page ------------------------------------------------------------


def test_my_learning_shows_progress_due_date_and_next_step(cast: Any, login: Any) -> None:
    learning = make_learning()
    enrolment = enrol_directly(
        learning, cast.employees["learner"], due_on=timezone.localdate() - dt.timedelta(days=1), progress_percent=40
    )
    StepProgress.objects.create(enrolment=enrolment, step=learning.module, status=StepProgress.Status.COMPLETED)

    response = login(cast.learner).get(reverse("portal:home"))

    assert response.status_code == 200
    body = response.content.decode()
    assert learning.path.title in body
    assert 'data-progress="40"' in body
    [card] = response.context["current"]
    assert card["overdue"] is True
    assert card["next"]["step"] == learning.quiz  # unlocked by the completed module
    assert card["done"] == 1 and card["steps"] == 3
    assert reverse("portal:launch", args=[enrolment.pk, learning.quiz.pk]) in body


def test_my_learning_counts_its_queries(cast: Any, login: Any) -> None:
    client = login(cast.learner)
    for i in range(3):
        learning = make_learning(title=f"Programme {i}")
        enrol_directly(learning, cast.employees["learner"])
    client.get(reverse("portal:home"))  # warm the session and the content types
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("portal:home")).status_code == 200
    more = make_learning(title="Encore")
    enrol_directly(more, cast.employees["learner"])
    with CaptureQueriesContext(connection) as again:
        assert client.get(reverse("portal:home")).status_code == 200
    assert len(again) == len(queries), "My learning makes queries per enrolment"


def test_my_learning_lists_only_my_own_enrolments(cast: Any, login: Any) -> None:
    learning = make_learning()
    enrol_directly(learning, cast.employees["peer"])
    response = login(cast.learner).get(reverse("portal:home"))
    assert response.context["current"] == []


def test_the_portal_needs_an_employee_record(cast: Any, login: Any) -> None:
    assert login(cast.facilitator).get(reverse("portal:home")).status_code == 403
    assert login(cast.ld).get(reverse("portal:catalogue")).status_code == 403


def test_my_learning_is_the_first_menu_entry_for_anyone_with_an_employee(cast: Any, rf: Any) -> None:
    for user, expected in ((cast.learner, True), (cast.dlm, True), (cast.facilitator, False)):
        request = rf.get("/")
        request.user = user
        entries = navigation.entries_for(request)
        assert (entries[0].get("url") == reverse("portal:home")) is expected, user


def test_the_path_page_shows_each_steps_state(cast: Any, login: Any) -> None:
    learning = make_learning()
    enrolment = enrol_directly(learning, cast.employees["learner"])
    StepProgress.objects.create(enrolment=enrolment, step=learning.module, status=StepProgress.Status.IN_PROGRESS)

    response = login(cast.learner).get(reverse("portal:enrolment", args=[enrolment.pk]))

    states = {row["step"].pk: row["state"] for row in response.context["rows"]}
    assert states == {
        learning.module.pk: "in_progress",
        learning.quiz.pk: "locked",
        learning.document.pk: "not_started",
    }
    body = response.content.decode()
    assert reverse("portal:launch", args=[enrolment.pk, learning.quiz.pk]) not in body
    assert reverse("portal:step_done", args=[enrolment.pk, learning.document.pk]) in body


def test_another_learners_path_page_is_404(cast: Any, login: Any) -> None:
    learning = make_learning()
    peer = enrol_directly(learning, cast.employees["peer"])
    assert login(cast.learner).get(reverse("portal:enrolment", args=[peer.pk])).status_code == 404
    assert login(cast.manager).get(reverse("portal:enrolment", args=[peer.pk])).status_code == 404


def test_panels_of_other_apps_are_shown(cast: Any, login: Any, settings: Any) -> None:
    def panel(request: Any) -> dict[str, Any] | None:
        if request.user != cast.learner:
            return None
        return {"template": "core/components/badge.html", "title": "Panel title", "text": "panel-body-42"}

    portal.register_panel("test.panel", panel, order=1)
    try:
        body = login(cast.learner).get(reverse("portal:home")).content.decode()
        assert "panel-body-42" in body
        assert "panel-body-42" not in login(cast.manager).get(reverse("portal:home")).content.decode()
    finally:
        portal._PANELS.pop("test.panel")


# --- catalogue and self-enrolment -------------------------------------------------------------


def test_the_catalogue_lists_open_cohorts_of_programmes_open_to_self_enrolment(cast: Any, login: Any) -> None:
    shown = make_learning(title="Ouvert", self_enrolment=True)
    make_learning(title="Fermé")  # no settings: not open
    make_learning(title="Réservé", self_enrolment=False)
    closed = make_learning(title="Cohorte close", self_enrolment=True)
    Cohort.objects.filter(pk=closed.cohort.pk).update(status=Cohort.Status.RUNNING)

    response = login(cast.learner).get(reverse("portal:catalogue"))

    assert [e["programme"].pk for e in response.context["programmes"]] == [shown.programme.pk]


def test_self_enrolment_gives_a_seat(cast: Any, login: Any) -> None:
    learning = make_learning(self_enrolment=True)
    response = login(cast.learner).post(reverse("portal:enrol", args=[learning.cohort.pk]))
    enrolment = Enrolment.objects.get(employee=cast.employees["learner"])
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:enrolment", args=[enrolment.pk])
    assert (enrolment.status, enrolment.source) == ("active", "self")


def test_self_enrolling_in_a_programme_not_open_to_it_is_404(cast: Any, login: Any) -> None:
    learning = make_learning(self_enrolment=False)
    assert login(cast.learner).post(reverse("portal:enrol", args=[learning.cohort.pk])).status_code == 404
    restricted = make_learning(title="Réservé au public", self_enrolment=True, audience_only=True)
    assert login(cast.learner).post(reverse("portal:enrol", args=[restricted.cohort.pk])).status_code == 404
    assert not Enrolment.objects.exists()


def test_self_enrolling_in_a_full_cohort_joins_the_waitlist(cast: Any, login: Any) -> None:
    learning = make_learning(self_enrolment=True, capacity=1)
    enrol_directly(learning, cast.employees["peer"])
    page = login(cast.learner).get(reverse("portal:catalogue")).context["programmes"][0]["cohorts"][0]
    assert page["full"] is True

    login(cast.learner).post(reverse("portal:enrol", args=[learning.cohort.pk]))

    enrolment = Enrolment.objects.get(employee=cast.employees["learner"])
    assert enrolment.status == "waitlisted"


def test_self_enrolling_twice_is_refused_with_a_message(cast: Any, login: Any) -> None:
    learning = make_learning(self_enrolment=True)
    client = login(cast.learner)
    client.post(reverse("portal:enrol", args=[learning.cohort.pk]))
    response = client.post(reverse("portal:enrol", args=[learning.cohort.pk]), follow=True)
    assert any("already enrolled" in str(m) for m in response.context["messages"])
    assert Enrolment.objects.filter(employee=cast.employees["learner"]).count() == 1


def test_self_enrolment_with_manager_approval_waits_then_is_approved(cast: Any, login: Any) -> None:
    learning = make_learning(self_enrolment=True, manager_approval=True)
    login(cast.learner).post(reverse("portal:enrol", args=[learning.cohort.pk]))
    enrolment = Enrolment.objects.get(employee=cast.employees["learner"])
    assert enrolment.status == "pending"

    inbox = login(cast.manager).get(reverse("portal:approvals"))
    assert [e.pk for e in inbox.context["pending"]] == [enrolment.pk]
    response = login(cast.manager).post(reverse("portal:approval_decide", args=[enrolment.pk]), {"decision": "approve"})

    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == "active"
    assert enrolment.events.filter(kind="approved").exists()


def test_declining_needs_a_reason_and_answers_the_row_with_htmx(cast: Any, login: Any) -> None:
    learning = make_learning(self_enrolment=True, manager_approval=True)
    enrolment = enrol_directly(learning, cast.employees["peer"], status="pending", source="self")
    url = reverse("portal:approval_decide", args=[enrolment.pk])
    client = login(cast.manager)

    refused = client.post(url, {"decision": "decline", "reason": ""}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 200
    assert 'role="alert"' in refused.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == "pending"

    done = client.post(url, {"decision": "decline", "reason": "Pas cette année"}, HTTP_HX_REQUEST="true")
    assert done.content.decode().lstrip().startswith(f'<li class="portal-card" id="approval-{enrolment.pk}"')
    enrolment.refresh_from_db()
    assert enrolment.status == "declined"


def test_approving_an_enrolment_outside_the_team_is_404(cast: Any, login: Any) -> None:
    learning = make_learning(self_enrolment=True, manager_approval=True)
    outside = enrol_directly(learning, cast.employees["tech"], status="pending", source="self")
    response = login(cast.manager).post(reverse("portal:approval_decide", args=[outside.pk]), {"decision": "approve"})
    assert response.status_code == 404
    outside.refresh_from_db()
    assert outside.status == "pending"
    # A learner manages nobody: the inbox is closed to them.
    assert login(cast.learner).get(reverse("portal:approvals")).status_code == 403


# --- sessions, calendar, certificates ---------------------------------------------------------------


def _session(learning: Any, **kw: Any) -> Session:
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=5)
    return Session.objects.create(
        cohort=learning.cohort,
        title=kw.pop("title", "Atelier de négociation"),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        room="Salle 4",
        address="1 place de la Défense",
        **kw,
    )


def test_my_sessions_and_add_to_calendar(cast: Any, login: Any) -> None:
    learning = make_learning()
    enrol_directly(learning, cast.employees["learner"])
    session = _session(learning)
    client = login(cast.learner)

    page = client.get(reverse("portal:sessions"))
    assert [s.pk for s in page.context["upcoming"]] == [session.pk]

    ics = client.get(reverse("portal:session_ics", args=[session.pk]))
    assert ics.status_code == 200
    assert ics["Content-Type"].startswith("text/calendar")
    text = ics.content.decode()
    assert "BEGIN:VEVENT" in text and str(session.uid) in text and "METHOD:REQUEST" in text


def test_the_calendar_of_a_session_not_mine_is_404(cast: Any, login: Any) -> None:
    learning = make_learning()
    enrol_directly(learning, cast.employees["peer"])
    session = _session(learning)
    assert login(cast.learner).get(reverse("portal:session_ics", args=[session.pk])).status_code == 404
    waiting = make_learning(title="Attente")
    enrol_directly(waiting, cast.employees["learner"], status="waitlisted")
    assert login(cast.learner).get(reverse("portal:session_ics", args=[_session(waiting).pk])).status_code == 404


def test_a_cancelled_session_downloads_as_a_cancellation(cast: Any, login: Any) -> None:
    learning = make_learning()
    enrol_directly(learning, cast.employees["learner"])
    session = _session(learning, status=Session.Status.CANCELLED, cancel_reason="Formateur malade", sequence=1)
    text = login(cast.learner).get(reverse("portal:session_ics", args=[session.pk])).content.decode()
    assert "METHOD:CANCEL" in text


def test_certificates_list_completed_enrolments_only(cast: Any, login: Any) -> None:
    done = make_learning(title="Fini")
    completed = enrol_directly(done, cast.employees["learner"], status="completed", completed_at=timezone.now())
    enrol_directly(make_learning(title="En cours"), cast.employees["learner"])
    page = login(cast.learner).get(reverse("portal:certificates"))
    assert [e.pk for e in page.context["completed"]] == [completed.pk]


def test_an_active_enrolments_certificate_is_404(cast: Any, login: Any) -> None:
    learning = make_learning()
    active = enrol_directly(learning, cast.employees["learner"])
    assert login(cast.learner).get(reverse("portal:certificate", args=[active.pk])).status_code == 404


# --- API ---------------------------------------------------------------------------------------


def test_api_my_enrolments_and_progress(cast: Any, login: Any) -> None:
    learning = make_learning()
    mine = enrol_directly(learning, cast.employees["learner"], progress_percent=33)
    enrol_directly(make_learning(title="Autre"), cast.employees["peer"])
    StepProgress.objects.create(enrolment=mine, step=learning.module, status=StepProgress.Status.COMPLETED)
    client = login(cast.learner)

    listing = client.get("/api/v1/delivery/me/enrolments").json()
    assert [e["id"] for e in listing["items"]] == [mine.pk]
    assert listing["items"][0]["progress_percent"] == 33
    detail = client.get(f"/api/v1/delivery/me/enrolments/{mine.pk}").json()
    assert [s["state"] for s in detail["steps"]] == ["completed", "not_started", "not_started"]
    assert detail["registration"] == str(mine.registration)


def test_api_launch_and_enrol(cast: Any, login: Any) -> None:
    learning = make_learning(self_enrolment=True)
    client = login(cast.learner)
    created = client.post(f"/api/v1/delivery/me/catalogue/{learning.cohort.pk}/enrol")
    assert created.status_code == 201, created.content
    enrolment_id = created.json()["id"]
    launched = client.post(f"/api/v1/delivery/me/enrolments/{enrolment_id}/steps/{learning.module.pk}/launch")
    assert launched.status_code == 200
    assert "registration=" in launched.json()["url"] and launched.json()["expires_at"]
    locked = client.post(f"/api/v1/delivery/me/enrolments/{enrolment_id}/steps/{learning.quiz.pk}/launch")
    assert locked.status_code == 400
    assert locked.json()["errors"][0]["field"] == "step"


def test_api_approvals_stay_within_the_team(cast: Any, login: Any) -> None:
    learning = make_learning(self_enrolment=True, manager_approval=True)
    team = enrol_directly(learning, cast.employees["peer"], status="pending", source="self")
    outside = enrol_directly(learning, cast.employees["tech"], status="pending", source="self")
    client = login(cast.manager)
    assert [e["id"] for e in client.get("/api/v1/delivery/me/approvals").json()["items"]] == [team.pk]
    body = json.dumps({"decision": "approve"})
    assert (
        client.post(f"/api/v1/delivery/me/approvals/{outside.pk}", body, content_type="application/json").status_code
        == 404
    )
    answer = client.post(f"/api/v1/delivery/me/approvals/{team.pk}", body, content_type="application/json")
    assert answer.json()["status"] == "active"


def test_a_learner_downloads_their_certificate(cast: Any, login: Any) -> None:
    learning = make_learning(title="Fini")
    completed = enrol_directly(learning, cast.employees["learner"], status="completed", completed_at=timezone.now())
    response = login(cast.learner).get(reverse("portal:certificate", args=[completed.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert completed.certificate.number in response["Content-Disposition"]
    peer = enrol_directly(learning, cast.employees["peer"], status="completed", completed_at=timezone.now())
    assert login(cast.learner).get(reverse("portal:certificate", args=[peer.pk])).status_code == 404


def test_pages_with_launch_buttons_let_the_form_redirect_to_the_content_only(cast: Any, login: Any) -> None:
    learning = make_learning()
    enrolment = enrol_directly(learning, cast.employees["learner"])
    client = login(cast.learner)
    for url in (reverse("portal:home"), reverse("portal:enrolment", args=[enrolment.pk])):
        policy = client.get(url)["Content-Security-Policy"]
        form_action = next(d for d in policy.split(";") if d.strip().startswith("form-action"))
        assert "https://content.example" in form_action and "'self'" in form_action, url
        assert "https://docs.example" not in policy or url != reverse("portal:home")
    assert "content.example" not in client.get(reverse("portal:catalogue"))["Content-Security-Policy"]


def test_api_my_enrolments_counts_its_queries(cast: Any, login: Any) -> None:
    client = login(cast.learner)
    enrol_directly(make_learning(title="Un"), cast.employees["learner"])
    client.get("/api/v1/delivery/me/enrolments")
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/delivery/me/enrolments")
    for title in ("Deux", "Trois"):
        enrol_directly(make_learning(title=title), cast.employees["learner"])
    with CaptureQueriesContext(connection) as three:
        assert client.get("/api/v1/delivery/me/enrolments").json()["count"] == 3
    assert len(three) == len(one)


def test_api_decision_must_be_approve_or_decline(cast: Any, login: Any) -> None:
    learning = make_learning(self_enrolment=True, manager_approval=True)
    team = enrol_directly(learning, cast.employees["peer"], status="pending", source="self")
    answer = login(cast.manager).post(
        f"/api/v1/delivery/me/approvals/{team.pk}", json.dumps({"decision": "maybe"}), content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "decision"
