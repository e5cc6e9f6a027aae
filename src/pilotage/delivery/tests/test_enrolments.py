"""Enrolments: capacity and waitlist, audience rule, approval, unenrol, transfer, history."""

from __future__ import annotations

from typing import Any

import pytest

from pilotage.core.errors import ValidationFailed
from pilotage.core.models import AuditEvent
from pilotage.delivery import services_enrolments as svc
from pilotage.delivery.models import Enrolment
from pilotage.delivery.services_cohorts import session_attendees
from pilotage.delivery.tests.factories_cohorts import make_cohort, make_session


def test_capacity_waitlist_and_promotion(cast: Any) -> None:
    cohort = make_cohort(capacity=1)
    session = make_session(cohort=cohort)
    first = svc.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"])
    second = svc.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["peer"])
    assert first.status == "active"
    assert second.status == "waitlisted"
    session.refresh_from_db()
    assert session.status == "full"
    assert list(session_attendees(session)) == [first]
    svc.unenrol(actor=cast.dlm, enrolment=first, reason="Congé maternité")
    second.refresh_from_db()
    session.refresh_from_db()
    assert second.status == "active"
    assert session.status == "full"
    assert [e.kind for e in second.events.all()] == ["created", "promoted"]
    assert AuditEvent.objects.filter(object_type="delivery.enrolment", action="unenrol").count() == 1


def test_unenrol_needs_a_reason(cast: Any) -> None:
    cohort = make_cohort()
    e = svc.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"])
    with pytest.raises(ValidationFailed) as err:
        svc.unenrol(actor=cast.dlm, enrolment=e, reason="  ")
    assert "reason" in err.value.errors


def test_audience_only_refuses_outsider_by_name(cast: Any) -> None:
    cohort = make_cohort()
    conf = svc.settings_for(cohort.path.programme)
    conf.audience_only = True
    conf.save()
    with pytest.raises(ValidationFailed) as err:
        svc.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"])
    assert "Julie Petit" in err.value.errors["employee"][0]
    assert not Enrolment.objects.exists()


def test_self_enrolment_pending_then_approved(cast: Any) -> None:
    cohort = make_cohort()
    conf = svc.settings_for(cohort.path.programme)
    conf.self_enrolment = True
    conf.manager_approval = True
    conf.save()
    e = svc.enrol(actor=cast.learner, cohort=cohort, employee=cast.employees["learner"], source="self")
    assert e.status == "pending"
    e = svc.enrolment_approve(actor=cast.manager, enrolment=e)
    assert e.status == "active"


def test_transfer_keeps_history(cast: Any) -> None:
    a = make_cohort()
    b = make_cohort(path=a.path)
    e = svc.enrol(actor=cast.dlm, cohort=a, employee=cast.employees["learner"])
    new = svc.transfer(actor=cast.dlm, enrolment=e, to_cohort=b, reason="Dates")
    e.refresh_from_db()
    assert e.status == "transferred"
    assert new.transferred_from == e
    assert new.cohort == b and new.status == "active" and new.source == "transfer"
