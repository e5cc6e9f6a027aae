"""Launching a step from the learner portal (decision 0034).

A plain step (a video, a document, a link…) opens its URL. A step whose content reports to an
LRS (an e-learning module, a quiz, an assignment) is launched the usual xAPI way ("Tin Can
launch"): its URL gets ``endpoint`` (this Pilotage's /xapi/), ``auth`` (HTTP Basic of a
credential made for this launch: write statements, read its own, keep state; 4 hours),
``actor`` (the learner's Agent, JSON), ``registration`` (the enrolment's — so the content's
statements come back to the right enrolment) and ``activity_id`` (the step's IRI).

Either way a "launched" statement is stored (through the one write path, ``statement_store``):
the step shows "in progress" at once, even if the content never reports.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pilotage.core.audit import audit_record
from pilotage.core.errors import ValidationFailed
from pilotage.delivery import xapi
from pilotage.delivery.models import Enrolment, StepProgress
from pilotage.lrs import credentials
from pilotage.lrs.models import LrsClient
from pilotage.lrs.services import iso_timestamp, statement_store
from pilotage.programmes import paths
from pilotage.programmes.models import PathStep

# Step kinds whose content is expected to speak xAPI: they get the launch parameters and a
# credential. The others only open their URL (no credential handed to a video host).
XAPI_KINDS = frozenset({"elearning", "quiz", "assignment"})
# Steps nothing can report on (no content sending statements, no session taking attendance):
# the learner says "done" themselves (``step_mark_done``).
SELF_DECLARED_KINDS = frozenset({"video", "document", "link", "peer"})

ACTIVITY_TYPE = "http://adlnet.gov/expapi/activities/lesson"


@dataclass(frozen=True)
class Launch:
    url: str
    xapi: bool
    statement_id: str
    client: LrsClient | None = None


def completed_step_ids(enrolment: Enrolment) -> set[int]:
    return set(
        StepProgress.objects.filter(enrolment=enrolment, status=StepProgress.Status.COMPLETED).values_list(
            "step_id", flat=True
        )
    )


def path_steps(enrolment: Enrolment) -> list[PathStep]:
    return list(
        PathStep.objects.filter(path_id=enrolment.cohort.path_id)
        .prefetch_related("prerequisites")
        .order_by("position", "id")
    )


def _check_launchable(enrolment: Enrolment, step: PathStep) -> None:
    if step.path_id != enrolment.cohort.path_id:
        raise ValidationFailed({"step": [_("This step is not part of your learning path.")]})
    if enrolment.status not in Enrolment.SEATED:
        raise ValidationFailed(
            {
                "enrolment": [
                    _("Your enrolment is “%(status)s”: you can start the steps once you are enrolled.")
                    % {"status": enrolment.get_status_display()}
                ]
            }
        )
    steps = path_steps(enrolment)
    if step.pk in paths.locked_step_ids(paths.step_infos(steps), completed_step_ids(enrolment)):
        needed = [p.title for p in step.prerequisites.all()]
        raise ValidationFailed(
            {
                "step": [
                    _("“%(step)s” is locked: complete first %(needed)s.")
                    % {"step": step.title, "needed": ", ".join(f"“{t}”" for t in needed)}
                ]
            }
        )


def _statement(enrolment: Enrolment, step: PathStep, verb_iri: str) -> dict[str, Any]:
    path = enrolment.cohort.path
    return {
        "id": str(uuid.uuid4()),
        "actor": xapi.employee_actor(enrolment.employee),
        "verb": xapi.verb(verb_iri),
        "object": {
            "objectType": "Activity",
            "id": step.activity_iri,
            "definition": {"name": {path.language or "fr": step.title}, "type": ACTIVITY_TYPE},
        },
        "context": {
            "registration": str(enrolment.registration),
            "contextActivities": {"parent": [{"id": paths.path_iri(path.uid)}]},
            "platform": "Pilotage",
        },
        "timestamp": iso_timestamp(timezone.now()),
    }


def launch_url(base: str, params: dict[str, str]) -> str:
    """``base`` with ``params`` added to its query string (its own parameters kept)."""
    parts = urlsplit(base)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(parts._replace(query=urlencode([*query, *params.items()])))


@transaction.atomic
def step_launch(*, actor: Any, enrolment: Enrolment, step: PathStep) -> Launch:
    """Launch ``step`` for the learner of ``enrolment``: refuses a step of another path, an
    enrolment not seated yet (pending, waitlisted) or gone, a step locked behind its
    prerequisites and a step without an address; stores a "launched" statement; for xAPI
    content, creates the launch credential and returns the URL with the launch parameters."""
    _check_launchable(enrolment, step)
    if not step.url:
        raise ValidationFailed(
            {
                "step": [
                    _("“%(step)s” has no address to open: see its description or its sessions.") % {"step": step.title}
                ]
            }
        )
    statement = _statement(enrolment, step, xapi.VERB_LAUNCHED)
    statement_store(statements=[statement], client=None, version="2.0.0")
    audit_record(
        actor=actor, action="enrolment.launch", instance=enrolment, changes={"step": step.pk}, note=step.title[:300]
    )
    if step.kind not in XAPI_KINDS:
        return Launch(url=step.url, xapi=False, statement_id=statement["id"])
    client, secret = credentials.launch_credential_create(
        actor=actor, name=f"launch {enrolment.cohort.code} {enrolment.employee.employee_number}"
    )
    auth = "Basic " + base64.b64encode(f"{client.key}:{secret}".encode()).decode()
    params = {
        "endpoint": credentials.xapi_endpoint(),
        "auth": auth,
        "actor": json.dumps(xapi.employee_actor(enrolment.employee), separators=(",", ":"), ensure_ascii=False),
        "registration": str(enrolment.registration),
        "activity_id": step.activity_iri,
    }
    return Launch(url=launch_url(step.url, params), xapi=True, statement_id=statement["id"], client=client)


@transaction.atomic
def step_mark_done(*, actor: Any, enrolment: Enrolment, step: PathStep) -> str:
    """The learner says they finished a step nothing else can report on (a video, a document, a
    link, a peer activity): a "completed" statement, like content would send. Returns its id."""
    _check_launchable(enrolment, step)
    if step.kind not in SELF_DECLARED_KINDS:
        raise ValidationFailed(
            {"step": [_("“%(step)s” is completed by its content or its session, not by hand.") % {"step": step.title}]}
        )
    statement = _statement(enrolment, step, xapi.VERB_COMPLETED)
    statement["result"] = {"completion": True}
    statement_store(statements=[statement], client=None, version="2.0.0")
    audit_record(
        actor=actor, action="enrolment.step_done", instance=enrolment, changes={"step": step.pk}, note=step.title[:300]
    )
    return str(statement["id"])
