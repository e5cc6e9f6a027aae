"""The request status machine: allowed moves, reasons, merges, history, audit and e-mail."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from pilotage.core.errors import PermissionDenied, ValidationFailed
from pilotage.core.models import AuditEvent
from pilotage.strategy.models import RequestTransition, TrainingRequest
from pilotage.strategy.workflow import ALLOWED, allowed_next, request_transition

S = TrainingRequest.Status
pytestmark = pytest.mark.django_db(transaction=True)


def _request(cast: Any, ref: str = "DEM-T-1", status: str = S.SUBMITTED, **kw: Any) -> TrainingRequest:
    kw.setdefault("title", f"Request {ref}")
    return TrainingRequest.objects.create(
        reference=ref, business_need="Need", requester=cast.client_a, status=status, **kw
    )


def test_review_then_decline_keeps_history_audits_and_tells_the_requester(cast: Any) -> None:
    req = _request(cast)
    request_transition(actor=cast.ld, request=req, to_status=S.UNDER_REVIEW)
    request_transition(actor=cast.dlm, request=req, to_status=S.DECLINED, reason="Covered by the 2026 catalogue")

    req.refresh_from_db()
    assert req.status == S.DECLINED
    assert req.status_reason == "Covered by the 2026 catalogue"
    assert req.status_changed_at is not None
    history = list(RequestTransition.objects.filter(request=req).values_list("from_status", "to_status", "by"))
    assert history == [(S.SUBMITTED, S.UNDER_REVIEW, cast.ld.pk), (S.UNDER_REVIEW, S.DECLINED, cast.dlm.pk)]
    assert AuditEvent.objects.filter(object_type="strategy.trainingrequest", action="transition").count() == 2
    assert [m.to for m in mail.outbox] == [[cast.client_a.email]] * 2
    assert "Covered by the 2026 catalogue" in mail.outbox[1].body
    assert req.reference in mail.outbox[1].subject


def test_plain_text_mail_keeps_quotes_and_ampersands(cast: Any) -> None:
    req = _request(cast, title="Sécurité & “gestes” d'urgence")
    request_transition(actor=cast.ld, request=req, to_status=S.UNDER_REVIEW)
    assert "Sécurité & “gestes” d'urgence" in mail.outbox[0].body
    assert "&amp;" not in mail.outbox[0].body and "&#x27;" not in mail.outbox[0].body


def test_mail_is_written_in_the_requesters_language(cast: Any) -> None:
    cast.client_a.language = "fr"
    cast.client_a.save()
    req = _request(cast)
    request_transition(actor=cast.ld, request=req, to_status=S.PARKED, reason="Budget 2027")
    assert len(mail.outbox) == 1
    assert "DEM-T-1" in mail.outbox[0].subject


@pytest.mark.parametrize("to_status", [S.ACCEPTED, S.MERGED, S.PARKED, S.DECLINED])
def test_every_decision_but_review_needs_a_reason(cast: Any, to_status: str) -> None:
    req = _request(cast)
    with pytest.raises(ValidationFailed) as exc:
        request_transition(actor=cast.ld, request=req, to_status=to_status, reason="   ")
    assert "reason" in exc.value.errors
    req.refresh_from_db()
    assert req.status == S.SUBMITTED
    assert not RequestTransition.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("final", [S.ACCEPTED, S.MERGED, S.DECLINED])
def test_final_statuses_cannot_move(cast: Any, final: str) -> None:
    req = _request(cast, status=final)
    assert allowed_next(req) == []
    with pytest.raises(ValidationFailed) as exc:
        request_transition(actor=cast.ld, request=req, to_status=S.UNDER_REVIEW)
    assert "cannot become" in exc.value.errors["to_status"][0]


def test_unknown_status_is_named(cast: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        request_transition(actor=cast.ld, request=_request(cast), to_status="approved")
    assert "approved" in exc.value.errors["to_status"][0]


def test_merge_needs_a_valid_other_request(cast: Any) -> None:
    req = _request(cast, "DEM-T-1")
    target = _request(cast, "DEM-T-2")
    declined = _request(cast, "DEM-T-3", status=S.DECLINED)
    with pytest.raises(ValidationFailed) as exc:
        request_transition(actor=cast.ld, request=req, to_status=S.MERGED, reason="Same need")
    assert "merged_into" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        request_transition(actor=cast.ld, request=req, to_status=S.MERGED, reason="Same need", merged_into=req)
    assert "itself" in exc.value.errors["merged_into"][0]
    with pytest.raises(ValidationFailed) as exc:
        request_transition(actor=cast.ld, request=req, to_status=S.MERGED, reason="Same need", merged_into=declined)
    assert "DEM-T-3" in exc.value.errors["merged_into"][0]
    with pytest.raises(ValidationFailed) as exc:
        request_transition(actor=cast.ld, request=req, to_status=S.PARKED, reason="Later", merged_into=target)
    assert "merged_into" in exc.value.errors

    request_transition(actor=cast.ld, request=req, to_status=S.MERGED, reason="Same need", merged_into=target)
    req.refresh_from_db()
    assert req.merged_into == target
    assert "DEM-T-2" in mail.outbox[-1].body


def test_parked_request_can_come_back(cast: Any) -> None:
    req = _request(cast, status=S.PARKED)
    assert allowed_next(req) == [S.UNDER_REVIEW, S.ACCEPTED, S.DECLINED]
    request_transition(actor=cast.ld, request=req, to_status=S.UNDER_REVIEW)
    assert TrainingRequest.objects.get(pk=req.pk).status == S.UNDER_REVIEW


@pytest.mark.parametrize("persona", ["client_a", "manager", "learner", "vendor_a"])
def test_only_the_ld_team_triages(cast: Any, persona: str) -> None:
    req = _request(cast)
    with pytest.raises(PermissionDenied):
        request_transition(actor=cast.users[persona], request=req, to_status=S.UNDER_REVIEW)


def test_the_table_has_every_status() -> None:
    assert set(ALLOWED) == set(S.values)
    for targets in ALLOWED.values():
        assert targets <= set(S.values)
