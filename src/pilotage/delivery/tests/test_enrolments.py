"""Enrolments: capacity and waitlist, audience rule, approval, unenrol, transfer, history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

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


def _needs_approval(cohort: Any) -> None:
    """Self-enrolment in the cohort's programme needs the manager's approval (the programme's flag)."""
    programme = cohort.path.programme
    programme.requires_manager_approval = True
    programme.save(update_fields=["requires_manager_approval"])


def test_self_enrolment_pending_then_approved(cast: Any) -> None:
    cohort = make_cohort()
    conf = svc.settings_for(cohort.path.programme)
    conf.self_enrolment = True
    conf.save()
    _needs_approval(cohort)
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


def test_bad_inputs_are_refused_with_the_field(cast: Any) -> None:
    cohort = make_cohort()
    learner = cast.employees["learner"]
    # Self-enrolment in a programme not open to it.
    with pytest.raises(ValidationFailed) as err:
        svc.enrol(actor=cast.learner, cohort=cohort, employee=learner, source="self")
    assert "cohort" in err.value.errors
    # Twice in the same cohort.
    svc.enrol(actor=cast.dlm, cohort=cohort, employee=learner)
    with pytest.raises(ValidationFailed) as err:
        svc.enrol(actor=cast.dlm, cohort=cohort, employee=learner)
    assert "already enrolled" in err.value.errors["employee"][0]
    # An inactive employee; a cancelled cohort.
    with pytest.raises(ValidationFailed):
        svc.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["gone"])
    closed = make_cohort(status="cancelled")
    with pytest.raises(ValidationFailed) as err:
        svc.enrol(actor=cast.dlm, cohort=closed, employee=learner)
    assert closed.code in err.value.errors["employee"][0]
    # A due date before the cohort starts.
    with pytest.raises(ValidationFailed) as err:
        svc.enrol(
            actor=cast.dlm, cohort=make_cohort(), employee=learner, due_on=cohort.starts_on - dt.timedelta(days=1)
        )
    assert "due_on" in err.value.errors


def test_decline_needs_a_reason(cast: Any) -> None:
    cohort = make_cohort()
    conf = svc.settings_for(cohort.path.programme)
    conf.self_enrolment = True
    conf.save()
    _needs_approval(cohort)
    e = svc.enrol(actor=cast.learner, cohort=cohort, employee=cast.employees["learner"], source="self")
    with pytest.raises(ValidationFailed):
        svc.enrolment_decline(actor=cast.manager, enrolment=e, reason="")
    e = svc.enrolment_decline(actor=cast.manager, enrolment=e, reason="Pas cette année")
    assert e.status == "declined"
    with pytest.raises(ValidationFailed):
        svc.enrolment_approve(actor=cast.manager, enrolment=e)


def test_request_must_be_accepted(cast: Any) -> None:
    from pilotage.strategy.models import TrainingRequest

    req = TrainingRequest.objects.create(
        reference="REQ-T-1", title="Besoin", business_need="x", requester=cast.client_a, status="submitted"
    )
    cohort = make_cohort()
    cohort.path.programme.requests.add(req)
    with pytest.raises(ValidationFailed) as err:
        svc.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"], request=req)
    assert "REQ-T-1" in err.value.errors["request"][0]
    req.status = "accepted"
    req.save()
    e = svc.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"], request=req)
    assert e.source == "request" and e.request == req


def test_default_due_date_from_settings(cast: Any) -> None:
    cohort = make_cohort()
    conf = svc.settings_for(cohort.path.programme)
    conf.default_due_days = 30
    conf.save()
    e = svc.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"])
    assert e.due_on == cohort.starts_on + dt.timedelta(days=30)


def test_the_team_decides_a_pending_self_enrolment_on_the_managers_behalf(cast: Any, login: Any) -> None:
    cohort = make_cohort()
    e = svc.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"])
    Enrolment.objects.filter(pk=e.pk).update(status=Enrolment.Status.PENDING)
    client = login(cast.ld)
    url = reverse("delivery:enrolment_decide", args=[e.pk])
    # Declining needs a reason: refused, nothing changes.
    response = client.post(url, {"decision": "decline", "reason": ""})
    assert response.status_code == 200
    e.refresh_from_db()
    assert e.status == Enrolment.Status.PENDING
    # No decision named: refused with a message.
    response = client.post(url, {"decision": "maybe"})
    assert response.status_code == 200 and response.context["form"].errors
    # Approved: a seat, and the event names who decided.
    response = client.post(url, {"decision": "approve"})
    assert response.status_code == 302
    e.refresh_from_db()
    assert e.status == Enrolment.Status.ACTIVE
    assert e.events.filter(kind="approved", by=cast.ld).exists()
    # Only a pending enrolment can be decided.
    response = client.post(url, {"decision": "approve"})
    assert response.status_code == 200


def test_the_programmes_own_approval_flag_decides_even_after_delivery_settings_exist(cast: Any, login: Any) -> None:
    """One source of truth: the flag set on the programme's own form applies to self-enrolment
    and shows in the delivery settings form, whatever the settings row held before."""
    from pilotage.programmes import services_programmes

    cohort = make_cohort()
    programme = cohort.path.programme
    conf = svc.settings_for(programme)
    conf.self_enrolment = True
    conf.manager_approval = False
    conf.save()
    services_programmes.programme_update(actor=cast.dlm, programme=programme, requires_manager_approval=True)
    cohort.refresh_from_db()
    e = svc.enrol(actor=cast.learner, cohort=cohort, employee=cast.employees["learner"], source="self")
    assert e.status == "pending"
    page = login(cast.dlm).get(reverse("delivery:programme_settings", args=[programme.pk]))
    assert page.context["form"].initial["manager_approval"] is True
