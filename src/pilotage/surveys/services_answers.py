"""Answering a survey: validate the answers, store the response once, and record each answer
as an xAPI statement through the LRS's one write path (``statement_store``).

Once only (decision 0037): the invitation is claimed by a conditional update
(``answered_at IS NULL`` → now) inside the transaction that stores the response. Two submits
racing (two tabs, a double tap, two web processes) both validate, but only one update matches
the row; the other gets ``AlreadyAnswered`` and its transaction stores nothing.

Anonymous surveys (decision 0027): the response keeps no invitation and the statements carry a
one-off anonymous account as actor and no registration. No time finer than the day is kept:
``Invitation.answered_at`` is midnight (site time zone) of the day, ``Response.submitted_at`` and
the statements' ``timestamp`` are noon of that day, and no audit event is written (its own time
and its invitation would name the respondent and the minute of the answer).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pilotage.core.audit import audit_record
from pilotage.core.errors import NotFound, ValidationFailed
from pilotage.core.site import site_url
from pilotage.delivery import xapi
from pilotage.lrs.services import statement_store
from pilotage.programmes import paths
from pilotage.surveys.models import Answer, Invitation, Question, Response, Survey

MAX_TEXT = 5000
ANON_HOMEPAGE_SUFFIX = "/xapi/anonymous"
EXT_ROLE = "https://w3id.org/xapi/pilotage/extensions/respondent-role"
EXT_ABOUT = "https://w3id.org/xapi/pilotage/extensions/about-registration"
LANG_KEYS = {"fr": "fr-FR", "en": "en-US"}


class AlreadyAnswered(ValidationFailed):
    """The invitation was answered already (maybe a moment ago, by a concurrent submit)."""


class InvitationClosed(ValidationFailed):
    """Past its closing date, or its survey archived."""


def question_iri(question: Question) -> str:
    return site_url(f"/xapi/activities/questions/{question.uid}")


def survey_iri(survey: Survey) -> str:
    return site_url(f"/xapi/activities/surveys/{survey.uid}")


# --- validation -------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _clean_one(question: Question, number: int, value: Any) -> dict[str, Any] | str:
    """The stored form of one answer, or the message to show."""
    kind = question.kind
    if kind in (Question.Kind.LIKERT, Question.Kind.RATING, Question.Kind.NPS):
        low = 0 if kind == Question.Kind.NPS else 1
        high = {"likert": 5, "nps": 10}.get(str(kind), question.scale_max)
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        number_value = _as_int(value)
        if number_value is None or not low <= number_value <= high:
            return _("Question %(n)s: choose a whole number from %(low)s to %(high)s (received “%(value)s”).") % {
                "n": number,
                "low": low,
                "high": high,
                "value": str(value)[:20],
            }
        return {"number": float(number_value)}
    offered = [c["value"] for c in question.choices]
    if kind == Question.Kind.SINGLE:
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if not isinstance(value, str) or value not in offered:
            return _("Question %(n)s: “%(value)s” is not one of the choices offered.") % {
                "n": number,
                "value": str(value)[:40],
            }
        return {"choices": [value]}
    if kind == Question.Kind.MULTIPLE:
        values = value if isinstance(value, list) else [value]
        chosen: list[str] = []
        for item in values:
            if not isinstance(item, str) or item not in offered:
                return _("Question %(n)s: “%(value)s” is not one of the choices offered.") % {
                    "n": number,
                    "value": str(item)[:40],
                }
            if item not in chosen:
                chosen.append(item)
        return {"choices": [v for v in offered if v in chosen]}  # in the order offered
    if not isinstance(value, str):
        return _("Question %(n)s: write your answer as text.") % {"n": number}
    if len(value) > MAX_TEXT:
        return _("Question %(n)s: at most %(max)s characters (you wrote %(len)s).") % {
            "n": number,
            "max": MAX_TEXT,
            "len": len(value),
        }
    return {"text": value.strip()}


def clean_answers(questions: list[Question], raw: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Check ``raw`` (keys ``"q<id>"`` or ``"<id>"``; values as a form or JSON gives them)
    against the questions; return the stored form per question id. Raises ``ValidationFailed``
    keyed ``q<id>`` for each bad or missing answer, naming the question's number."""
    by_key: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    ids = {q.pk for q in questions}
    for key, value in raw.items():
        text_key = str(key)
        qid = _as_int(text_key[1:] if text_key.startswith("q") else text_key)
        if qid is None or qid not in ids:
            errors[text_key] = [_("“%(key)s” is not a question of this survey.") % {"key": text_key[:40]}]
            continue
        by_key[f"q{qid}"] = value
    cleaned: dict[int, dict[str, Any]] = {}
    for number, question in enumerate(questions, start=1):
        value = by_key.get(f"q{question.pk}")
        if _blank(value):
            if question.required:
                errors[f"q{question.pk}"] = [_("Question %(n)s needs an answer.") % {"n": number}]
            continue
        result = _clean_one(question, number, value)
        if isinstance(result, str):
            errors[f"q{question.pk}"] = [result]
        else:
            cleaned[question.pk] = result
    if errors:
        raise ValidationFailed(errors)
    return cleaned


# --- statements -------------------------------------------------------------------------------


def _lang_map(fr: str, en: str) -> dict[str, str]:
    return {LANG_KEYS["fr"]: fr, LANG_KEYS["en"]: en}


def _question_definition(question: Question) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
        "name": _lang_map(question.text_fr, question.text_en),
    }
    if question.kind == Question.Kind.LIKERT:
        definition["interactionType"] = "likert"
        definition["scale"] = [{"id": str(i), "description": {"en-US": str(i)}} for i in range(1, 6)]
    elif question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        definition["interactionType"] = "choice"
        definition["choices"] = [
            {"id": c["value"], "description": _lang_map(c["fr"], c["en"])} for c in question.choices
        ]
    elif question.kind == Question.Kind.TEXT:
        definition["interactionType"] = "long-fill-in"
    else:
        definition["interactionType"] = "numeric"
    return definition


def _response_text(question: Question, stored: dict[str, Any]) -> str:
    if "number" in stored:
        return str(int(stored["number"]))
    if "choices" in stored:
        return "[,]".join(stored["choices"])
    return str(stored.get("text", ""))


def build_statements(
    *,
    survey: Survey,
    questions: list[Question],
    cleaned: dict[int, dict[str, Any]],
    invitation: Invitation | None,
    actor: dict[str, Any],
    language: str,
    registration: str | None,
    about_registration: str | None,
    role: str,
    path_uid: Any = None,
) -> list[dict[str, Any]]:
    """One ``answered`` statement per answer and one ``responded`` for the whole survey."""
    survey_activity = {
        "objectType": "Activity",
        "id": survey_iri(survey),
        "definition": {
            "type": "http://id.tincanapi.com/activitytype/survey",
            "name": _lang_map(survey.title_fr, survey.title_en),
        },
    }
    context: dict[str, Any] = {
        "language": LANG_KEYS.get(language, "fr-FR"),
        "contextActivities": {"parent": [survey_activity]},
        "extensions": {EXT_ROLE: role},
    }
    if path_uid is not None:
        context["contextActivities"]["grouping"] = [{"objectType": "Activity", "id": paths.path_iri(path_uid)}]
    if registration:
        context["registration"] = registration
    if about_registration:
        context["extensions"][EXT_ABOUT] = about_registration
    # The survey-level statement: same context, without the survey itself as its parent.
    survey_context = {k: v for k, v in context.items() if k != "contextActivities"}
    if path_uid is not None:
        survey_context["contextActivities"] = {"grouping": context["contextActivities"]["grouping"]}
    statements = []
    for question in questions:
        if question.pk not in cleaned:
            continue
        statements.append(
            {
                "id": str(uuid.uuid4()),
                "actor": actor,
                "verb": xapi.verb(xapi.VERB_ANSWERED),
                "object": {
                    "objectType": "Activity",
                    "id": question_iri(question),
                    "definition": _question_definition(question),
                },
                "result": {"response": _response_text(question, cleaned[question.pk])},
                "context": context,
            }
        )
    statements.append(
        {
            "id": str(uuid.uuid4()),
            "actor": actor,
            "verb": xapi.verb(xapi.VERB_RESPONDED),
            "object": survey_activity,
            "result": {"completion": True},
            "context": survey_context,
        }
    )
    return statements


def anonymous_actor() -> dict[str, Any]:
    """A one-off account: nothing ties it to the person, nor two answers to each other."""
    return {
        "objectType": "Agent",
        "account": {"homePage": site_url(ANON_HOMEPAGE_SUFFIX), "name": f"anonymous-{uuid.uuid4()}"},
    }


def day_of(moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Midnight and noon, in the site's time zone, of the day of ``moment``: the only times an
    anonymous answer keeps (decision 0027)."""
    day = timezone.localtime(moment).date()
    zone = timezone.get_default_timezone()
    midnight = timezone.make_aware(dt.datetime.combine(day, dt.time.min), zone)
    noon = timezone.make_aware(dt.datetime.combine(day, dt.time(12)), zone)
    return midnight, noon


# --- the service ------------------------------------------------------------------------------


@transaction.atomic
def answer_submit(
    *,
    actor: Any,
    invitation: Invitation,
    answers: dict[str, Any],
    language: str = "",
    at: dt.datetime | None = None,
) -> Response:
    """Store the answers to ``invitation`` once, with the context the results need (programme,
    cohort, session, facilitators, org unit), and their xAPI statements. Raises
    ``ValidationFailed`` (per question), ``AlreadyAnswered``, ``InvitationClosed``; ``NotFound``
    when a signed-in ``actor`` is not the respondent.

    ``at`` is when the answer was given (default: now): it dates ``answered_at``,
    ``submitted_at`` and the statements' ``timestamp`` (the day only when anonymous), and the
    invitation must still be open at that time (the demo replays a past year with it)."""
    actor_employee = getattr(actor, "employee_id", None)
    if getattr(actor, "is_authenticated", False) and actor_employee != invitation.respondent_id:
        raise NotFound(_("No such invitation."))
    survey = invitation.survey
    now = at if at is not None else timezone.now()
    if invitation.answered_at is not None:
        raise AlreadyAnswered({"__all__": [_("You have already answered this survey: thank you. One answer only.")]})
    if survey.status != Survey.Status.PUBLISHED or (invitation.closes_at is not None and invitation.closes_at <= now):
        raise InvitationClosed({"__all__": [_("This survey is closed: answers are no longer collected.")]})
    questions = list(survey.questions.order_by("position", "id"))
    cleaned = clean_answers(questions, answers)
    if not cleaned:
        raise ValidationFailed({"__all__": [_("Answer at least one question.")]})

    # Anonymous: the day only, everywhere the answer leaves a time (decision 0027).
    midnight, noon = day_of(now)
    answered_at = midnight if survey.anonymous else now
    # The claim: one submit only gets the row, even with two racing (see the module docstring).
    claimed = Invitation.objects.filter(pk=invitation.pk, answered_at__isnull=True).update(answered_at=answered_at)
    if not claimed:
        raise AlreadyAnswered({"__all__": [_("You have already answered this survey: thank you. One answer only.")]})
    invitation.answered_at = answered_at

    respondent = invitation.respondent
    language = (
        language if language in LANG_KEYS else (respondent.language if respondent.language in LANG_KEYS else "fr")
    )
    enrolment = invitation.enrolment
    session = invitation.session
    cohort = enrolment.cohort if enrolment is not None else (session.cohort if session is not None else None)
    programme = survey.programme or (cohort.path.programme if cohort is not None else None)
    learner = enrolment.employee if enrolment is not None else respondent
    response = Response.objects.create(
        survey=survey,
        invitation=None if survey.anonymous else invitation,
        programme=programme,
        cohort=cohort,
        session=session,
        org_unit_id=learner.org_unit_id,
        role=invitation.role,
        language=language,
        # Anonymous: the day only (noon), so that no time ties it to its invitation.
        submitted_at=noon if survey.anonymous else now,
    )
    facilitator_ids: set[int] = set()
    if session is not None:
        facilitator_ids |= set(session.facilitators.values_list("pk", flat=True))
    if cohort is not None and not facilitator_ids:
        facilitator_ids |= set(cohort.facilitators.values_list("pk", flat=True))
    if facilitator_ids:
        response.facilitators.set(facilitator_ids)
    Answer.objects.bulk_create(
        [
            Answer(
                response=response,
                question_id=qid,
                number=stored.get("number"),
                text=stored.get("text", ""),
                choices=stored.get("choices", []),
            )
            for qid, stored in cleaned.items()
        ]
    )

    registration = about = None
    if not survey.anonymous and enrolment is not None:
        if invitation.role == "learner":
            registration = str(enrolment.registration)
        else:
            about = str(enrolment.registration)
    statements = build_statements(
        survey=survey,
        questions=questions,
        cleaned=cleaned,
        invitation=invitation,
        actor=anonymous_actor() if survey.anonymous else xapi.employee_actor(respondent),
        language=language,
        registration=registration,
        about_registration=about,
        role=invitation.role,
        path_uid=cohort.path.uid if cohort is not None else None,
    )
    if survey.anonymous or at is not None:
        stamp = noon.isoformat() if survey.anonymous else now.isoformat()
        for statement in statements:
            statement["timestamp"] = stamp
    statement_store(statements=statements, client=None, version="2.0.0")
    if not survey.anonymous:
        # The audit says that the invitation was answered, never which response it gave. An
        # anonymous answer has no audit event: it would name the respondent with the minute.
        audit_record(actor=actor, action="survey.answer", instance=invitation, note=f"survey {survey.pk}")
    return response
