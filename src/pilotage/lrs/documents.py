"""Documents of the xAPI document resources: state, activity profile and agent profile.

One table (``lrs.Document``) holds the three kinds; a document is found by its *key* (kind,
activity IRI, agent IFI, registration) and its id (``stateId`` / ``profileId``).

Concurrency (xAPI 1.0.3 Communication 3.1, the same in 2.0):
- ``If-Match`` (an ETag list or ``*``) and ``If-None-Match`` (``*`` or an ETag list) are
  honoured on PUT, POST and DELETE: a failed precondition is 412 and changes nothing;
- a PUT of a *profile* document without either header is 400 when none exists yet (the
  client MUST send one, and the ADL suite holds the LRS to enforce it) and 409 when one
  exists — in 1.0.3 the
  State resource "will permit PUT, POST and DELETE requests without concurrency headers,
  since state conflicts are unlikely"; xAPI 2.0 dropped that exemption (4.1.4), so a 2.0
  PUT to an existing state document without either header is 409 too
  (``require_precondition``); POST merges without headers (the suites POST twice to merge);
- two writers of the same key are serialised: row locks on the document, plus a
  transaction-scoped advisory lock on PostgreSQL so that two concurrent *creations* do
  not make two rows (SQLite transactions are ``IMMEDIATE``: writers already queue).

Document writes are xAPI traffic (a course saves its state every few seconds): like
statements, they are not written to the audit trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from pilotage.lrs.errors import Conflict, PreconditionFailed, XapiError
from pilotage.lrs.models import Document

JSON_TYPE = "application/json"
DEFAULT_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class DocumentKey:
    """Where documents live: ``kind`` plus the parameters that scope it."""

    kind: str
    activity_iri: str = ""
    agent_ifi: str = ""
    registration: uuid.UUID | None = None

    def queryset(self) -> QuerySet[Document]:
        return Document.objects.filter(
            kind=self.kind,
            activity_iri=self.activity_iri,
            agent_ifi=self.agent_ifi,
            registration=self.registration,
        )

    @property
    def is_profile(self) -> bool:
        return self.kind in (Document.Kind.ACTIVITY_PROFILE, Document.Kind.AGENT_PROFILE)


def etag_of(content: bytes) -> str:
    """The ETag of a document: the SHA-1 of its content in lower-case hex (unquoted)."""
    return hashlib.sha1(content).hexdigest()  # noqa: S324 — required by the specification, not a security hash


def is_json_type(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == JSON_TYPE


def _etags(header: str) -> set[str] | None:
    """The entity tags of an If-Match / If-None-Match header; None means ``*``."""
    values = set()
    for part in header.split(","):
        tag = part.strip()
        if tag == "*":
            return None
        if tag.startswith("W/"):
            tag = tag[2:]
        tag = tag.strip('"').lower()
        if tag:
            values.add(tag)
    return values


def _check_preconditions(
    current: Document | None,
    *,
    if_match: str | None,
    if_none_match: str | None,
    method: str,
    key: DocumentKey,
    require_precondition: bool | None = None,
) -> None:
    if if_match is not None:
        tags = _etags(if_match)
        if current is None or (tags is not None and current.etag not in tags):
            raise PreconditionFailed(
                "If-Match failed: the document has changed (or does not exist) since it was fetched; "
                "get it again and retry with its current ETag.",
                rule="concurrency",
            )
    if if_none_match is not None and current is not None:
        tags = _etags(if_none_match)
        if tags is None or current.etag in tags:
            raise PreconditionFailed(
                "If-None-Match failed: a document already exists here.",
                rule="concurrency",
            )
    if require_precondition is None:
        require_precondition = key.is_profile
    if method == "PUT" and require_precondition and if_match is None and if_none_match is None:
        if current is not None:
            raise Conflict(
                "This profile document already exists: check its current state (GET it), then send the PUT "
                "again with If-Match set to its current ETag (or If-None-Match: * to create only).",
                rule="concurrency",
            )
        if key.is_profile:
            # The client MUST send one of the two (Communication 3.1); the ADL conformance
            # suite holds the LRS to enforce it on the profile resources: 400 even when no
            # document exists yet (XAPI-00273, XAPI-00287; its issue #158).
            raise XapiError(
                "A PUT of a profile document needs If-None-Match: * (to create it) or If-Match with its "
                "current ETag (to replace it).",
                path="If-None-Match",
                rule="concurrency",
            )


def _lock(key: DocumentKey, doc_id: str) -> None:
    """Serialise writers of one document on PostgreSQL (creation included)."""
    if connection.vendor != "postgresql":
        return
    text = f"{key.kind}\x1f{key.activity_iri}\x1f{key.agent_ifi}\x1f{key.registration or ''}\x1f{doc_id}"
    lock_id = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


def _current(key: DocumentKey, doc_id: str, *, for_update: bool = False) -> Document | None:
    qs = key.queryset().filter(doc_id=doc_id)
    if for_update:
        qs = qs.select_for_update()
    return qs.order_by("-updated", "-id").first()


def _parse_json_object(content: bytes, *, what: str) -> dict[str, Any]:
    try:
        value = json.loads(content or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise XapiError(f"The {what} is not valid JSON: {exc}", rule="document-json") from None
    if not isinstance(value, dict):
        raise XapiError(f"The {what} must be a JSON object to be merged.", rule="document-merge")
    return value


def _save(current: Document | None, *, key: DocumentKey, doc_id: str, content: bytes, content_type: str) -> Document:
    now = timezone.now()
    if current is None:
        return Document.objects.create(
            kind=key.kind,
            activity_iri=key.activity_iri,
            agent_ifi=key.agent_ifi,
            registration=key.registration,
            doc_id=doc_id,
            content=content,
            content_type=content_type,
            etag=etag_of(content),
            updated=now,
        )
    current.content = content
    current.content_type = content_type
    current.etag = etag_of(content)
    current.updated = now
    current.save(update_fields=["content", "content_type", "etag", "updated"])
    return current


@transaction.atomic
def document_put(
    *,
    key: DocumentKey,
    doc_id: str,
    content: bytes,
    content_type: str,
    if_match: str | None = None,
    if_none_match: str | None = None,
    require_precondition: bool | None = None,
) -> Document:
    """Store ``content`` as the document, replacing any existing one (xAPI PUT).

    ``require_precondition``: replacing an existing document without If-Match or
    If-None-Match is a 409. Default: for profiles only (1.0.3 exempts the State resource);
    xAPI 2.0 requires it of the State resource too (IEEE 9274.1.1 4.1.4).
    """
    content_type = content_type or DEFAULT_TYPE
    if is_json_type(content_type):
        try:
            json.loads(content or b"")
        except (ValueError, UnicodeDecodeError) as exc:
            raise XapiError(
                f"The document is declared application/json but is not valid JSON: {exc}", rule="document-json"
            ) from None
    _lock(key, doc_id)
    current = _current(key, doc_id, for_update=True)
    _check_preconditions(
        current,
        if_match=if_match,
        if_none_match=if_none_match,
        method="PUT",
        key=key,
        require_precondition=require_precondition,
    )
    return _save(current, key=key, doc_id=doc_id, content=content, content_type=content_type)


@transaction.atomic
def document_post(
    *,
    key: DocumentKey,
    doc_id: str,
    content: bytes,
    content_type: str,
    if_match: str | None = None,
    if_none_match: str | None = None,
) -> Document:
    """Merge a JSON object into the document, or create it (xAPI POST).

    No document yet: the POST is a PUT (Communication 2.2: "treats it as a PUT and stores
    a new document"), whatever the content type: an LRS cannot reject a POST because of
    the document's contents (the suites post "1" and "true" as forms). A document already
    there: both it and the posted one must be ``application/json`` objects (400 otherwise,
    nothing changed); the posted top-level properties replace those of the same name, the
    others are kept.
    """
    content_type = content_type or DEFAULT_TYPE
    posting_json = is_json_type(content_type)
    posted: dict[str, Any] | None = None
    if posting_json:
        try:
            value = json.loads(content or b"")
        except (ValueError, UnicodeDecodeError) as exc:
            raise XapiError(
                f"The document is declared application/json but is not valid JSON: {exc}", rule="document-json"
            ) from None
        posted = value if isinstance(value, dict) else None
    _lock(key, doc_id)
    current = _current(key, doc_id, for_update=True)
    _check_preconditions(current, if_match=if_match, if_none_match=if_none_match, method="POST", key=key)
    if current is None:
        return _save(None, key=key, doc_id=doc_id, content=content, content_type=content_type)
    if posted is None:
        raise XapiError(
            "POST merges JSON objects: this document already exists, so send a JSON object as "
            "application/json (use PUT to replace it).",
            rule="document-merge",
        )
    if not is_json_type(current.content_type):
        raise XapiError(
            f"The existing document is {current.content_type}, not application/json: it cannot be merged; "
            "replace it with PUT.",
            rule="document-merge",
        )
    merged = _parse_json_object(bytes(current.content), what="existing document")
    merged.update(posted)
    body = json.dumps(merged, ensure_ascii=False, separators=(",", ":")).encode()
    return _save(current, key=key, doc_id=doc_id, content=body, content_type=JSON_TYPE)


def document_get(*, key: DocumentKey, doc_id: str) -> Document | None:
    """The document, or None."""
    return _current(key, doc_id)


def document_ids(*, key: DocumentKey, since: dt.datetime | None = None) -> list[str]:
    """The ids of the documents under ``key`` (updated after ``since`` when given)."""
    qs = key.queryset()
    if since is not None:
        qs = qs.filter(updated__gt=since)
    return list(qs.order_by("doc_id").values_list("doc_id", flat=True).distinct())


@transaction.atomic
def document_delete(
    *, key: DocumentKey, doc_id: str, if_match: str | None = None, if_none_match: str | None = None
) -> bool:
    """Delete the document; False when there was none (deleting nothing is not an error)."""
    _lock(key, doc_id)
    current = _current(key, doc_id, for_update=True)
    _check_preconditions(current, if_match=if_match, if_none_match=if_none_match, method="DELETE", key=key)
    if current is None:
        return False
    key.queryset().filter(doc_id=doc_id).delete()
    return True


@transaction.atomic
def document_delete_all(*, key: DocumentKey) -> int:
    """Delete every document under ``key`` (the State resource's DELETE without stateId)."""
    count, _ = key.queryset().delete()
    return count
