"""Training requests: filing (references, validation, attachments), editing, withdrawing,
comments and notifications; the web pages of the requester and of the L&D team."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from pilotage.core.errors import PermissionDenied, ValidationFailed
from pilotage.people.models import Audience
from pilotage.strategy import services_requests
from pilotage.strategy.models import Objective, RequestAttachment, RequestComment, RequestTransition, TrainingRequest
from pilotage.strategy.services_objectives import objective_create
from pilotage.strategy.services_requests import (
    attachment_check,
    reference_for,
    request_comment_add,
    request_create,
    request_update,
    request_withdraw,
)
from pilotage.strategy.workflow import request_transition

pytestmark = pytest.mark.django_db

S = TrainingRequest.Status
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _file(cast: Any, user: str = "client_a", **kw: Any) -> TrainingRequest:
    data: dict[str, Any] = {
        "title": "Négociation grands comptes",
        "business_need": "Nos commerciaux cèdent trop vite sur les remises.",
        "population_description": "Key account managers",
        "headcount": 40,
    }
    data.update(kw)
    return request_create(actor=cast.users[user], **data)


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


# --- filing -------------------------------------------------------------------------------------


def test_reference_is_per_year_sequence(cast: Any) -> None:
    year = timezone.localdate().year
    first, second = _file(cast), _file(cast, "client_b")
    assert first.reference == f"DEM-{year}-0001" and second.reference == f"DEM-{year}-0002"
    old = _file(cast, created_at=timezone.now() - dt.timedelta(days=400))
    assert old.reference == f"DEM-{year - 1}-0001"
    assert _file(cast).reference == f"DEM-{year}-0003"


def test_reference_retries_after_a_concurrent_insert(cast: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two filings computing the same number: the unique constraint refuses the second,
    which retries with the next number inside a savepoint (the outer transaction survives)."""
    year = timezone.localdate().year
    _file(cast)  # DEM-…-0001
    calls: list[int] = []
    real = services_requests.next_reference_number

    def stale(y: int) -> int:
        calls.append(y)
        return 1 if len(calls) == 1 else real(y)  # the first read is stale: 0001 is taken

    monkeypatch.setattr(services_requests, "next_reference_number", stale)
    again = _file(cast)
    assert again.reference == f"DEM-{year}-0002" and len(calls) == 2


def test_reference_gives_up_after_repeated_clashes(cast: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _file(cast)
    monkeypatch.setattr(services_requests, "next_reference_number", lambda y: 1)
    with pytest.raises(IntegrityError):
        _file(cast)
    assert TrainingRequest.objects.count() == 1


def test_reference_number_past_9999_keeps_counting(cast: Any) -> None:
    year = timezone.localdate().year
    req = _file(cast)
    TrainingRequest.objects.filter(pk=req.pk).update(reference=reference_for(year, 9999))
    assert _file(cast).reference == f"DEM-{year}-10000"
    assert _file(cast).reference == f"DEM-{year}-10001"


def test_create_sets_org_unit_history_and_receipt(cast: Any) -> None:
    req = _file(cast)
    assert req.status == S.SUBMITTED and req.org_unit == cast.unit_a and req.requester == cast.client_a
    assert list(req.transitions.values_list("from_status", "to_status")) == [("", S.SUBMITTED)]
    assert len(mail.outbox) == 0  # sent on commit
    # locmem mail + on_commit: the receipt is e-mailed after the transaction commits.


def test_receipt_is_sent_on_commit(cast: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        req = _file(cast)
    assert len(mail.outbox) == 1
    assert req.reference in mail.outbox[0].subject and mail.outbox[0].to == [cast.client_a.email]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": ""}, "title"),
        ({"business_need": "  "}, "business_need"),
        ({"population_description": ""}, "population_description"),
        ({"headcount": 0}, "headcount"),
        ({"wished_date": dt.date(2001, 1, 1)}, "wished_date"),
        ({"legal_obligation": True, "legal_reference": ""}, "legal_reference"),
        ({"budget_indication": "-5"}, "budget_indication"),
        ({"budget_indication": "beaucoup"}, "budget_indication"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(cast: Any, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        _file(cast, **kwargs)
    assert field in exc.value.errors
    assert not TrainingRequest.objects.exists() and not RequestTransition.objects.exists()


def test_audience_and_objective_must_be_visible(cast: Any) -> None:
    theirs = Audience.objects.create(name="B's", owner=cast.client_b, rules={})
    with pytest.raises(ValidationFailed) as exc:
        _file(cast, audience=theirs, population_description="")
    assert "audience" in exc.value.errors
    draft = objective_create(actor=cast.dlm, title="Secret", status=Objective.Status.DRAFT)
    with pytest.raises(ValidationFailed) as exc:
        _file(cast, objective=draft)
    assert "objective" in exc.value.errors
    mine = Audience.objects.create(name="A's", owner=cast.client_a, rules={})
    assert _file(cast, audience=mine, population_description="").audience == mine


def test_roles_that_cannot_file(cast: Any) -> None:
    with pytest.raises(PermissionDenied):
        _file(cast, "learner")
    with pytest.raises(PermissionDenied):
        _file(cast, "client_b", requester=cast.client_a)


def test_staff_files_on_behalf(cast: Any) -> None:
    req = _file(cast, "ld", requester=cast.manager)
    assert req.requester == cast.manager and req.org_unit == cast.unit_a1


# --- attachments --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("brief.pdf", PDF),
        ("brief.docx", None),
        ("chiffres.csv", "site;effectif\nOrléans;40\n".encode()),
        ("notes.txt", "Fiche métier — été".encode("cp1252")),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 20),
    ],
)
def test_attachment_accepted(name: str, content: bytes | None) -> None:
    checked = attachment_check(name=name, content=content if content is not None else _docx())
    assert checked.name == name and checked.size > 0


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("virus.exe", b"MZ\x90\x00", "not accepted"),
        ("noext", b"hello", "not accepted"),
        ("fake.pdf", b"<html>not a pdf</html>", "does not look like"),
        ("fake.docx", PDF, "does not look like"),
        ("zip.xlsx", None, "does not look like"),  # a docx renamed xlsx
        ("exe.txt", b"MZ\x90\x00\x03\x00\x00\x00", "does not look like"),
        ("empty.csv", b"", "empty"),
        ("big.txt", b"a" * (services_requests.MAX_ATTACHMENT_BYTES + 1), "too large"),
    ],
)
def test_attachment_refused_with_a_message(name: str, content: bytes | None, words: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        attachment_check(name=name, content=content if content is not None else _docx())
    assert words in exc.value.errors["attachments"][0]
    assert name.split("/")[-1] in exc.value.errors["attachments"][0]


def test_attachment_path_in_name_is_dropped() -> None:
    assert attachment_check(name="../../etc/brief.pdf", content=PDF).name == "brief.pdf"
    assert attachment_check(name="C:\\Users\\x\\brief.pdf", content=PDF).name == "brief.pdf"


def test_failed_filing_keeps_no_file(cast: Any, settings: Any) -> None:
    checked = attachment_check(name="brief.pdf", content=PDF)
    with pytest.raises(ValidationFailed):
        _file(cast, title="", attachments=[checked])
    assert not RequestAttachment.objects.exists()
    assert not any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*"))


def test_attachment_download_is_scoped(cast: Any, login: Any) -> None:
    req = _file(cast, attachments=[attachment_check(name="cahier des charges.pdf", content=PDF)])
    attachment = req.attachments.get()
    url = reverse("strategy:request_attachment", args=[req.pk, attachment.pk])
    response = login(cast.client_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"] and "cahier" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert login(cast.client_b).get(url).status_code == 404
    assert login(cast.ld).get(url).status_code == 200
    other = _file(cast, "client_b")
    wrong = reverse("strategy:request_attachment", args=[other.pk, attachment.pk])
    assert login(cast.dlm).get(wrong).status_code == 404


def test_upload_through_the_form(cast: Any, login: Any) -> None:
    client = login(cast.client_a)
    data = {
        "title": "Excel avancé",
        "business_need": "Les contrôleurs de gestion perdent du temps.",
        "population_description": "Contrôle de gestion",
        "attachments": [
            SimpleUploadedFile("besoin.pdf", PDF, content_type="application/pdf"),
            SimpleUploadedFile("liste.csv", b"nom;site\nA;Lyon\n", content_type="text/csv"),
        ],
    }
    response = client.post(reverse("strategy:request_create"), data)
    req = TrainingRequest.objects.get()
    assert response.status_code == 302
    assert sorted(req.attachments.values_list("original_name", flat=True)) == ["besoin.pdf", "liste.csv"]
    bad = client.post(
        reverse("strategy:request_create"),
        {**data, "attachments": [SimpleUploadedFile("x.pdf", b"GIF89a", content_type="application/pdf")]},
    )
    assert bad.status_code == 200 and "x.pdf does not look like a .pdf file" in bad.text
    assert TrainingRequest.objects.count() == 1


# --- editing, withdrawing ---------------------------------------------------------------------------


def test_requester_edits_only_while_submitted(cast: Any) -> None:
    req = _file(cast)
    request_update(
        actor=cast.client_a, request=req, title="Négociation", business_need="x", population_description="KAM"
    )
    req.refresh_from_db()
    assert req.title == "Négociation"
    request_transition(actor=cast.ld, request=req, to_status=S.UNDER_REVIEW)
    with pytest.raises(PermissionDenied):
        request_update(actor=cast.client_a, request=req, title="Later", business_need="x", population_description="KAM")
    # The team still may, while it is open.
    request_update(
        actor=cast.ld, request=req, title="Négociation (revu)", business_need="x", population_description="KAM"
    )
    req.refresh_from_db()
    assert req.title == "Négociation (revu)"


def test_edit_keeps_a_past_wished_date(cast: Any) -> None:
    req = _file(cast, created_at=timezone.now() - dt.timedelta(days=60), wished_date=dt.date(2020, 5, 1))
    request_update(
        actor=cast.client_a,
        request=req,
        title="T",
        business_need="N",
        population_description="P",
        wished_date=dt.date(2020, 5, 1),
    )
    with pytest.raises(ValidationFailed) as exc:
        request_update(
            actor=cast.client_a,
            request=req,
            title="T",
            business_need="N",
            population_description="P",
            wished_date=dt.date(2020, 6, 1),
        )
    assert "wished_date" in exc.value.errors


def test_withdraw_declines_with_the_requester_named(cast: Any) -> None:
    req = _file(cast)
    request_withdraw(actor=cast.client_a, request=req, reason="Budget gelé")
    req.refresh_from_db()
    assert req.status == S.DECLINED and req.status_reason == "Withdrawn by the requester: Budget gelé"
    last = req.transitions.order_by("-id").first()
    assert last is not None and last.by == cast.client_a
    with pytest.raises(PermissionDenied):
        request_withdraw(actor=cast.client_a, request=req)


def test_only_the_requester_withdraws(cast: Any) -> None:
    req = _file(cast)
    for who in ("client_b", "ld"):
        with pytest.raises(PermissionDenied):
            request_withdraw(actor=cast.users[who], request=req)


# --- comments -----------------------------------------------------------------------------------


def test_comments_and_internal_notes(cast: Any, django_capture_on_commit_callbacks: Any) -> None:
    req = _file(cast)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        request_comment_add(actor=cast.ld, request=req, body="Combien de sites ?")
        request_comment_add(actor=cast.ld, request=req, body="Doublon probable de DEM-…", internal=True)
        request_comment_add(actor=cast.client_a, request=req, body="Trois sites.")
    # Only the team's visible comment is e-mailed to the requester.
    assert len(mail.outbox) == 1 and "Combien de sites ?" in mail.outbox[0].body
    with pytest.raises(PermissionDenied):
        request_comment_add(actor=cast.client_a, request=req, body="x", internal=True)
    with pytest.raises(PermissionDenied):
        request_comment_add(actor=cast.client_b, request=req, body="x")
    with pytest.raises(ValidationFailed) as exc:
        request_comment_add(actor=cast.ld, request=req, body="   ")
    assert "body" in exc.value.errors
    assert RequestComment.objects.count() == 3


def test_requester_does_not_see_internal_notes(cast: Any, login: Any) -> None:
    req = _file(cast)
    request_comment_add(actor=cast.ld, request=req, body="Visible question")
    request_comment_add(actor=cast.ld, request=req, body="Internal whisper", internal=True)
    page = login(cast.client_a).get(reverse("strategy:request_detail", args=[req.pk]))
    assert "Visible question" in page.text and "Internal whisper" not in page.text
    staff = login(cast.ld).get(reverse("strategy:request_detail", args=[req.pk]))
    assert "Internal whisper" in staff.text


def test_attachment_limit_per_request_writes_nothing(cast: Any, settings: Any) -> None:
    from pilotage.strategy.services_requests import MAX_ATTACHMENTS, request_attachments_add

    checked = attachment_check(name="brief.pdf", content=PDF)
    req = _file(cast, attachments=[checked] * (MAX_ATTACHMENTS - 1))
    before = {p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()}
    with pytest.raises(ValidationFailed) as exc:
        request_attachments_add(actor=cast.client_a, request=req, files=[checked, checked])
    assert "attachments" in exc.value.errors
    assert req.attachments.count() == MAX_ATTACHMENTS - 1
    assert {p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()} == before
    request_attachments_add(actor=cast.client_a, request=req, files=[checked])
    assert req.attachments.count() == MAX_ATTACHMENTS
