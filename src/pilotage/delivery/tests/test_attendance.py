"""Attendance: the service (statements, voiding, session held, bad input), the facilitator's
pages (home, the phone sheet with htmx rows and the plain fallback) and the API."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from pilotage.core.errors import ValidationFailed
from pilotage.core.models import AuditEvent
from pilotage.delivery import services_attendance, xapi
from pilotage.delivery.models import Attendance, Enrolment, Session, SessionChange, StepProgress
from pilotage.delivery.tests.factories_attendance import make_classroom, make_session
from pilotage.lrs.models import Statement

pytestmark = pytest.mark.django_db


def _statement(statement_id: Any) -> Statement:
    return Statement.objects.get(statement_id=uuid.UUID(str(statement_id)))


# --- the service -------------------------------------------------------------------------------------


def test_a_mark_is_one_statement_and_the_session_is_held(cast: Any) -> None:
    room = make_classroom(cast)
    julie = room.enrolments["learner"]

    rows = services_attendance.attendance_record(
        actor=cast.facilitator, session=room.session, marks={julie.pk: "present"}
    )

    assert [(r.enrolment_id, r.status) for r in rows] == [(julie.pk, "present")]
    stored = _statement(rows[0].statement_id)
    payload = stored.payload
    assert payload["verb"]["id"] == xapi.VERB_ATTENDED
    assert payload["actor"]["account"]["name"] == "E003"
    assert payload["context"]["registration"] == str(julie.registration)
    assert payload["object"]["id"] == services_attendance.session_iri(room.session)
    assert payload["context"]["contextActivities"]["parent"][0]["id"] == room.workshop.activity_iri
    assert payload["result"]["extensions"][xapi.ATTENDANCE_STATUS] == "present"
    assert payload["result"]["duration"] == "PT8H"
    assert stored.registration == julie.registration
    room.session.refresh_from_db()
    assert room.session.status == Session.Status.HELD
    change = SessionChange.objects.get(session=room.session)
    assert (change.from_status, change.to_status, change.by) == ("scheduled", "held", cast.facilitator)
    event = AuditEvent.objects.get(action="attendance.record")
    assert event.changes["marks"] == {str(julie.pk): [None, "present"]}


def test_attending_completes_the_sessions_step_through_the_projection(cast: Any) -> None:
    room = make_classroom(cast)
    julie = room.enrolments["learner"]
    services_attendance.attendance_record(actor=cast.facilitator, session=room.session, marks={julie.pk: "late"})
    progress = StepProgress.objects.get(enrolment=julie, step=room.workshop)
    assert progress.status == StepProgress.Status.COMPLETED


def test_an_absence_uses_the_was_absent_verb(cast: Any) -> None:
    room = make_classroom(cast)
    rows = services_attendance.attendance_record(
        actor=cast.facilitator, session=room.session, marks={room.enrolments["peer"].pk: "no_show"}
    )
    payload = _statement(rows[0].statement_id).payload
    assert payload["verb"]["id"] == xapi.VERB_ABSENT
    assert payload["result"] == {"extensions": {xapi.ATTENDANCE_STATUS: "no_show"}}
    assert not StepProgress.objects.filter(enrolment=room.enrolments["peer"], status="completed").exists()


def test_re_marking_voids_the_earlier_statement(cast: Any) -> None:
    room = make_classroom(cast)
    julie = room.enrolments["learner"]
    first = services_attendance.attendance_record(
        actor=cast.facilitator, session=room.session, marks={julie.pk: "present"}
    )[0]
    first_id = first.statement_id

    second = services_attendance.attendance_record(
        actor=cast.facilitator, session=room.session, marks={julie.pk: "absent"}, notes={julie.pk: "Malade"}
    )[0]

    assert Attendance.objects.filter(session=room.session, enrolment=julie).count() == 1
    row = Attendance.objects.get(session=room.session, enrolment=julie)
    assert (row.status, row.note) == ("absent", "Malade")
    assert row.statement_id != first_id and row.statement_id == second.statement_id
    assert _statement(first_id).voided is True
    assert _statement(row.statement_id).payload["verb"]["id"] == xapi.VERB_ABSENT
    assert Statement.objects.filter(voided_target=first_id).count() == 1
    # the projection took the attendance back out: the step is no longer completed
    assert not StepProgress.objects.filter(enrolment=julie, step=room.workshop, status="completed").exists()


def test_the_same_mark_again_changes_nothing(cast: Any) -> None:
    room = make_classroom(cast)
    julie = room.enrolments["learner"]
    services_attendance.attendance_record(actor=cast.facilitator, session=room.session, marks={julie.pk: "present"})
    count = Statement.objects.count()
    services_attendance.attendance_record(actor=cast.facilitator, session=room.session, marks={julie.pk: "present"})
    assert Statement.objects.count() == count
    assert AuditEvent.objects.filter(action="attendance.record").count() == 1


def test_an_unknown_status_is_refused_naming_the_mark(cast: Any) -> None:
    room = make_classroom(cast)
    julie = room.enrolments["learner"]
    with pytest.raises(ValidationFailed) as caught:
        services_attendance.attendance_record(
            actor=cast.facilitator, session=room.session, marks={julie.pk: "sleeping"}
        )
    message = caught.value.errors[f"marks[{julie.pk}]"][0]
    assert "sleeping" in message and "no_show" in message
    assert not Attendance.objects.exists() and not Statement.objects.exists()


def test_a_learner_not_in_the_cohort_is_refused(cast: Any) -> None:
    room = make_classroom(cast)
    other = make_classroom(cast, learners=("tech",))
    stranger = other.enrolments["tech"]
    with pytest.raises(ValidationFailed) as caught:
        services_attendance.attendance_record(
            actor=cast.facilitator,
            session=room.session,
            marks={room.enrolments["learner"].pk: "present", stranger.pk: "present"},
        )
    assert list(caught.value.errors) == [f"marks[{stranger.pk}]"]
    assert room.cohort.code in caught.value.errors[f"marks[{stranger.pk}]"][0]
    assert not Attendance.objects.exists()


def test_an_unenrolled_learner_is_not_a_learner_of_the_session(cast: Any) -> None:
    room = make_classroom(cast)
    julie = room.enrolments["learner"]
    Enrolment.objects.filter(pk=julie.pk).update(status=Enrolment.Status.UNENROLLED)
    with pytest.raises(ValidationFailed):
        services_attendance.attendance_record(actor=cast.facilitator, session=room.session, marks={julie.pk: "present"})


def test_attendance_on_a_cancelled_session_is_refused(cast: Any) -> None:
    room = make_classroom(cast)
    Session.objects.filter(pk=room.session.pk).update(status=Session.Status.CANCELLED, cancel_reason="Grève")
    room.session.refresh_from_db()
    with pytest.raises(ValidationFailed) as caught:
        services_attendance.attendance_record(
            actor=cast.facilitator, session=room.session, marks={room.enrolments["learner"].pk: "present"}
        )
    assert "cancelled" in caught.value.errors["session"][0]
    assert not Attendance.objects.exists() and not Statement.objects.exists()
    assert Session.objects.get(pk=room.session.pk).status == Session.Status.CANCELLED


def test_attendance_before_the_sessions_day_is_refused(cast: Any) -> None:
    room = make_classroom(cast, day=timezone.localdate() + dt.timedelta(days=3))
    with pytest.raises(ValidationFailed) as caught:
        services_attendance.attendance_record(
            actor=cast.facilitator, session=room.session, marks={room.enrolments["learner"].pk: "present"}
        )
    assert "session" in caught.value.errors


def test_no_mark_is_refused(cast: Any) -> None:
    room = make_classroom(cast)
    with pytest.raises(ValidationFailed) as caught:
        services_attendance.attendance_record(actor=cast.facilitator, session=room.session, marks={})
    assert "marks" in caught.value.errors


def test_mark_all_marks_only_the_unmarked(cast: Any) -> None:
    room = make_classroom(cast)
    services_attendance.attendance_record(
        actor=cast.facilitator, session=room.session, marks={room.enrolments["peer"].pk: "excused"}
    )
    services_attendance.attendance_mark_all(actor=cast.facilitator, session=room.session)
    marks = dict(
        Attendance.objects.filter(session=room.session).values_list("enrolment__employee__last_name", "status")
    )
    assert marks == {"Roux": "excused", "Petit": "present"}
    with pytest.raises(ValidationFailed):
        services_attendance.attendance_mark_all(actor=cast.facilitator, session=room.session)


# --- pages -------------------------------------------------------------------------------------------


def test_facilitator_home_lists_their_sessions_and_cohorts(cast: Any, login: Any) -> None:
    room = make_classroom(cast)
    later = make_session(room.cohort, day=timezone.localdate() + dt.timedelta(days=7), title="Atelier 2")
    past = make_session(room.cohort, day=timezone.localdate() - dt.timedelta(days=5), title="Atelier 0")
    hidden = make_classroom(cast, facilitate=False)
    response = login(cast.facilitator).get(reverse("delivery:facilitator_home"))
    assert response.status_code == 200
    html = response.content.decode()
    for session in (room.session, later, past):
        assert f'data-session-id="{session.pk}"' in html
    assert f'data-session-id="{hidden.session.pk}"' not in html
    assert reverse("delivery:cohort_papers", args=[room.cohort.pk]) in html
    assert 'class="fac-session is-to-take"' in html  # the past session has no attendance yet


def test_facilitator_home_is_refused_to_a_learner(cast: Any, login: Any) -> None:
    assert login(cast.learner).get(reverse("delivery:facilitator_home")).status_code == 403


def test_attendance_page_shows_each_learner_with_big_buttons(cast: Any, login: Any) -> None:
    room = make_classroom(cast)
    response = login(cast.facilitator).get(reverse("delivery:attendance", args=[room.session.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    julie = room.enrolments["learner"]
    assert f'id="att-row-{julie.pk}"' in html
    assert f'name="mark-{julie.pk}" value="no_show"' in html
    assert 'hx-post="{}"'.format(reverse("delivery:attendance_mark", args=[room.session.pk, julie.pk])) in html
    assert 'action="{}"'.format(reverse("delivery:attendance", args=[room.session.pk])) in html


def test_the_plain_form_records_the_tapped_mark(cast: Any, login: Any) -> None:
    room = make_classroom(cast)
    julie = room.enrolments["learner"]
    url = reverse("delivery:attendance", args=[room.session.pk])
    response = login(cast.facilitator).post(url, {f"mark-{julie.pk}": "late"})
    assert response.status_code == 302
    assert response["Location"] == f"{url}#att-row-{julie.pk}"
    assert Attendance.objects.get(enrolment=julie).status == "late"


def test_a_note_per_row_is_saved_with_the_mark_htmx_and_plain(cast: Any, login: Any) -> None:
    room = make_classroom(cast)
    julie = room.enrolments["learner"]
    client = login(cast.facilitator)
    page = client.get(reverse("delivery:attendance", args=[room.session.pk])).content.decode()
    assert f'<input type="text" id="att-note-{julie.pk}" name="note-{julie.pk}" maxlength="300"' in page
    assert '<details class="att-note field">' in page  # folded: no crowding on the phone
    row_url = reverse("delivery:attendance_mark", args=[room.session.pk, julie.pk])
    others = {f"note-{e.pk}": "not this one" for e in room.enrolments.values() if e.pk != julie.pk}
    htmx = client.post(
        row_url,
        {f"mark-{julie.pk}": "late", f"note-{julie.pk}": " Train en retard ", **others},
        headers={"HX-Request": "true"},
    )
    assert Attendance.objects.get(enrolment=julie).note == "Train en retard"
    assert Attendance.objects.filter(note="not this one").count() == 0
    assert 'value="Train en retard"' in htmx.content.decode()
    assert '<details class="att-note field" open>' in htmx.content.decode()
    plain = reverse("delivery:attendance", args=[room.session.pk])
    client.post(plain, {f"mark-{julie.pk}": "late", f"note-{julie.pk}": "Arrivée à 10 h"})
    assert Attendance.objects.get(enrolment=julie).note == "Arrivée à 10 h"
    too_long = client.post(plain, {f"mark-{julie.pk}": "present", f"note-{julie.pk}": "x" * 301})
    assert "at most 300 characters" in too_long.content.decode()
    assert Attendance.objects.get(enrolment=julie).status == "late"


def test_an_htmx_tap_answers_the_row_and_the_counts(cast: Any, login: Any) -> None:
    room = make_classroom(cast)
    julie = room.enrolments["learner"]
    url = reverse("delivery:attendance_mark", args=[room.session.pk, julie.pk])
    response = login(cast.facilitator).post(url, {f"mark-{julie.pk}": "present"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="att-row is-marked" id="att-row-{julie.pk}"')
    assert (
        f'id="att-{julie.pk}-present" class="att-button att-present" name="mark-{julie.pk}" value="present" aria-pressed="true"'
        in html
    )
    assert 'id="att-summary" hx-swap-oob="true"' in html
    assert 'id="session-status" hx-swap-oob="true"' in html
    assert "<html" not in html


def test_an_htmx_tap_on_a_cancelled_session_shows_why(cast: Any, login: Any) -> None:
    room = make_classroom(cast)
    Session.objects.filter(pk=room.session.pk).update(status=Session.Status.CANCELLED)
    julie = room.enrolments["learner"]
    url = reverse("delivery:attendance_mark", args=[room.session.pk, julie.pk])
    response = login(cast.facilitator).post(url, {f"mark-{julie.pk}": "present"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not Attendance.objects.exists()


def test_everyone_present_button(cast: Any, login: Any) -> None:
    room = make_classroom(cast)
    url = reverse("delivery:attendance", args=[room.session.pk])
    response = login(cast.facilitator).post(url, {"all": "present"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="attendance-sheet">')
    assert Attendance.objects.filter(session=room.session, status="present").count() == 2


def test_a_facilitator_cannot_take_attendance_of_someone_elses_session(cast: Any, login: Any) -> None:
    room = make_classroom(cast, facilitate=False)
    client = login(cast.facilitator)
    julie = room.enrolments["learner"]
    assert client.get(reverse("delivery:attendance", args=[room.session.pk])).status_code == 404
    url = reverse("delivery:attendance_mark", args=[room.session.pk, julie.pk])
    assert client.post(url, {f"mark-{julie.pk}": "present"}).status_code == 404
    assert not Attendance.objects.exists()


def test_a_row_of_a_learner_outside_the_cohort_is_404(cast: Any, login: Any) -> None:
    room = make_classroom(cast)
    other = make_classroom(cast, learners=("tech",))
    url = reverse("delivery:attendance_mark", args=[room.session.pk, other.enrolments["tech"].pk])
    assert login(cast.facilitator).post(url, {"status": "present"}).status_code == 404


def test_session_facilitator_without_the_cohort_can_take_attendance(cast: Any, login: Any) -> None:
    room = make_classroom(cast, facilitate=False)
    room.session.facilitators.add(cast.facilitator)
    julie = room.enrolments["learner"]
    url = reverse("delivery:attendance_mark", args=[room.session.pk, julie.pk])
    assert login(cast.facilitator).post(url, {f"mark-{julie.pk}": "present"}).status_code == 302
    assert Attendance.objects.get(enrolment=julie).checked_by == cast.facilitator


# --- API ---------------------------------------------------------------------------------------------


def _put(client: Any, session: Session, body: Any) -> Any:
    url = reverse("api:session_attendance_set", kwargs={"session_id": session.pk})
    return client.put(url, json.dumps(body), content_type="application/json")


def test_api_reads_and_sets_attendance(cast: Any, login: Any) -> None:
    room = make_classroom(cast)
    client = login(cast.facilitator)
    julie, hugo = room.enrolments["learner"], room.enrolments["peer"]
    response = client.get(reverse("api:session_attendance", kwargs={"session_id": room.session.pk}))
    assert response.status_code == 200
    assert response.json()["counts"]["unmarked"] == 2

    response = _put(
        client,
        room.session,
        {
            "marks": [
                {"enrolment_id": julie.pk, "status": "present"},
                {"enrolment_id": hugo.pk, "status": "excused", "note": "Congé"},
            ]
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["session_status"] == "held"
    rows = {r["enrolment_id"]: r for r in body["rows"]}
    assert rows[julie.pk]["status"] == "present" and rows[julie.pk]["statement_id"]
    assert rows[hugo.pk]["note"] == "Congé"


def test_api_bad_input_names_the_json_path(cast: Any, login: Any) -> None:
    room = make_classroom(cast)
    other = make_classroom(cast, learners=("tech",))
    client = login(cast.facilitator)
    julie = room.enrolments["learner"]
    response = _put(
        client,
        room.session,
        {
            "marks": [
                {"enrolment_id": julie.pk, "status": "present"},
                {"enrolment_id": other.enrolments["tech"].pk, "status": "maybe"},
            ]
        },
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"marks[1].status"}
    assert not Attendance.objects.exists()

    response = _put(client, room.session, {"marks": [{"enrolment_id": julie.pk, "status": "present"}] * 2})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "marks[1].enrolment_id"


def test_api_refuses_a_cancelled_session(cast: Any, login: Any) -> None:
    room = make_classroom(cast)
    Session.objects.filter(pk=room.session.pk).update(status=Session.Status.CANCELLED)
    response = _put(
        login(cast.dlm), room.session, {"marks": [{"enrolment_id": room.enrolments["learner"].pk, "status": "present"}]}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "session"


def test_api_facilitator_sessions(cast: Any, login: Any) -> None:
    room = make_classroom(cast)
    make_classroom(cast, facilitate=False)
    response = login(cast.facilitator).get(reverse("api:facilitator_sessions"))
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [room.session.pk]
    assert login(cast.learner).get(reverse("api:facilitator_sessions")).status_code == 403


def _queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_lists_do_not_query_per_row(cast: Any, login: Any) -> None:
    room = make_classroom(cast)
    client = login(cast.facilitator)
    pages = [
        reverse("delivery:facilitator_home"),
        reverse("delivery:attendance", args=[room.session.pk]),
        reverse("api:facilitator_sessions"),
        reverse("api:session_attendance", kwargs={"session_id": room.session.pk}),
    ]
    before = [_queries(client, url) for url in pages]
    for days in (-3, -2, 2, 3):
        make_session(room.cohort, day=timezone.localdate() + dt.timedelta(days=days))
    make_classroom(cast, learners=("tech",))
    for name in ("manager", "client_a", "client_b"):
        Enrolment.objects.create(cohort=room.cohort, employee=cast.employees[name], status="active")
    services_attendance.attendance_mark_all(actor=cast.facilitator, session=room.session)
    assert [_queries(client, url) for url in pages] == before


def test_todays_sessions_stay_on_top_and_only_started_ones_are_to_take(cast: Any, login: Any) -> None:
    room = make_classroom(cast)  # today 09:00-17:00, ended or not
    later = make_session(room.cohort, day=timezone.localdate() + dt.timedelta(days=7), title="Atelier 2")
    response = login(cast.facilitator).get(reverse("delivery:facilitator_home"))
    upcoming = [item["session"].pk for item in response.context["upcoming"]]
    assert upcoming == [room.session.pk, later.pk]
    flags = {item["session"].pk: item["to_take"] for item in response.context["upcoming"]}
    assert flags == {room.session.pk: True, later.pk: False}
