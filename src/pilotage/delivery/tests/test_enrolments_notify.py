"""Enrolment approval e-mails, the history's labels, and requests of the cohort's programme."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from pilotage.core.errors import ValidationFailed
from pilotage.delivery import services_enrolments as svc
from pilotage.delivery.tests.factories_cohorts import make_cohort
from pilotage.strategy.models import TrainingRequest


def _approval_cohort(capacity: int | None = None) -> Any:
    cohort = make_cohort(capacity=capacity)
    conf = svc.settings_for(cohort.path.programme)
    conf.self_enrolment = True
    conf.save()
    programme = cohort.path.programme
    programme.requires_manager_approval = True  # the programme's flag decides
    programme.save(update_fields=["requires_manager_approval"])
    return cohort


def test_a_pending_self_enrolment_mails_the_manager_with_the_inbox_link(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cohort = _approval_cohort()
    with django_capture_on_commit_callbacks(execute=True):
        e = svc.enrol(actor=cast.learner, cohort=cohort, employee=cast.employees["learner"], source="self")
    assert e.status == "pending"
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["manager@example.com"]  # Karim Benali's user
    assert "Julie Petit" in sent.subject
    assert reverse("portal:approvals") in sent.body
    assert cohort.code in sent.body


def test_a_seat_given_directly_mails_no_manager(cast: Any, django_capture_on_commit_callbacks: Any) -> None:
    cohort = make_cohort()
    with django_capture_on_commit_callbacks(execute=True):
        svc.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"])
    assert not [m for m in mail.outbox if "manager@example.com" in m.to]


def test_approval_by_the_manager_mails_the_learner(cast: Any, django_capture_on_commit_callbacks: Any) -> None:
    cohort = _approval_cohort()
    e = svc.enrol(actor=cast.learner, cohort=cohort, employee=cast.employees["learner"], source="self")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        svc.enrolment_approve(actor=cast.manager, enrolment=e)
    learner_mails = [m for m in mail.outbox if m.to == ["learner@example.com"]]
    assert len(learner_mails) == 1
    assert cohort.title in learner_mails[0].subject
    assert reverse("portal:enrolment", args=[e.pk]) in learner_mails[0].body


def test_decline_by_the_ld_team_mails_the_reason_to_a_learner_without_account_in_their_language(
    cast: Any, login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cohort = _approval_cohort()
    # Hugo Roux has no user: the plain address, in English (his language).
    e = svc.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["peer"], source="self")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.dlm).post(
            reverse("delivery:enrolment_decide", args=[e.pk]),
            {"decision": "decline", "reason": "Budget gelé cette année"},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["hugo.roux@example.com"]
    assert sent.subject.startswith("Enrolment declined")
    assert "Budget gelé cette année" in sent.body


def test_a_rolled_back_decision_sends_nothing(cast: Any, django_capture_on_commit_callbacks: Any) -> None:
    cohort = _approval_cohort()
    e = svc.enrol(actor=cast.learner, cohort=cohort, employee=cast.employees["learner"], source="self")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed):
        svc.enrolment_decline(actor=cast.manager, enrolment=e, reason="")
    assert mail.outbox == []


# --- the enrolment's history ---------------------------------------------------------------------


def test_the_history_shows_labels_not_codes(cast: Any, login: Any) -> None:
    cohort = make_cohort(capacity=1)
    svc.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["peer"])
    e = svc.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"])
    assert e.status == "waitlisted"
    page = login(cast.dlm).get(reverse("delivery:enrolment_detail", args=[e.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    history = html[html.index('id="events-title"') :]
    assert "Enrolled" in history and "(Waitlisted)" in history
    assert "(waitlisted)" not in history and "— created" not in history


# --- requests of the cohort's programme -------------------------------------------------------------


def _request(cast: Any, ref: str) -> TrainingRequest:
    return TrainingRequest.objects.create(
        reference=ref, title="Besoin", business_need="x", requester=cast.client_a, status="accepted"
    )


def test_a_request_of_another_programme_is_refused(cast: Any) -> None:
    cohort = make_cohort()
    other = make_cohort()
    req = _request(cast, "REQ-OTH-1")
    other.path.programme.requests.add(req)
    with pytest.raises(ValidationFailed) as err:
        svc.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"], request=req)
    message = err.value.errors["request"][0]
    assert "REQ-OTH-1" in message and cohort.path.programme.code in message
    cohort.path.programme.requests.add(req)
    e = svc.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"], request=req)
    assert e.request == req


def test_the_bulk_page_lists_only_the_programmes_accepted_requests(cast: Any, login: Any) -> None:
    cohort = make_cohort()
    mine = _request(cast, "REQ-MINE-1")
    cohort.path.programme.requests.add(mine)
    elsewhere = _request(cast, "REQ-ELSE-1")
    make_cohort().path.programme.requests.add(elsewhere)
    submitted = TrainingRequest.objects.create(
        reference="REQ-SUB-1", title="Besoin", business_need="x", requester=cast.client_a, status="submitted"
    )
    cohort.path.programme.requests.add(submitted)
    page = login(cast.dlm).get(reverse("delivery:enrol_bulk", args=[cohort.pk]))
    offered = list(page.context["form"].fields["request"].queryset)
    assert offered == [mine]
