"""Reminder rules and the idempotent reminder engine; the periodic runner and ``pilotage tick``."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from pilotage.core import schedule
from pilotage.core.errors import ValidationFailed
from pilotage.core.models import Job
from pilotage.delivery import reminders
from pilotage.delivery.models import Enrolment, ReminderRule, ReminderSend
from pilotage.delivery.tests import factories_progress as f


def _rule(programme, kind, days, **kw):
    return reminders.reminder_rule_create(actor="test", programme=programme, kind=kind, days=days, **kw)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """The engine as the scheduler runs it, with the mails that leave on commit."""

    def _run(now=None):
        with django_capture_on_commit_callbacks(execute=True):
            return reminders.send_due_reminders(now=now)

    return _run


def test_an_inactivity_rule_firing_twice_sends_once(cast, run):
    lp = f.path()
    e = f.enrol(f.cohort(lp), cast.employees["learner"])
    Enrolment.objects.filter(pk=e.pk).update(last_activity_at=timezone.now() - dt.timedelta(days=10))
    _rule(lp.programme, "inactivity", 7)
    assert run() == {"due": 1, "sent": 1}
    assert run() == {"due": 0, "sent": 0}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["julie.petit@example.com"]
    assert "Parcours" in mail.outbox[0].subject
    assert ReminderSend.objects.get().kind == "inactivity"


def test_a_race_between_two_workers_sends_once(cast, run, monkeypatch):
    """Worker B computed its list before worker A committed: its insert of the same key fails
    on the unique constraint and it sends nothing."""
    lp = f.path()
    e = f.enrol(f.cohort(lp), cast.employees["learner"])
    Enrolment.objects.filter(pk=e.pk).update(last_activity_at=timezone.now() - dt.timedelta(days=10))
    _rule(lp.programme, "inactivity", 7)
    seen_by_b = reminders.due_reminders()
    assert run()["sent"] == 1  # worker A
    assert [reminders.send(d) for d in seen_by_b] == [False]  # worker B, late
    monkeypatch.setattr(reminders, "due_reminders", lambda now=None: seen_by_b)
    assert run() == {"due": 1, "sent": 0}
    assert len(mail.outbox) == 1
    assert ReminderSend.objects.count() == 1


@pytest.mark.skipif(
    "sqlite" in settings.DATABASES["default"]["ENGINE"],
    reason="the test database of SQLite is in memory with a shared cache, whose table locks fail at once "
    "instead of waiting: the threads race on PostgreSQL (make test runs both), and on SQLite through the "
    "simulated race above",
)
@pytest.mark.django_db(transaction=True)
def test_two_threads_racing_send_once(django_db_blocker):
    """Two real concurrent runs (threads, each its own connection) on the same due reminder."""
    from conftest import build_cast

    cast = build_cast()
    lp = f.path()
    e = f.enrol(f.cohort(lp), cast.employees["learner"])
    Enrolment.objects.filter(pk=e.pk).update(last_activity_at=timezone.now() - dt.timedelta(days=10))
    _rule(lp.programme, "inactivity", 7)
    todo = reminders.due_reminders()
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.extend(reminders.send(d) for d in todo)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]
    assert ReminderSend.objects.count() == 1
    assert len(mail.outbox) == 1


def test_repeat_and_escalation_to_the_manager(cast, run):
    lp = f.path()
    e = f.enrol(f.cohort(lp), cast.employees["learner"])
    last = timezone.now() - dt.timedelta(days=7, hours=1)
    Enrolment.objects.filter(pk=e.pk).update(last_activity_at=last)
    _rule(lp.programme, "inactivity", 7, repeat_every_days=2, escalate_after=2)
    now = timezone.now()
    assert run(now)["sent"] == 1
    assert run(now + dt.timedelta(days=1))["sent"] == 0  # not yet the next repetition
    assert run(now + dt.timedelta(days=2))["sent"] == 1  # second reminder
    assert run(now + dt.timedelta(days=2, hours=1))["sent"] == 1  # two sent: the manager now
    assert run(now + dt.timedelta(days=2, hours=2))["sent"] == 0
    to = [m.to[0] for m in mail.outbox]
    assert to == ["julie.petit@example.com"] * 2 + ["karim.benali@example.com"]
    assert "Julie Petit" in mail.outbox[-1].body
    # New activity: a new episode, reminded again after 7 days of silence.
    Enrolment.objects.filter(pk=e.pk).update(last_activity_at=now + dt.timedelta(days=3))
    assert run(now + dt.timedelta(days=5))["sent"] == 0
    assert run(now + dt.timedelta(days=10, hours=1))["sent"] == 1


def test_overdue_and_before_session(cast, run):
    lp = f.path()
    coh = f.cohort(lp)
    today = timezone.localdate()
    late = f.enrol(coh, cast.employees["learner"], due_on=today - dt.timedelta(days=3))
    f.enrol(coh, cast.employees["peer"], due_on=today + dt.timedelta(days=3))
    f.enrol(coh, cast.employees["tech"], due_on=today - dt.timedelta(days=3), status=Enrolment.Status.COMPLETED)
    _rule(lp.programme, "overdue", 1)
    session = f.session(coh, starts_in=dt.timedelta(hours=20), room="Salle 2")
    f.session(coh, starts_in=dt.timedelta(days=5))
    _rule(lp.programme, "before_session", 1)
    assert run() == {"due": 3, "sent": 3}
    kinds = sorted(ReminderSend.objects.values_list("kind", "enrolment_id"))
    assert kinds == sorted(
        [
            ("overdue", late.pk),
            ("before_session", late.pk),
            ("before_session", coh.enrolments.get(employee=cast.employees["peer"]).pk),
        ]
    )
    english = next(m for m in mail.outbox if m.to == ["hugo.roux@example.com"])
    assert session.title in english.subject and "Salle 2" in english.body
    assert run()["sent"] == 0
    # The session moves: its learners are reminded of the new time.
    session.starts_at += dt.timedelta(hours=2)
    session.ends_at += dt.timedelta(hours=2)
    session.save()
    assert run()["sent"] == 2


def test_inactive_rule_and_other_programmes_send_nothing(cast, run):
    lp = f.path()
    e = f.enrol(f.cohort(lp), cast.employees["learner"])
    Enrolment.objects.filter(pk=e.pk).update(last_activity_at=timezone.now() - dt.timedelta(days=30))
    _rule(lp.programme, "inactivity", 7, active=False)
    _rule(f.programme(), "inactivity", 7)
    assert run() == {"due": 0, "sent": 0}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "tomorrow", "days": 1}, "kind"),
        ({"kind": "inactivity", "days": -1}, "days"),
        ({"kind": "inactivity", "days": 400}, "days"),
        ({"kind": "inactivity", "days": "7"}, "days"),
        ({"kind": "inactivity", "days": 7, "repeat_every_days": 0}, "repeat_every_days"),
        ({"kind": "overdue", "days": 1, "escalate_after": 0}, "escalate_after"),
        ({"kind": "before_session", "days": 0}, "days"),
        ({"kind": "before_session", "days": 1, "repeat_every_days": 2}, "repeat_every_days"),
        ({"kind": "before_session", "days": 1, "escalate_after": 2}, "escalate_after"),
        ({"kind": "inactivity", "days": 7, "escalate_after": 2}, "escalate_after"),
        ({"kind": "overdue", "days": 1, "escalate_after": 5}, "escalate_after"),
    ],
)
def test_invalid_rule_values_are_refused_with_the_field(db, values, field):
    with pytest.raises(ValidationFailed) as exc:
        reminders.reminder_rule_create(actor="test", programme=f.programme(), **values)
    assert field in exc.value.errors
    assert not ReminderRule.objects.exists()


def test_a_rule_that_could_never_escalate_is_refused_with_a_clear_message(db):
    """Without a repeat only one reminder goes out: "escalate after 2" would never reach the manager."""
    prog = f.programme()
    with pytest.raises(ValidationFailed) as exc:
        reminders.reminder_rule_create(actor="test", programme=prog, kind="overdue", days=1, escalate_after=2)
    assert "Repeat every" in exc.value.errors["escalate_after"][0]
    once = reminders.reminder_rule_create(actor="test", programme=prog, kind="overdue", days=1, escalate_after=1)
    repeated = reminders.reminder_rule_create(
        actor="test", programme=prog, kind="inactivity", days=7, repeat_every_days=3, escalate_after=2
    )
    with pytest.raises(ValidationFailed) as exc:
        reminders.reminder_rule_update(actor="test", rule=repeated, repeat_every_days=None)
    assert "escalate_after" in exc.value.errors
    with pytest.raises(ValidationFailed):
        reminders.reminder_rule_update(actor="test", rule=once, escalate_after=3)
    assert ReminderRule.objects.get(pk=once.pk).escalate_after == 1


def test_rule_update_checks_the_merged_values_and_audits(db):
    from pilotage.core.models import AuditEvent

    rule = _rule(f.programme(), "inactivity", 7)
    with pytest.raises(ValidationFailed) as exc:
        reminders.reminder_rule_update(actor="test", rule=rule, kind="before_session", repeat_every_days=3)
    assert "repeat_every_days" in exc.value.errors
    reminders.reminder_rule_update(actor="test", rule=rule, days=10)
    rule.refresh_from_db()
    assert rule.days == 10
    assert AuditEvent.objects.filter(action="update").exists()


# --- the periodic runner ---------------------------------------------------------------------


@pytest.fixture
def counting_job():
    calls: list[int] = []

    def count() -> dict[str, int]:
        calls.append(1)
        return {"n": len(calls)}

    schedule.register("test.counting", count, every_minutes=10)
    yield calls
    schedule._JOBS.pop("test.counting", None)


def test_run_due_runs_a_job_once_per_period(db, counting_job):
    now = timezone.now()
    assert schedule.run_due(now=now, only={"test.counting"}) == {"test.counting": "ran"}
    assert schedule.run_due(now=now + dt.timedelta(minutes=5), only={"test.counting"}) == {"test.counting": "not due"}
    assert schedule.run_due(now=now + dt.timedelta(minutes=11), only={"test.counting"}) == {"test.counting": "ran"}
    assert len(counting_job) == 2
    row = Job.objects.get(kind="schedule:test.counting")
    assert (row.status, row.result) == ("succeeded", {"n": 2})


def test_via_the_worker_a_due_job_is_queued_and_the_worker_runs_it(db, counting_job, monkeypatch):
    """``pilotage run``'s tick hands due jobs to the task worker (immediate in tests)."""
    from pilotage.core import tasks as core_tasks

    real = core_tasks.periodic_job_task
    enqueued: list[tuple] = []

    class Spy:
        def enqueue(self, *args):
            enqueued.append(args)
            return real.enqueue(*args)

    monkeypatch.setattr(core_tasks, "periodic_job_task", Spy())
    now = timezone.now()
    out = schedule.run_due(now=now, only={"test.counting"}, via_worker=True)
    again = schedule.run_due(now=now, only={"test.counting"}, via_worker=True)
    assert out == {"test.counting": "queued"} and again == {"test.counting": "not due"}
    assert enqueued == [("test.counting",)]
    assert len(counting_job) == 1  # the (immediate) worker ran it once
    assert Job.objects.get(kind="schedule:test.counting").status == "succeeded"


def test_two_ticks_claim_a_period_once(db, counting_job):
    job = next(j for j in schedule.jobs() if j.name == "test.counting")
    now = timezone.now()
    assert [schedule.claim(job, now=now), schedule.claim(job, now=now)] == [True, False]


def test_a_failing_job_is_recorded_and_the_others_run(db, counting_job):
    def boom() -> None:
        raise RuntimeError("SMTP down")

    schedule.register("test.boom", boom, every_minutes=1)
    try:
        out = schedule.run_due(only={"test.boom", "test.counting"})
    finally:
        schedule._JOBS.pop("test.boom", None)
    assert out == {"test.boom": "failed", "test.counting": "ran"}
    assert Job.objects.get(kind="schedule:test.boom").message == "SMTP down"


def test_tick_command_lists_and_runs(cast, django_capture_on_commit_callbacks):
    out = io.StringIO()
    call_command("tick", "--list", stdout=out)
    assert "delivery.reminders" in out.getvalue()
    lp = f.path()
    e = f.enrol(f.cohort(lp), cast.employees["learner"])
    Enrolment.objects.filter(pk=e.pk).update(last_activity_at=timezone.now() - dt.timedelta(days=10))
    _rule(lp.programme, "inactivity", 7)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("tick", "--job", "delivery.reminders", "--no-progress", stdout=out)
        call_command("tick", "--job", "delivery.reminders", "--no-progress", "--force", stdout=out)
    assert out.getvalue().count("delivery.reminders: ran") == 2
    assert len(mail.outbox) == 1


def test_tick_refuses_an_unknown_job(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unknown job"):
        call_command("tick", "--job", "nope")
