"""Writes of training requests: filing, editing, withdrawing, comments and attachments.

Status changes by the L&D team go through ``pilotage.strategy.workflow.request_transition``;
this module never changes a status by itself (a withdrawal is a decline through the workflow).

References read ``DEM-<year>-<number>``, numbered per year of filing. Two requests filed at
the same instant may compute the same next number: the unique constraint on ``reference``
refuses the second insert, which retries with the next free number inside a savepoint.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from pilotage.core.audit import audit_record, diff, snapshot
from pilotage.core.errors import PermissionDenied, ValidationFailed
from pilotage.core.mail import notify
from pilotage.people import queries as people_queries
from pilotage.people.models import Audience, OrgUnit, Role
from pilotage.people.permissions import scope_org_unit_ids
from pilotage.strategy import permissions, queries
from pilotage.strategy.models import (
    Objective,
    RequestAttachment,
    RequestComment,
    RequestTransition,
    TrainingRequest,
)
from pilotage.strategy.workflow import request_transition

REFERENCE_PREFIX = "DEM"
REFERENCE_ATTEMPTS = 10
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10
MAX_COMMENT_CHARS = 5000
# Extension -> content type served on download.
ALLOWED_EXTENSIONS: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "txt": "text/plain",
    "csv": "text/csv",
}
_OOXML_DIRS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
# Starts of binary formats that must never pass for text.
_BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"MZ", b"\x7fELF", b"\xd0\xcf\x11\xe0")

REQUEST_AUDIT_FIELDS = [
    "title",
    "business_need",
    "org_unit",
    "audience",
    "population_description",
    "headcount",
    "wished_date",
    "objective",
    "expected_impact",
    "legal_obligation",
    "legal_reference",
    "budget_indication",
]


# --- attachments -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks, held in memory until the request is written."""

    name: str
    extension: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


def _looks_like(extension: str, content: bytes) -> bool:
    """Does the content match what the extension announces? (A sniff for obvious mismatches,
    not a full parse: a PDF starts with %PDF, an Office file is a zip with its main folder.)"""
    head = content[:8]
    if extension == "pdf":
        return content.lstrip()[:5].startswith(b"%PDF-")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in {"jpg", "jpeg"}:
        return head.startswith(b"\xff\xd8\xff")
    if extension in _OOXML_DIRS:
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError):
            return False
        folder = _OOXML_DIRS[extension]
        return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)
    # txt, csv: readable text, no NUL byte, not a known binary format renamed.
    if head.startswith(_BINARY_MAGIC) or b"\x00" in content[:65536]:
        return False
    try:
        content[:65536].decode("utf-8")
    except UnicodeDecodeError:
        try:
            content[:65536].decode("cp1252")
        except UnicodeDecodeError:
            return False
    return True


def attachment_check(*, name: str, content: bytes, field: str = "attachments") -> CheckedFile:
    """Check one upload before anything is kept: size, extension allowlist, content sniff.
    Raises ValidationFailed naming the file."""
    clean_name = PurePath((name or "").replace("\\", "/")).name.strip()[:255] or "file"
    extension = clean_name.rsplit(".", 1)[-1].lower() if "." in clean_name else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationFailed(
            {
                field: [
                    _("%(name)s: this type of file is not accepted. Accepted: %(allowed)s.")
                    % {"name": clean_name, "allowed": ", ".join(sorted({e for e in ALLOWED_EXTENSIONS if e != "jpeg"}))}
                ]
            }
        )
    if not content:
        raise ValidationFailed({field: [_("%(name)s is empty.") % {"name": clean_name}]})
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(
            {
                field: [
                    _("%(name)s is too large (%(size)s MB): %(max)s MB at most.")
                    % {
                        "name": clean_name,
                        "size": f"{len(content) / 1024 / 1024:.1f}",
                        "max": MAX_ATTACHMENT_BYTES // 1024 // 1024,
                    }
                ]
            }
        )
    if not _looks_like(extension, content):
        raise ValidationFailed(
            {
                field: [
                    _("%(name)s does not look like a .%(ext)s file: check it and upload it again.")
                    % {"name": clean_name, "ext": extension}
                ]
            }
        )
    return CheckedFile(name=clean_name, extension=extension, content=content)


def read_upload(upload: Any, *, field: str = "attachments") -> CheckedFile:
    """Check an uploaded file (Django's UploadedFile), reading at most one byte past the limit."""
    upload.seek(0)
    content = upload.read(MAX_ATTACHMENT_BYTES + 1)
    return attachment_check(name=getattr(upload, "name", "") or "", content=content, field=field)


def _store_attachments(
    *, actor: Any, request: TrainingRequest, files: Sequence[CheckedFile], stored: list[str]
) -> list[RequestAttachment]:
    """Write checked files under a random name (the original name is kept for download)."""
    existing = request.attachments.count()
    if existing + len(files) > MAX_ATTACHMENTS:
        raise ValidationFailed(
            {"attachments": [_("A request holds %(max)d attachments at most.") % {"max": MAX_ATTACHMENTS}]}
        )
    made = []
    today = timezone.localdate()
    for checked in files:
        name = default_storage.save(
            f"requests/{today:%Y/%m}/{uuid.uuid4().hex}.{checked.extension}", ContentFile(checked.content)
        )
        stored.append(name)
        made.append(
            RequestAttachment.objects.create(
                request=request,
                file=name,
                original_name=checked.name,
                size=checked.size,
                uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        )
    return made


def _cleanup(stored: Iterable[str]) -> None:
    for name in stored:
        with contextlib.suppress(OSError):  # best effort: the row is gone anyway
            default_storage.delete(name)


# --- references -----------------------------------------------------------------------------------


def reference_for(year: int, number: int) -> str:
    return f"{REFERENCE_PREFIX}-{year}-{number:04d}"


def next_reference_number(year: int) -> int:
    """The number after the highest one of ``year`` (longest, then greatest: 10000 > 9999)."""
    last = (
        TrainingRequest.objects.filter(reference__startswith=f"{REFERENCE_PREFIX}-{year}-")
        .annotate(length=Length("reference"))
        .order_by("-length", "-reference")
        .values_list("reference", flat=True)
        .first()
    )
    if not last:
        return 1
    try:
        return int(last.rsplit("-", 1)[1]) + 1
    except ValueError:
        return TrainingRequest.objects.filter(reference__startswith=f"{REFERENCE_PREFIX}-{year}-").count() + 1


def insert_with_reference(request: TrainingRequest) -> TrainingRequest:
    """INSERT ``request`` under the next free reference of its year; on a clash with a
    concurrent insert, roll back to the savepoint and try the following number."""
    year = timezone.localtime(request.created_at).year
    for attempt in range(REFERENCE_ATTEMPTS):
        request.reference = reference_for(year, next_reference_number(year))
        try:
            with transaction.atomic():
                request.save(force_insert=True)
            return request
        except IntegrityError:
            request.pk = None
            request._state.adding = True
            if attempt == REFERENCE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


# --- the request's fields --------------------------------------------------------------------------


def _default_org_unit(actor: Any) -> OrgUnit | None:
    employee = getattr(actor, "employee", None)
    if employee is not None and employee.org_unit_id:
        return employee.org_unit  # type: ignore[no-any-return]
    ids = scope_org_unit_ids(actor, Role.CLIENT)
    return OrgUnit.objects.filter(pk__in=ids).order_by("path").first() if ids else None


def _as_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed({"budget_indication": [_("Write the budget as a number of euros.")]}) from None


def _unchanged(current: TrainingRequest | None, attname: str, value: Any) -> bool:
    """An edit may keep what the request already points at, even if no longer offered."""
    return current is not None and getattr(current, attname) == value


def _checked_fields(
    *,
    actor: Any,
    current: TrainingRequest | None,
    title: str,
    business_need: str,
    audience: Audience | None,
    population_description: str,
    headcount: int | None,
    wished_date: dt.date | None,
    objective: Objective | None,
    expected_impact: str,
    legal_obligation: bool,
    legal_reference: str,
    budget_indication: Any,
    org_unit: OrgUnit | None,
) -> dict[str, Any]:
    """Validate the fields of the short form; every message names its field."""
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    business_need = (business_need or "").strip()
    population_description = (population_description or "").strip()
    legal_reference = (legal_reference or "").strip()
    if not title:
        errors["title"] = [_("Give the request a short title.")]
    elif len(title) > 200:
        errors["title"] = [_("The title is too long: 200 characters at most.")]
    if not business_need:
        errors["business_need"] = [_("Describe the business need: what should people do better, and why now?")]
    if audience is None and not population_description:
        errors["population_description"] = [_("Choose an audience or describe the people to train.")]
    if (
        audience is not None
        and not _unchanged(current, "audience_id", audience.pk)
        and not people_queries.audience_list(user=actor).filter(pk=audience.pk).exists()
    ):
        errors["audience"] = [_("This audience is not one you may use.")]
    if headcount is not None and (isinstance(headcount, bool) or not isinstance(headcount, int) or headcount < 1):
        errors["headcount"] = [_("The headcount is a whole number of people, 1 or more.")]
    elif headcount is not None and headcount > 1_000_000:
        errors["headcount"] = [_("The headcount looks wrong: more than a million people.")]
    unchanged_date = current is not None and current.wished_date == wished_date
    if wished_date is not None and not unchanged_date and wished_date < timezone.localdate():
        errors["wished_date"] = [_("The wished date is in the past: choose a date from today on.")]
    if (
        objective is not None
        and not _unchanged(current, "objective_id", objective.pk)
        and not queries.objective_list(user=actor).filter(pk=objective.pk, status=Objective.Status.ACTIVE).exists()
    ):
        errors["objective"] = [_("Link the request to an active objective.")]
    if legal_obligation and not legal_reference:
        errors["legal_reference"] = [_("Name the law or regulation that makes this training mandatory.")]
    elif len(legal_reference) > 200:
        errors["legal_reference"] = [_("Too long: 200 characters at most.")]
    try:
        budget = _as_decimal(budget_indication)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        budget = None
    if budget is not None and (budget < 0 or budget >= Decimal("1e10")):
        errors["budget_indication"] = [_("The budget is an amount in euros from 0 to 9,999,999,999.")]
    if (
        org_unit is not None
        and not _unchanged(current, "org_unit_id", org_unit.pk)
        and not people_queries.org_unit_list(user=actor).filter(pk=org_unit.pk).exists()
    ):
        errors["org_unit"] = [_("This org unit is outside your scope.")]
    if errors:
        raise ValidationFailed(errors)
    return {
        "title": title,
        "business_need": business_need,
        "audience": audience,
        "population_description": population_description,
        "headcount": headcount,
        "wished_date": wished_date,
        "objective": objective,
        "expected_impact": (expected_impact or "").strip(),
        "legal_obligation": bool(legal_obligation),
        "legal_reference": legal_reference if legal_obligation else "",
        "budget_indication": budget.quantize(Decimal("0.01")) if budget is not None else None,
        "org_unit": org_unit,
    }


# --- use cases ------------------------------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    actor: Any,
    title: str,
    business_need: str,
    audience: Audience | None = None,
    population_description: str = "",
    headcount: int | None = None,
    wished_date: dt.date | None = None,
    objective: Objective | None = None,
    expected_impact: str = "",
    legal_obligation: bool = False,
    legal_reference: str = "",
    budget_indication: Any = None,
    org_unit: OrgUnit | None = None,
    attachments: Sequence[CheckedFile] = (),
    requester: Any = None,
    campaign_need: Any = None,
    created_at: dt.datetime | None = None,
) -> TrainingRequest:
    """File a training request and send the requester a receipt.

    ``actor`` files it for themselves (internal client, L&D team), or the L&D team files it
    for ``requester`` (a retained need of a campaign becomes the manager's request: pass
    ``campaign_need``). ``attachments`` are files already checked by ``attachment_check``.
    ``created_at`` dates a request filed elsewhere first (imports, the demo); its reference
    is numbered in that year and its wished date may then be past."""
    requester = requester if requester is not None else actor
    if requester != actor and not permissions.can_triage(actor):
        raise PermissionDenied(_("Only the L&D team may file a request on someone's behalf."))
    if not permissions.can_file_requests(actor):
        raise PermissionDenied(_("Your role does not allow filing training requests."))
    if not getattr(requester, "is_authenticated", False):
        raise ValidationFailed({"requester": [_("A request is filed by a user.")]})
    data = _checked_fields(
        actor=actor,
        current=None,
        title=title,
        business_need=business_need,
        audience=audience,
        population_description=population_description,
        headcount=headcount,
        wished_date=wished_date if created_at is None else None,
        objective=objective,
        expected_impact=expected_impact,
        legal_obligation=legal_obligation,
        legal_reference=legal_reference,
        budget_indication=budget_indication,
        org_unit=org_unit,
    )
    if created_at is not None:
        data["wished_date"] = wished_date
    if data["org_unit"] is None:
        data["org_unit"] = _default_org_unit(requester)
    request = TrainingRequest(
        requester=requester,
        campaign_need=campaign_need,
        created_at=created_at or timezone.now(),
        status=TrainingRequest.Status.SUBMITTED,
        status_changed_at=created_at or timezone.now(),
        **data,
    )
    stored: list[str] = []
    try:
        insert_with_reference(request)
        first = RequestTransition.objects.create(request=request, from_status="", to_status=request.status, by=actor)
        if created_at is not None:
            RequestTransition.objects.filter(pk=first.pk).update(at=created_at)
        _store_attachments(actor=actor, request=request, files=attachments, stored=stored)
        audit_record(
            actor=actor,
            action="create",
            instance=request,
            changes={"attachments": [None, [f.name for f in attachments]]} if attachments else None,
        )
    except Exception:
        _cleanup(stored)
        raise
    notify(recipient=request.requester, template="strategy/mail/request_received", context={"request": request})
    return request


@transaction.atomic
def request_update(
    *,
    actor: Any,
    request: TrainingRequest,
    title: str,
    business_need: str,
    audience: Audience | None = None,
    population_description: str = "",
    headcount: int | None = None,
    wished_date: dt.date | None = None,
    objective: Objective | None = None,
    expected_impact: str = "",
    legal_obligation: bool = False,
    legal_reference: str = "",
    budget_indication: Any = None,
    org_unit: OrgUnit | None = None,
    attachments: Sequence[CheckedFile] = (),
) -> TrainingRequest:
    """Change the content of a request (all fields, as the form sends them) and add files.
    The requester may while it is submitted; the L&D team while it is open."""
    request = TrainingRequest.objects.select_for_update().get(pk=request.pk)
    if not permissions.can_edit_request(actor, request):
        raise PermissionDenied(
            _("Request %(ref)s can no longer be edited: it is %(status)s.")
            % {"ref": request.reference, "status": request.get_status_display().lower()}
        )
    data = _checked_fields(
        actor=actor,
        current=request,
        title=title,
        business_need=business_need,
        audience=audience,
        population_description=population_description,
        headcount=headcount,
        wished_date=wished_date,
        objective=objective,
        expected_impact=expected_impact,
        legal_obligation=legal_obligation,
        legal_reference=legal_reference,
        budget_indication=budget_indication,
        org_unit=org_unit or request.org_unit,
    )
    before = snapshot(request, REQUEST_AUDIT_FIELDS)
    for name, value in data.items():
        setattr(request, name, value)
    stored: list[str] = []
    try:
        request.save(update_fields=[*data, "updated_at"])
        _store_attachments(actor=actor, request=request, files=attachments, stored=stored)
        changes: dict[str, Any] = diff(before, snapshot(request, REQUEST_AUDIT_FIELDS))
        if attachments:
            changes["attachments"] = [None, [f.name for f in attachments]]
        if changes:
            audit_record(actor=actor, action="update", instance=request, changes=changes)
    except Exception:
        _cleanup(stored)
        raise
    return request


@transaction.atomic
def request_attachments_add(*, actor: Any, request: TrainingRequest, files: Sequence[CheckedFile]) -> list[Any]:
    """Add checked files to a request the actor may edit."""
    request = TrainingRequest.objects.select_for_update().get(pk=request.pk)
    if not permissions.can_edit_request(actor, request):
        raise PermissionDenied(_("Files can only be added while the request can be edited."))
    stored: list[str] = []
    try:
        made = _store_attachments(actor=actor, request=request, files=files, stored=stored)
        audit_record(
            actor=actor, action="attach", instance=request, changes={"attachments": [None, [f.name for f in files]]}
        )
    except Exception:
        _cleanup(stored)
        raise
    return made


@transaction.atomic
def request_withdraw(*, actor: Any, request: TrainingRequest, reason: str = "") -> TrainingRequest:
    """The requester withdraws an open request: it is declined through the workflow, with
    "Withdrawn by the requester" as its reason, and the history names the requester."""
    if not permissions.can_withdraw_request(actor, request):
        raise PermissionDenied(_("Only the requester may withdraw a request, and only while it is open."))
    note = _("Withdrawn by the requester")
    reason = (reason or "").strip()
    full_reason = f"{note}: {reason}" if reason else note
    request = request_transition(
        actor="system", request=request, to_status=TrainingRequest.Status.DECLINED, reason=full_reason
    )
    # The workflow acted as "system" (only the L&D team triages); the history names the requester.
    last = RequestTransition.objects.filter(request=request).order_by("-id").first()
    if last is not None:
        last.by = actor
        last.save(update_fields=["by"])
    audit_record(actor=actor, action="withdraw", instance=request, note=full_reason)
    return request


@transaction.atomic
def request_comment_add(*, actor: Any, request: TrainingRequest, body: str, internal: bool = False) -> RequestComment:
    """Add a comment to the thread. Only the L&D team may mark it internal (hidden from the
    requester); a team comment the requester may read is e-mailed to them."""
    staff = permissions.can_triage(actor)
    if not staff and request.requester_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the requester and the L&D team take part in this thread."))
    if internal and not staff:
        raise PermissionDenied(_("Only the L&D team may write internal notes."))
    body = (body or "").strip()
    if not body:
        raise ValidationFailed({"body": [_("Write a comment before sending it.")]})
    if len(body) > MAX_COMMENT_CHARS:
        raise ValidationFailed({"body": [_("Too long: %(max)d characters at most.") % {"max": MAX_COMMENT_CHARS}]})
    comment = RequestComment.objects.create(request=request, author=actor, body=body, internal=internal)
    audit_record(actor=actor, action="comment", instance=request, note=("[internal] " if internal else "") + body)
    if not internal and request.requester_id != actor.pk:
        notify(
            recipient=request.requester,
            template="strategy/mail/request_comment",
            context={"request": request, "comment": comment, "author": actor},
        )
    return comment
