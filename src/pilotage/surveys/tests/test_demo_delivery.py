"""`pilotage demo-delivery --size small`: the demo runs its programmes — cohorts, sessions,
enrolments, attendance, progress from the statements, reminders and evaluations."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone

from pilotage.delivery import demo, xapi
from pilotage.delivery.models import (
    Attendance,
    Cohort,
    Enrolment,
    ReminderRule,
    ReminderSend,
    Session,
    StepProgress,
)
from pilotage.lrs.models import Statement
from pilotage.people import demo as people_demo
from pilotage.people.models import Role, User
from pilotage.programmes.models import Programme
from pilotage.surveys import dashboard
from pilotage.surveys.models import Answer, DispatchRule, Invitation, Response, Survey
from pilotage.surveys.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_company() -> None:
    people_demo.demo_company_create(actor="test", size="small")
    call_command("demo-portfolio", stdout=StringIO())


def test_the_small_demo_runs_the_programmes(demo_company: None) -> None:
    started = timezone.now()
    out = StringIO()
    call_command("demo-delivery", size="small", no_progress=True, stdout=out)
    text = out.getvalue()
    assert "delivery:" in text and "evaluations:" in text

    # Cohorts past, current and upcoming, with sessions of both kinds in French cities.
    assert set(Cohort.objects.values_list("status", flat=True)) >= {"closed", "running", "open"}
    assert Session.objects.filter(kind="in_person").exclude(address="").exists()
    assert Session.objects.filter(kind="virtual").exclude(virtual_link="").exists()
    cancelled = Session.objects.get(status="cancelled", cancel_reason__startswith="Formatrice")
    assert cancelled.changes.filter(to_status="cancelled").exists()
    # One cohort full, with a waitlist.
    assert Enrolment.objects.filter(status="waitlisted").count() >= 3
    assert Session.objects.filter(status="full").exists()
    # Facilitators: the persona and the ones the demo added, on the sessions.
    facilitators = User.objects.filter(role_assignments__role=Role.FACILITATOR).distinct()
    assert facilitators.count() >= 3
    assert Session.objects.filter(facilitators__email="facilitator@formation-conseil.example").exists()

    # Enrolments from audiences and requests; attendance of past sessions as statements.
    sources = set(Enrolment.objects.values_list("source", flat=True))
    assert {"audience", "request"} <= sources
    assert Enrolment.objects.count() >= 60
    assert Attendance.objects.filter(status="present").count() >= 20
    assert Attendance.objects.exclude(status__in=["present", "late"]).exists()
    assert Statement.objects.filter(verb__iri="http://adlnet.gov/expapi/verbs/attended").exists()
    assert Session.objects.filter(status="held").count() >= 5

    # The projection filled progress from the statements' registrations.
    assert Enrolment.objects.filter(status="completed").count() >= 10
    assert Enrolment.objects.filter(status="active", progress_percent__gt=0).exists()
    assert StepProgress.objects.filter(status="completed").count() >= 50
    learner = User.objects.get(email="learner@orvalis.example")
    assert Enrolment.objects.filter(employee=learner.employee_id).count() >= 2

    # Reminders: rules per running programme, a few already sent.
    assert ReminderRule.objects.count() >= 6
    assert ReminderSend.objects.exists()

    # Evaluations: templates, rules, invitations and answers (anonymous for one programme).
    assert Survey.objects.filter(is_template=True).count() >= 3
    assert DispatchRule.objects.count() >= 3
    assert Invitation.objects.count() > Invitation.objects.filter(answered_at__isnull=False).count() > 10
    assert Response.objects.count() >= 10
    assert Answer.objects.filter(number__isnull=False).exists()
    assert Answer.objects.exclude(text="").exists()
    # One programme's hot evaluation is anonymous, the others' named: both kinds have responses.
    hot_copies = Survey.objects.filter(kind="hot", is_template=False)
    assert hot_copies.filter(anonymous=True).count() == 1 and hot_copies.filter(anonymous=False).exists()
    assert Response.objects.filter(survey__anonymous=True, invitation__isnull=True).exists()
    assert Response.objects.filter(survey__anonymous=False, invitation__isnull=False).exists()
    # The answers are dated when the story says, statements included (answer_submit(at=…)).
    responded = Statement.objects.filter(verb__iri=xapi.VERB_RESPONDED)
    assert responded.count() == Response.objects.count()
    month_ago = started - dt.timedelta(days=30)
    assert responded.filter(timestamp__lt=month_ago).count() > responded.count() // 2
    named = Response.objects.filter(invitation__isnull=False).select_related("invitation")
    assert all(r.submitted_at == r.invitation.answered_at < started for r in named)
    assert not Invitation.objects.filter(closes_at__lte=F("answered_at")).exists()
    # The programme dashboards have figures: the funnel moves, satisfaction, NPS and L3 application.
    boards = [
        dashboard.programme_dashboard(programme=p, filters=dashboard.Filters())
        for p in Programme.objects.filter(dispatch_rules__isnull=False).distinct()
    ]
    assert any(b.funnel.completed > 0 for b in boards)
    assert any(b.survey.satisfaction is not None for b in boards)
    assert any(b.survey.nps is not None for b in boards)
    assert any(b.survey.application_rate is not None for b in boards)

    # Run twice: nothing added.
    counts = (Cohort.objects.count(), Enrolment.objects.count(), Response.objects.count())
    call_command("demo-delivery", size="small", no_progress=True, stdout=StringIO())
    assert (Cohort.objects.count(), Enrolment.objects.count(), Response.objects.count()) == counts


def test_the_delivery_demo_needs_the_programmes() -> None:
    people_demo.demo_company_create(actor="test", size="small")
    with pytest.raises(CommandError, match="demo-portfolio"):
        call_command("demo-delivery", size="small", no_progress=True, stdout=StringIO())


def test_the_same_seed_tells_the_same_story(demo_company: None) -> None:
    plans = demo.programmes_in_delivery()
    assert plans and all(p.status in ("running", "closed", "deployment") for p in plans)


def test_the_evaluations_run_when_the_cohorts_are_already_there(cast: Any) -> None:
    """A database whose cohorts predate the evaluations still gets them (and only once)."""
    programme = f.make_programme()
    cohort = f.make_cohort(programme=programme)
    f.make_session(cohort=cohort, days_ago=2)
    f.enrol(cohort=cohort, employee=cast.employees["learner"])
    out = StringIO()
    call_command("demo-delivery", size="small", no_progress=True, stdout=out)
    assert "nothing added" in out.getvalue() and "evaluations:" in out.getvalue()
    assert Cohort.objects.count() == 1
    assert DispatchRule.objects.filter(programme=programme).count() == 3
    assert Invitation.objects.filter(enrolment__cohort=cohort).count() == 1
    counts = (DispatchRule.objects.count(), Invitation.objects.count(), Response.objects.count())
    call_command("demo-delivery", size="small", no_progress=True, stdout=StringIO())
    assert (DispatchRule.objects.count(), Invitation.objects.count(), Response.objects.count()) == counts
