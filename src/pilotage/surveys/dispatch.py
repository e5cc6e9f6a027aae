"""The survey dispatcher, a periodic job (``core.schedule``, "surveys.dispatch"): invitations
from the programmes' dispatch rules, and one reminder to those who have not answered.

- after_session: each *held* session of the programme's cohorts, once ``delay_days`` have passed
  since it ended — to the learners who attended it (present or late), or, when no attendance was
  taken, to the cohort's seated learners;
- after_completion: each *completed* enrolment, ``delay_days`` after completion — to the learner,
  or to the learner's manager (cold evaluation of the manager).

Idempotent (decision 0037): each invitation has a unique ``key`` (rule, occasion, enrolment,
audience): a rule invites each person once per occasion, whatever survey it points to later. It
is inserted in its own transaction before its e-mail is queued (the mail leaves on commit); a
second worker's insert of the same key fails and sends nothing. Invitations sent before keys
named the rule (``<survey>:…``) are recognised by their rule, enrolment, session and role. A reminder is claimed
by a conditional update of ``reminded_at``, so it goes out once. Occasions older than the
rule's closing window are skipped, so a new rule does not invite for last year's sessions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from pilotage.core.mail import notify
from pilotage.delivery.models import Attendance, Enrolment, Session
from pilotage.surveys import display
from pilotage.surveys.models import DispatchRule, Invitation, Survey

PRESENT = (Attendance.Status.PRESENT, Attendance.Status.LATE)


@dataclass
class DispatchResult:
    invited: int = 0
    reminded: int = 0


@dataclass(frozen=True)
class _Candidate:
    key: str
    respondent: Any
    role: str
    enrolment: Enrolment
    session: Session | None
    occurred_at: dt.datetime


def invitation_key(*, rule_id: int, occasion: str, enrolment_id: int, role: str) -> str:
    """``r<rule>:<occasion>:<enrolment>:<role>``; occasion is ``session-<id>`` or ``completion``.
    (Invitations sent before this format have ``<survey>:<occasion>:…``; they stay valid.)"""
    return f"r{rule_id}:{occasion}:{enrolment_id}:{role}"


def _session_candidates(rule: DispatchRule, now: dt.datetime) -> list[_Candidate]:
    """The learners of each held session in the rule's window: three queries in all (sessions,
    their attendance marks, the enrolments), whatever the number of sessions."""
    window_start = now - dt.timedelta(days=rule.delay_days + rule.close_after_days)
    sessions = list(
        Session.objects.filter(
            cohort__path__programme_id=rule.programme_id,
            status=Session.Status.HELD,
            ends_at__lte=now - dt.timedelta(days=rule.delay_days),
            ends_at__gt=window_start,
        ).order_by("ends_at", "pk")
    )
    if not sessions:
        return []
    marks: dict[int, list[tuple[int, str]]] = {}
    for session_id, enrolment_id, status in Attendance.objects.filter(session__in=sessions).values_list(
        "session_id", "enrolment_id", "status"
    ):
        marks.setdefault(session_id, []).append((enrolment_id, status))
    present = {session_id: {e for e, status in rows if status in PRESENT} for session_id, rows in marks.items()}
    unmarked_cohorts = {s.cohort_id for s in sessions if s.pk not in marks}
    wanted = Q(pk__in={e for ids in present.values() for e in ids}) | Q(
        cohort_id__in=unmarked_cohorts, status__in=Enrolment.SEATED
    )
    enrolments = list(
        Enrolment.objects.filter(wanted, employee__active=True).select_related("employee", "cohort").order_by("pk")
    )
    out = []
    for session in sessions:
        if session.pk in marks:
            chosen = [e for e in enrolments if e.pk in present[session.pk]]
        else:
            chosen = [e for e in enrolments if e.cohort_id == session.cohort_id and e.status in Enrolment.SEATED]
        for enrolment in chosen:
            out.append(
                _Candidate(
                    key=invitation_key(
                        rule_id=rule.pk, occasion=f"session-{session.pk}", enrolment_id=enrolment.pk, role="learner"
                    ),
                    respondent=enrolment.employee,
                    role="learner",
                    enrolment=enrolment,
                    session=session,
                    occurred_at=session.ends_at,
                )
            )
    return out


def _completion_candidates(rule: DispatchRule, now: dt.datetime) -> list[_Candidate]:
    window_start = now - dt.timedelta(days=rule.delay_days + rule.close_after_days)
    enrolments = Enrolment.objects.filter(
        cohort__path__programme_id=rule.programme_id,
        status=Enrolment.Status.COMPLETED,
        completed_at__lte=now - dt.timedelta(days=rule.delay_days),
        completed_at__gt=window_start,
    ).select_related("employee", "employee__manager", "cohort")
    out = []
    for enrolment in enrolments:
        role = rule.audience
        respondent = enrolment.employee if role == DispatchRule.Audience.LEARNER else enrolment.employee.manager
        if respondent is None or not respondent.active:
            continue
        assert enrolment.completed_at is not None
        out.append(
            _Candidate(
                key=invitation_key(rule_id=rule.pk, occasion="completion", enrolment_id=enrolment.pk, role=role),
                respondent=respondent,
                role=role,
                enrolment=enrolment,
                session=None,
                occurred_at=enrolment.completed_at,
            )
        )
    return out


def _taken(rule: DispatchRule, candidates: list[_Candidate]) -> set[str]:
    """The candidates' keys already invited: by key, or — for invitations sent before keys named
    the rule — by the rule, enrolment, session and role they were sent for."""
    taken = set(Invitation.objects.filter(key__in=[c.key for c in candidates]).values_list("key", flat=True))
    sent = set(
        Invitation.objects.filter(rule=rule, enrolment_id__in={c.enrolment.pk for c in candidates}).values_list(
            "enrolment_id", "session_id", "role"
        )
    )
    for c in candidates:
        if (c.enrolment.pk, c.session.pk if c.session is not None else None, c.role) in sent:
            taken.add(c.key)
    return taken


def _answer_url(invitation: Invitation) -> str:
    return reverse("surveys:answer", args=[invitation.token])


def _mail_context(invitation: Invitation, survey: Survey) -> dict[str, Any]:
    language = invitation.respondent.language or "fr"
    enrolment = invitation.enrolment
    return {
        "invitation": invitation,
        "survey_title": display.survey_title(survey, language),
        "answer_path": _answer_url(invitation),
        "learner": enrolment.employee if enrolment is not None else None,
        "cohort": enrolment.cohort if enrolment is not None else None,
        "session": invitation.session,
        "role": invitation.role,
        "anonymous": survey.anonymous,
    }


def _invite(rule: DispatchRule, candidate: _Candidate, now: dt.datetime) -> bool:
    """Insert one invitation and queue its e-mail, in one transaction; False when the key is
    taken (already sent, maybe by another worker a moment ago)."""
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                key=candidate.key,
                survey=rule.survey,
                rule=rule,
                respondent=candidate.respondent,
                role=candidate.role,
                enrolment=candidate.enrolment,
                session=candidate.session,
                sent_at=now,
                closes_at=now + dt.timedelta(days=rule.close_after_days),
            )
            notify(
                recipient=candidate.respondent,
                template="surveys/mail/invitation",
                context=_mail_context(invitation, rule.survey),
            )
    except IntegrityError:
        return False
    return True


def dispatch_invitations(*, now: dt.datetime | None = None) -> int:
    """Create the invitations that are due; return how many were sent."""
    now = now or timezone.now()
    sent = 0
    rules = DispatchRule.objects.filter(active=True, survey__status=Survey.Status.PUBLISHED).select_related("survey")
    for rule in rules:
        if rule.trigger == DispatchRule.Trigger.AFTER_SESSION:
            candidates = _session_candidates(rule, now)
        else:
            candidates = _completion_candidates(rule, now)
        if not candidates:
            continue
        taken = _taken(rule, candidates)
        for candidate in candidates:
            if candidate.key not in taken and _invite(rule, candidate, now):
                sent += 1
    return sent


def send_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind once each respondent who has not answered ``remind_after_days`` after the
    invitation (while it is open); return how many reminders were sent."""
    now = now or timezone.now()
    due = (
        Invitation.objects.filter(
            answered_at__isnull=True,
            reminded_at__isnull=True,
            rule__remind_after_days__isnull=False,
            rule__active=True,
            survey__status=Survey.Status.PUBLISHED,
            closes_at__gt=now,
        )
        .select_related(
            "rule", "survey", "respondent", "enrolment", "enrolment__employee", "enrolment__cohort", "session"
        )
        .order_by("pk")
    )
    sent = 0
    for invitation in due:
        assert invitation.rule is not None and invitation.rule.remind_after_days is not None
        if invitation.sent_at + dt.timedelta(days=invitation.rule.remind_after_days) > now:
            continue
        with transaction.atomic():
            claimed = Invitation.objects.filter(
                pk=invitation.pk, reminded_at__isnull=True, answered_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            context = _mail_context(invitation, invitation.survey)
            context["closes_at"] = invitation.closes_at
            notify(recipient=invitation.respondent, template="surveys/mail/reminder", context=context)
        sent += 1
    return sent


def dispatch_due(*, now: dt.datetime | None = None) -> DispatchResult:
    """The periodic job: invitations then reminders. Safe to run twice, late, or on two workers."""
    now = now or timezone.now()
    return DispatchResult(invited=dispatch_invitations(now=now), reminded=send_reminders(now=now))


def run_scheduled() -> DispatchResult:
    """Entry point for ``core.schedule`` (no argument)."""
    return dispatch_due()
