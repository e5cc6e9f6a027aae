"""Learner identity: linking an actor to an employee re-attributes progress and rollups.

Statements, progress and rollups are made with the ORM here, as the projections would
have left them for an actor nobody was matched to (org unit key 0)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.urls import reverse

from pilotage.core.errors import ValidationFailed
from pilotage.core.models import AuditEvent
from pilotage.lrs import identity
from pilotage.lrs.models import Activity, Agent, DailyActivity, LearnerProgress, Statement, Verb

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
UTC = dt.UTC


def _statement(agent: Agent, verb: Verb, activity: Activity, when: dt.datetime) -> Statement:
    return Statement.objects.create(
        statement_id=uuid.uuid4(),
        stored=when,
        timestamp=when,
        actor=agent,
        verb=verb,
        activity=activity,
        payload={"actor": {"mbox": agent.ifi[5:]}, "verb": {"id": verb.iri}, "object": {"id": activity.iri}},
        content_hash="x",
    )


@pytest.fixture
def history(db: Any) -> dict[str, Any]:
    """An unmatched actor with three statements (one late in the evening: the next day in
    Paris) and another actor sharing one of its rollup rows."""
    stranger = Agent.objects.create(ifi="mbox:mailto:j.petit@gmail.example", name="Julie (personal)")
    other = Agent.objects.create(ifi="mbox:mailto:someone@else.example")
    completed = Verb.objects.create(iri=COMPLETED)
    experienced = Verb.objects.create(iri=EXPERIENCED)
    course = Activity.objects.create(iri="https://example.com/courses/safety")
    _statement(stranger, completed, course, dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    _statement(stranger, completed, course, dt.datetime(2026, 3, 10, 14, 0, tzinfo=UTC))
    _statement(stranger, experienced, course, dt.datetime(2026, 3, 10, 23, 30, tzinfo=UTC))  # 11 March in Paris
    _statement(other, completed, course, dt.datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    day, next_day = dt.date(2026, 3, 10), dt.date(2026, 3, 11)
    DailyActivity.objects.create(day=day, activity_key=course.pk, verb=completed, org_unit_key=0, count=3)
    DailyActivity.objects.create(day=next_day, activity_key=course.pk, verb=experienced, org_unit_key=0, count=1)
    LearnerProgress.objects.create(
        agent=stranger, activity=course, last_activity=dt.datetime(2026, 3, 10, 23, 30, tzinfo=UTC), statement_count=3
    )
    LearnerProgress.objects.create(
        agent=other, activity=course, last_activity=dt.datetime(2026, 3, 10, 10, tzinfo=UTC), statement_count=1
    )
    return {
        "stranger": stranger,
        "other": other,
        "course": course,
        "completed": completed,
        "experienced": experienced,
        "day": day,
        "next_day": next_day,
    }


def _rollups() -> dict[tuple[dt.date, int, int], int]:
    return {
        (row.day, row.verb_id, row.org_unit_key): row.count
        for row in DailyActivity.objects.all()  # one activity in these tests
    }


def test_link_reattributes_progress_and_daily_rollups(cast: Any, history: dict[str, Any]) -> None:
    julie = cast.employees["learner"]
    h = history
    identity.agent_link_employee(actor=cast.dlm, agent=h["stranger"], employee=julie)

    h["stranger"].refresh_from_db()
    assert h["stranger"].employee == julie
    assert LearnerProgress.objects.get(agent=h["stranger"]).employee == julie
    assert LearnerProgress.objects.get(agent=h["other"]).employee is None
    a1 = cast.unit_a1.pk
    assert _rollups() == {
        (h["day"], h["completed"].pk, 0): 1,  # the other actor's statement stays unattributed
        (h["day"], h["completed"].pk, a1): 2,
        (h["next_day"], h["experienced"].pk, a1): 1,  # day in TIME_ZONE, as the projection counts it
    }
    event = AuditEvent.objects.get(action="lrs_agent.link")
    assert event.actor == cast.dlm and event.changes == {"employee": [None, julie.pk]}
    assert "3 statements" in event.note


def test_relink_moves_counts_from_the_former_employee_unit(cast: Any, history: dict[str, Any]) -> None:
    h = history
    identity.agent_link_employee(actor=cast.dlm, agent=h["stranger"], employee=cast.employees["learner"])
    identity.agent_link_employee(actor=cast.dlm, agent=h["stranger"], employee=cast.employees["tech"])
    b = cast.unit_b.pk
    assert _rollups() == {
        (h["day"], h["completed"].pk, 0): 1,
        (h["day"], h["completed"].pk, b): 2,
        (h["next_day"], h["experienced"].pk, b): 1,
    }
    assert LearnerProgress.objects.get(agent=h["stranger"]).employee == cast.employees["tech"]


def test_link_to_the_same_employee_changes_nothing(cast: Any, history: dict[str, Any]) -> None:
    julie = cast.employees["learner"]
    identity.agent_link_employee(actor=cast.dlm, agent=history["stranger"], employee=julie)
    before = _rollups()
    identity.agent_link_employee(actor=cast.dlm, agent=history["stranger"], employee=julie)
    assert _rollups() == before
    assert AuditEvent.objects.filter(action="lrs_agent.link").count() == 1


def test_link_adds_to_existing_rollups_of_the_unit(cast: Any, history: dict[str, Any]) -> None:
    h = history
    a1 = cast.unit_a1.pk
    DailyActivity.objects.create(
        day=h["day"], activity_key=h["course"].pk, verb=h["completed"], org_unit_key=a1, count=5
    )
    identity.agent_link_employee(actor=cast.dlm, agent=h["stranger"], employee=cast.employees["learner"])
    assert _rollups()[(h["day"], h["completed"].pk, a1)] == 7


def test_unmatched_list_has_counts_and_last_seen(cast: Any, history: dict[str, Any]) -> None:
    Agent.objects.create(ifi="mbox:mailto:never-sent@example.com")  # no statement: not listed
    rows: dict[str, Any] = {a.ifi: a for a in identity.unmatched_agent_list()}
    assert set(rows) == {history["stranger"].ifi, history["other"].ifi}
    assert rows[history["stranger"].ifi].statement_count == 3
    assert rows[history["stranger"].ifi].last_seen == dt.datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    assert [a.ifi for a in identity.unmatched_agent_list(q="personal")] == [history["stranger"].ifi]
    identity.agent_link_employee(actor=cast.dlm, agent=history["stranger"], employee=cast.employees["learner"])
    assert [a.ifi for a in identity.unmatched_agent_list()] == [history["other"].ifi]


def test_employee_by_number_names_the_field(db: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        identity.employee_by_number("E999")
    assert "employee_number" in exc.value.errors


# --- pages -------------------------------------------------------------------------------


def test_unmatched_page_for_the_dlm(cast: Any, login: Any, history: dict[str, Any]) -> None:
    web = login(cast.dlm)
    response = web.get(reverse("lrs:agent_unmatched"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "j.petit@gmail.example" in page and reverse("lrs:agent_link", args=[history["stranger"].pk]) in page
    partial = web.get(reverse("lrs:agent_unmatched"), {"q": "someone"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    assert "someone@else.example" in partial.content.decode()
    assert "j.petit@gmail.example" not in partial.content.decode()


@pytest.mark.parametrize("persona", ["ld", "client_a", "manager", "learner", "vendor_a"])
def test_identity_pages_are_for_the_dlm_only(cast: Any, login: Any, history: dict[str, Any], persona: str) -> None:
    web = login(cast.users[persona])
    assert web.get(reverse("lrs:agent_unmatched")).status_code == 403
    url = reverse("lrs:agent_link", args=[history["stranger"].pk])
    assert web.post(url, {"employee_number": "E003"}).status_code == 403
    history["stranger"].refresh_from_db()
    assert history["stranger"].employee is None


def test_link_form(cast: Any, login: Any, history: dict[str, Any]) -> None:
    web = login(cast.dlm)
    url = reverse("lrs:agent_link", args=[history["stranger"].pk])
    assert web.get(url).status_code == 200
    bad = web.post(url, {"employee_number": "E999"})
    assert bad.status_code == 200
    assert bad.context["form"].errors["employee_number"]
    response = web.post(url, {"employee_number": "E003"})
    assert response.status_code == 302 and response["Location"] == reverse("lrs:agent_unmatched")
    history["stranger"].refresh_from_db()
    assert history["stranger"].employee == cast.employees["learner"]
    assert web.get(reverse("lrs:agent_link", args=[987654])).status_code == 404


def _sent(mbox: str) -> list[dict[str, Any]]:
    course = "https://example.com/courses/onboarding"
    return [
        {
            "actor": {"mbox": mbox},
            "verb": {"id": verb},
            "object": {"id": course},
            "timestamp": when,
        }
        for verb, when in [
            (COMPLETED, "2026-03-10T09:00:00Z"),
            (EXPERIENCED, "2026-03-10T23:30:00Z"),
            (EXPERIENCED, "2026-03-12T08:00:00+02:00"),
        ]
    ]


def test_link_gives_the_rollups_of_a_learner_matched_from_the_start(cast: Any) -> None:
    """Stored through the real ingestion service: linking afterwards must leave the same
    progress and rollups as if the actor had been matched on arrival."""
    from pilotage.lrs.services import statement_store

    statement_store(statements=_sent("mailto:julie.petit@example.com"), client=None, version="2.0.0")
    matched = _rollups()
    progress = list(LearnerProgress.objects.values_list("employee_id", "statement_count"))
    DailyActivity.objects.all().delete()
    LearnerProgress.objects.all().delete()

    statement_store(statements=_sent("mailto:j.petit@gmail.example"), client=None, version="2.0.0")
    stranger = Agent.objects.get(ifi="mbox:mailto:j.petit@gmail.example")
    assert stranger.employee is None
    assert {unit for (_, _, unit) in _rollups()} == {0}
    identity.agent_link_employee(actor=cast.dlm, agent=stranger, employee=cast.employees["learner"])

    assert _rollups() == matched
    assert list(LearnerProgress.objects.values_list("employee_id", "statement_count")) == progress
