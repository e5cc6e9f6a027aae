"""The dispatcher: invitations after held sessions and completions, to learners and managers,
idempotent (twice, concurrently), one reminder to non-respondents, registered in the schedule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from pilotage.core import schedule
from pilotage.delivery.models import Attendance, Enrolment
from pilotage.surveys import dispatch, services
from pilotage.surveys.models import Invitation, Survey
from pilotage.surveys.services_answers import answer_submit
from pilotage.surveys.tests import factories as f

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def hot(cast: Any) -> dict[str, Any]:
    programme = f.make_programme()
    cohort = f.make_cohort(programme=programme)
    session = f.make_session(cohort=cohort, days_ago=1)
    julie = f.enrol(cohort=cohort, employee=cast.employees["learner"])
    hugo = f.enrol(cohort=cohort, employee=cast.employees["peer"])
    survey = f.hot_survey(programme=programme)
    rule = f.rule(programme=programme, survey=survey, remind_after_days=3, close_after_days=21)
    return {
        "programme": programme,
        "cohort": cohort,
        "session": session,
        "julie": julie,
        "hugo": hugo,
        "survey": survey,
        "rule": rule,
    }


def test_held_session_invites_its_learners_once(
    cast: Any, hot: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        result = dispatch.dispatch_due()
    assert result.invited == 2
    invitations = Invitation.objects.order_by("respondent__last_name")
    assert [i.respondent.last_name for i in invitations] == ["Petit", "Roux"]
    assert all(i.session == hot["session"] and i.rule == hot["rule"] for i in invitations)
    assert len(mail.outbox) == 2
    julie_mail = next(m for m in mail.outbox if m.to == ["julie.petit@example.com"])
    assert f"/surveys/answer/{invitations[0].token}/" in julie_mail.body
    # the same job again (late, or on a second worker): nothing new
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch.dispatch_due().invited == 0
    assert Invitation.objects.count() == 2 and len(mail.outbox) == 2


def test_mail_in_the_respondents_language(
    cast: Any, hot: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.dispatch_due()
    hugo_mail = next(m for m in mail.outbox if m.to == ["hugo.roux@example.com"])
    assert "Hot evaluation" in hugo_mail.subject  # Hugo reads English
    julie_mail = next(m for m in mail.outbox if m.to == ["julie.petit@example.com"])
    assert "Évaluation à chaud" in julie_mail.subject


def test_a_concurrent_insert_of_the_same_key_sends_nothing(
    cast: Any, hot: dict[str, Any], django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    """Another worker inserts the invitation between our read of the keys taken and our insert."""
    real_filter = Invitation.objects.filter
    taken_once = {"done": False}

    def racing_filter(*args: Any, **kwargs: Any) -> Any:
        qs = real_filter(*args, **kwargs)
        if "key__in" in kwargs and not taken_once["done"]:
            taken_once["done"] = True
            keys = list(kwargs["key__in"])
            # the other worker wins Julie's invitation (and sends its mail itself)
            Invitation.objects.create(
                key=keys[0], survey=hot["survey"], respondent=hot["julie"].employee, enrolment=hot["julie"]
            )
            return real_filter(pk__in=[])  # our read happened before its insert
        return qs

    monkeypatch.setattr(Invitation.objects, "filter", racing_filter)
    with django_capture_on_commit_callbacks(execute=True):
        invited = dispatch.dispatch_invitations()
    monkeypatch.undo()
    assert invited == 1
    assert Invitation.objects.count() == 2
    assert len(mail.outbox) == 1


def test_attendance_decides_who_is_invited(cast: Any, hot: dict[str, Any]) -> None:
    f.mark(session=hot["session"], enrolment=hot["julie"], status=Attendance.Status.PRESENT)
    f.mark(session=hot["session"], enrolment=hot["hugo"], status=Attendance.Status.NO_SHOW)
    assert dispatch.dispatch_due().invited == 1
    assert Invitation.objects.get().enrolment == hot["julie"]


def test_sessions_not_held_or_too_old_or_too_recent_are_skipped(cast: Any, hot: dict[str, Any]) -> None:
    cohort = hot["cohort"]
    f.make_session(cohort=cohort, held=False, days_ago=1)
    f.make_session(cohort=cohort, held=True, days_ago=60)  # past the 21-day window
    assert dispatch.dispatch_due().invited == 2  # only the fixture's held session
    services.rule_update(actor="test", rule=hot["rule"], delay_days=5)
    f.make_session(cohort=cohort, held=True, days_ago=2)  # ended 2 days ago, rule waits 5
    assert dispatch.dispatch_due().invited == 0


def test_one_reminder_to_non_respondents(
    cast: Any, hot: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    dispatch.dispatch_due()
    julie_inv = Invitation.objects.get(enrolment=hot["julie"])
    values = {"likert": 4, "nps": 9, "single": "right", "text": ""}
    answers = {f"q{x.pk}": values[x.kind] for x in hot["survey"].questions.all()}
    answer_submit(actor=cast.learner, invitation=julie_inv, answers=answers)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch.send_reminders(now=now + dt.timedelta(days=1)) == 0  # too early
        assert dispatch.send_reminders(now=now + dt.timedelta(days=4)) == 1
        assert dispatch.send_reminders(now=now + dt.timedelta(days=5)) == 0  # once only
    assert [m.to for m in mail.outbox] == [["hugo.roux@example.com"]]
    assert "Reminder" in mail.outbox[0].subject
    hugo_inv = Invitation.objects.get(enrolment=hot["hugo"])
    assert hugo_inv.reminded_at is not None and julie_inv.reminded_at is None


def test_no_reminder_after_closing(cast: Any, hot: dict[str, Any]) -> None:
    dispatch.dispatch_due()
    assert dispatch.send_reminders(now=timezone.now() + dt.timedelta(days=22)) == 0


def test_cold_evaluations_after_completion_to_learner_and_manager(cast: Any) -> None:
    programme = f.make_programme()
    cohort = f.make_cohort(programme=programme)
    done = f.enrol(
        cohort=cohort,
        employee=cast.employees["learner"],
        status=Enrolment.Status.COMPLETED,
        completed_at=timezone.now() - dt.timedelta(days=61),
    )
    f.enrol(cohort=cohort, employee=cast.employees["peer"])  # not completed: nothing
    services.templates_ensure(actor="test")
    for kind, audience in (("cold_learner", "learner"), ("cold_manager", "manager")):
        template = Survey.objects.get(is_template=True, kind=kind)
        f.rule(programme=programme, survey=template, trigger="after_completion", delay_days=60, audience=audience)
    result = dispatch.dispatch_due()
    assert result.invited == 2
    learner_inv = Invitation.objects.get(role="learner")
    manager_inv = Invitation.objects.get(role="manager")
    assert learner_inv.respondent == cast.employees["learner"] and learner_inv.enrolment == done
    assert manager_inv.respondent == cast.employees["manager"] and manager_inv.enrolment == done
    assert manager_inv.survey.kind == "cold_manager"
    assert dispatch.dispatch_due().invited == 0


def test_cold_evaluation_waits_for_the_delay(cast: Any) -> None:
    programme = f.make_programme()
    cohort = f.make_cohort(programme=programme)
    f.enrol(
        cohort=cohort,
        employee=cast.employees["learner"],
        status=Enrolment.Status.COMPLETED,
        completed_at=timezone.now() - dt.timedelta(days=10),
    )
    services.templates_ensure(actor="test")
    f.rule(
        programme=programme,
        survey=Survey.objects.get(is_template=True, kind="cold_learner"),
        trigger="after_completion",
        delay_days=60,
    )
    assert dispatch.dispatch_due().invited == 0
    assert dispatch.dispatch_due(now=timezone.now() + dt.timedelta(days=51)).invited == 1


def test_inactive_rule_or_archived_survey_sends_nothing(cast: Any, hot: dict[str, Any]) -> None:
    services.survey_archive(actor="test", survey=hot["survey"])
    assert dispatch.dispatch_due().invited == 0


def test_registered_in_the_schedule() -> None:
    names = [job.name for job in schedule.jobs()]
    assert "surveys.dispatch" in names


def test_changing_the_rules_survey_does_not_invite_again(cast: Any, hot: dict[str, Any]) -> None:
    """One rule invites each person once per occasion, whatever survey it points to later —
    even a template, which the rule copies into a new survey."""
    assert dispatch.dispatch_due().invited == 2
    template = Survey.objects.get(is_template=True, kind=Survey.Kind.HOT)
    rule = services.rule_update(actor="test", rule=hot["rule"], survey=template)
    assert rule.survey != hot["survey"]
    assert dispatch.dispatch_due().invited == 0
    assert Invitation.objects.count() == 2
    assert set(Invitation.objects.values_list("key", flat=True)) == {
        f"r{rule.pk}:session-{hot['session'].pk}:{e.pk}:learner" for e in (hot["julie"], hot["hugo"])
    }


def test_invitations_keyed_the_old_way_are_not_sent_again(cast: Any, hot: dict[str, Any]) -> None:
    """Invitations sent before keys named the rule (``<survey>:…``) still count as sent."""
    for enrolment in (hot["julie"], hot["hugo"]):
        Invitation.objects.create(
            key=f"{hot['survey'].pk}:session-{hot['session'].pk}:{enrolment.pk}:learner",
            survey=hot["survey"],
            rule=hot["rule"],
            respondent=enrolment.employee,
            enrolment=enrolment,
            session=hot["session"],
        )
    assert dispatch.dispatch_due().invited == 0


def test_two_rules_with_the_same_survey_and_different_delays_both_invite(cast: Any) -> None:
    programme = f.make_programme()
    cohort = f.make_cohort(programme=programme)
    f.enrol(
        cohort=cohort,
        employee=cast.employees["learner"],
        status=Enrolment.Status.COMPLETED,
        completed_at=timezone.now() - dt.timedelta(days=100),
    )
    services.templates_ensure(actor="test")
    template = Survey.objects.get(is_template=True, kind="cold_learner")
    first = f.rule(programme=programme, survey=template, trigger="after_completion", delay_days=30, close_after_days=90)
    f.rule(programme=programme, survey=first.survey, trigger="after_completion", delay_days=90, close_after_days=30)
    assert dispatch.dispatch_due().invited == 2
    assert dispatch.dispatch_due().invited == 0


def test_inactive_employees_are_not_invited_after_a_session(cast: Any, hot: dict[str, Any]) -> None:
    hugo = hot["hugo"].employee
    hugo.active = False
    hugo.save(update_fields=["active"])
    assert dispatch.dispatch_due().invited == 1
    assert Invitation.objects.get().respondent == cast.employees["learner"]


def test_session_candidates_take_three_queries_whatever_the_sessions(
    cast: Any, hot: dict[str, Any], django_assert_num_queries: Any
) -> None:
    second = f.make_session(cohort=hot["cohort"], days_ago=2)
    f.make_session(cohort=hot["cohort"], days_ago=3)
    f.mark(session=second, enrolment=hot["julie"], status=Attendance.Status.PRESENT)
    f.mark(session=second, enrolment=hot["hugo"], status=Attendance.Status.ABSENT)
    rule = hot["rule"]
    with django_assert_num_queries(3):  # sessions, attendance marks, enrolments (with employee and cohort)
        candidates = dispatch._session_candidates(rule, timezone.now())
        cohorts = {c.enrolment.cohort.pk for c in candidates}  # no query: selected with the enrolment
    assert len(candidates) == 5 and cohorts == {hot["cohort"].pk}
    assert [c.enrolment for c in candidates if c.session == second] == [hot["julie"]]
