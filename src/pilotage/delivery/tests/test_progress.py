"""The LRS projection ``delivery.progress``: statements → StepProgress and enrolment fields."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pilotage.delivery import progress as projection
from pilotage.delivery import xapi
from pilotage.delivery.models import Enrolment, EnrolmentEvent, StepProgress
from pilotage.delivery.tests import factories_progress as f
from pilotage.lrs import projections
from pilotage.lrs.recompute import recompute_projections
from pilotage.programmes import paths


def test_registered_after_the_lrs_own_projections(db):
    names = [name for name, _handler in projections.handlers()]
    assert projection.NAME in names
    assert names.index(projection.NAME) > names.index("lrs.learner_progress")
    assert projection.NAME in dict(projections.resets())


def test_statements_by_registration_complete_the_path(cast):
    lp = f.path(steps=2)
    coh = f.cohort(lp)
    enrolment = f.enrol(coh, cast.employees["learner"])
    first, second = f.steps_of(lp)
    t0 = timezone.now() - dt.timedelta(hours=2)
    f.store(
        f.statement(
            cast.employees["learner"],
            xapi.VERB_LAUNCHED,
            first.activity_iri,
            registration=enrolment.registration,
            when=t0,
        )
    )
    enrolment.refresh_from_db()
    assert enrolment.started_at is not None and abs((enrolment.started_at - t0).total_seconds()) < 0.01
    assert enrolment.steps_completed == 0
    assert StepProgress.objects.get(enrolment=enrolment, step=first).status == "in_progress"

    f.store(
        f.statement(
            cast.employees["learner"], xapi.VERB_COMPLETED, first.activity_iri, registration=enrolment.registration
        ),
        f.statement(
            cast.employees["learner"],
            xapi.VERB_PASSED,
            second.activity_iri,
            registration=enrolment.registration,
            result={"score": {"scaled": 0.8}, "duration": "PT10M"},
        ),
    )
    enrolment.refresh_from_db()
    assert enrolment.steps_completed == 2
    assert enrolment.progress_percent == 100
    assert enrolment.status == Enrolment.Status.COMPLETED
    assert enrolment.completed_at is not None
    assert enrolment.score == 0.8
    assert enrolment.passed is True
    assert enrolment.last_activity_at is not None and enrolment.last_activity_at > enrolment.started_at
    row = StepProgress.objects.get(enrolment=enrolment, step=second)
    assert (row.status, row.success, row.time_spent_seconds) == ("completed", True, 600)
    assert EnrolmentEvent.objects.filter(enrolment=enrolment, kind="completed").count() == 1


def test_a_registration_moves_only_its_owners_enrolment(cast):
    """Someone else's statement (or an unknown actor's) carrying a learner's registration — a
    launch credential can post any actor — counts for nobody's enrolment."""
    lp = f.path(steps=2)
    coh = f.cohort(lp)
    enrolment = f.enrol(coh, cast.employees["learner"])
    first, _second = f.steps_of(lp)
    f.store(
        f.statement(
            cast.employees["peer"], xapi.VERB_COMPLETED, first.activity_iri, registration=enrolment.registration
        )
    )
    stranger = f.statement(
        cast.employees["learner"], xapi.VERB_COMPLETED, first.activity_iri, registration=enrolment.registration
    )
    stranger["actor"] = {"objectType": "Agent", "mbox": "mailto:someone@elsewhere.example"}
    f.store(stranger)
    enrolment.refresh_from_db()
    assert (enrolment.started_at, enrolment.steps_completed) == (None, 0)
    assert not StepProgress.objects.filter(enrolment=enrolment).exists()
    # The owner's own statement still counts.
    f.store(
        f.statement(
            cast.employees["learner"], xapi.VERB_COMPLETED, first.activity_iri, registration=enrolment.registration
        )
    )
    enrolment.refresh_from_db()
    assert enrolment.steps_completed == 1


def test_attendance_completes_a_step_and_absence_counts_nowhere(cast):
    lp = f.path(steps=2)
    enrolment = f.enrol(f.cohort(lp), cast.employees["learner"])
    first, second = f.steps_of(lp)
    f.store(
        f.statement(
            cast.employees["learner"], xapi.VERB_ABSENT, first.activity_iri, registration=enrolment.registration
        )
    )
    assert not StepProgress.objects.filter(enrolment=enrolment).exists()
    f.store(
        f.statement(
            cast.employees["learner"], xapi.VERB_ATTENDED, first.activity_iri, registration=enrolment.registration
        )
    )
    enrolment.refresh_from_db()
    assert StepProgress.objects.get(enrolment=enrolment, step=first).status == "completed"
    assert (enrolment.steps_completed, enrolment.progress_percent, enrolment.status) == (1, 50, "active")


def test_without_registration_the_employee_and_step_decide(cast):
    """No registration: the employee's live enrolments whose path has the step; a context
    parent equal to the step's IRI counts as the step."""
    lp = f.path(steps=2)
    mine = f.enrol(f.cohort(lp), cast.employees["learner"])
    gone = f.enrol(f.cohort(lp), cast.employees["learner"], status=Enrolment.Status.UNENROLLED)
    other_path = f.enrol(f.cohort(), cast.employees["learner"])
    peer = f.enrol(f.cohort(lp), cast.employees["peer"])
    first, _second = f.steps_of(lp)
    f.store(
        f.statement(
            cast.employees["learner"], xapi.VERB_COMPLETED, "https://content.example/sco/1", parent=first.activity_iri
        )
    )
    assert StepProgress.objects.get(enrolment=mine).status == "completed"
    for untouched in (gone, other_path, peer):
        assert not StepProgress.objects.filter(enrolment=untouched).exists()


def test_registration_of_another_path_moves_activity_not_steps(cast):
    enrolment = f.enrol(f.cohort(), cast.employees["learner"])
    foreign_step = f.steps_of(f.path())[0]
    f.store(
        f.statement(
            cast.employees["learner"],
            xapi.VERB_COMPLETED,
            foreign_step.activity_iri,
            registration=enrolment.registration,
        )
    )
    enrolment.refresh_from_db()
    assert enrolment.last_activity_at is not None
    assert enrolment.steps_completed == 0
    assert not StepProgress.objects.filter(enrolment=enrolment).exists()


def test_unrelated_traffic_costs_two_queries(cast):
    """External statements (no enrolment, no step) cost the projection two queries a batch."""
    statements = [
        f.statement(
            cast.employees["learner"], xapi.VERB_COMPLETED, f"https://lms.example/a/{i}", registration=uuid.uuid4()
        )
        for i in range(50)
    ]
    batch = projections.Batch(
        statements=[
            projections.StoredStatement(
                pk=i,
                statement_id=s["id"],
                payload={**s, "stored": s["timestamp"]},
                actor_id=1,
                verb_iri=s["verb"]["id"],
                activity_id=1,
                registration=s["context"]["registration"],
                employee_id=cast.employees["learner"].pk,
            )
            for i, s in enumerate(statements)
        ]
    )
    with CaptureQueriesContext(connection) as ctx:
        projection.project(batch)
    assert len(ctx.captured_queries) == 2


def test_a_batch_of_many_learners_is_a_few_queries(cast):
    lp = f.path(steps=3)
    coh = f.cohort(lp)
    learners = [cast.employees[k] for k in ("learner", "peer", "tech", "client_a", "client_b")]
    enrolments = [f.enrol(coh, e) for e in learners]
    steps = f.steps_of(lp)
    batch = [
        f.statement(e.employee, xapi.VERB_COMPLETED, step.activity_iri, registration=e.registration)
        for e in enrolments
        for step in steps
    ]
    with CaptureQueriesContext(connection) as ctx:
        f.store(*batch)
    mine = [q for q in ctx.captured_queries if "delivery_" in q["sql"] or "programmes_" in q["sql"]]
    assert len(mine) <= 11  # constant in the batch size
    assert set(Enrolment.objects.filter(cohort=coh).values_list("status", flat=True)) == {"completed"}


def test_n_of_m_and_min_score_rules(cast):
    lp = f.path(steps=3, completion_rule=paths.N_OF_M, completion_count=2)
    e = f.enrol(f.cohort(lp), cast.employees["learner"])
    s1, _s2, s3 = f.steps_of(lp)
    f.store(f.statement(e.employee, xapi.VERB_COMPLETED, s1.activity_iri, registration=e.registration))
    e.refresh_from_db()
    assert (e.progress_percent, e.status) == (50, "active")
    f.store(f.statement(e.employee, xapi.VERB_COMPLETED, s3.activity_iri, registration=e.registration))
    e.refresh_from_db()
    assert (e.progress_percent, e.status) == (100, "completed")

    scored = f.path(steps=2, completion_rule=paths.MIN_SCORE, completion_min_score=70)
    e2 = f.enrol(f.cohort(scored), cast.employees["learner"])
    quiz = f.steps_of(scored)[-1]
    f.store(
        f.statement(
            e2.employee,
            xapi.VERB_FAILED,
            quiz.activity_iri,
            registration=e2.registration,
            result={"score": {"scaled": 0.5}},
        )
    )
    e2.refresh_from_db()
    assert (e2.status, e2.passed) == ("active", False)
    f.store(
        f.statement(
            e2.employee,
            xapi.VERB_PASSED,
            quiz.activity_iri,
            registration=e2.registration,
            result={"score": {"raw": 9, "max": 10}},
        )
    )
    e2.refresh_from_db()
    assert (e2.status, e2.passed, e2.score) == ("completed", True, 0.9)


def test_a_pending_enrolment_progresses_without_changing_status(cast):
    lp = f.path(steps=1)
    e = f.enrol(f.cohort(lp), cast.employees["learner"], status=Enrolment.Status.WAITLISTED)
    f.store(f.statement(e.employee, xapi.VERB_COMPLETED, f.steps_of(lp)[0].activity_iri, registration=e.registration))
    e.refresh_from_db()
    assert (e.status, e.progress_percent) == ("waitlisted", 100)
    assert e.completed_at is not None


def test_voiding_takes_the_completion_back(cast):
    lp = f.path(steps=1)
    e = f.enrol(f.cohort(lp), cast.employees["learner"])
    step = f.steps_of(lp)[0]
    launched = f.statement(e.employee, xapi.VERB_LAUNCHED, step.activity_iri, registration=e.registration)
    done = f.statement(e.employee, xapi.VERB_COMPLETED, step.activity_iri, registration=e.registration)
    f.store(launched, done)
    e.refresh_from_db()
    assert e.status == "completed"
    f.store(
        {
            "actor": xapi.employee_actor(e.employee),
            "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
            "object": {"objectType": "StatementRef", "id": done["id"]},
        }
    )
    e.refresh_from_db()
    assert (e.status, e.completed_at, e.steps_completed, e.progress_percent) == ("active", None, 0, 0)
    assert e.started_at is not None  # the launch remains
    assert StepProgress.objects.get(enrolment=e).status == "in_progress"
    assert EnrolmentEvent.objects.filter(enrolment=e, kind="reopened").exists()


def test_recompute_rebuilds_the_same_progress(cast):
    lp = f.path(steps=2)
    e = f.enrol(f.cohort(lp), cast.employees["learner"])
    s1, s2 = f.steps_of(lp)
    f.store(
        f.statement(
            e.employee, xapi.VERB_COMPLETED, s1.activity_iri, registration=e.registration, result={"duration": "PT1M"}
        ),
        f.statement(
            e.employee,
            xapi.VERB_PASSED,
            s2.activity_iri,
            registration=e.registration,
            result={"score": {"scaled": 0.7}},
        ),
    )
    before = Enrolment.objects.values("status", "steps_completed", "progress_percent", "score", "passed").get(pk=e.pk)
    rows_before = sorted(
        StepProgress.objects.filter(enrolment=e).values_list("step_id", "status", "time_spent_seconds")
    )
    recompute_projections()
    assert (
        Enrolment.objects.values("status", "steps_completed", "progress_percent", "score", "passed").get(pk=e.pk)
        == before
    )
    assert (
        sorted(StepProgress.objects.filter(enrolment=e).values_list("step_id", "status", "time_spent_seconds"))
        == rows_before
    )
    assert EnrolmentEvent.objects.filter(enrolment=e, kind="completed").count() == 1
