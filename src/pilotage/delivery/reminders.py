"""Reminders and nudges: the rules of a programme (``ReminderRule``) and the engine that sends
them (``send_due_reminders``, a periodic job of ``pilotage.core.schedule``).

Kinds of rule:

- ``before_session``: ``days`` days (or less) before a session of a running cohort, to every
  seated learner (once per session and start time: a session moved later is reminded again);
- ``inactivity``: an active enrolment without activity (``last_activity_at``, else its start)
  for ``days`` days; a new activity starts a new episode;
- ``overdue``: ``days`` days after the due date of an active enrolment not completed.

``repeat_every_days`` repeats an inactivity or overdue reminder while the cause remains (empty:
once); ``escalate_after`` writes to the learner's manager once the learner got that many
reminders of the episode (once per episode).

Idempotency (decision 0033): each send has a key (rule, cause, enrolment, episode, repeat
number, recipient). The ``ReminderSend`` row with that unique key is inserted and committed
*before* the mail leaves (``transaction.on_commit``): a second run, or a second worker racing
this one, fails to insert the same key and sends nothing. The price is "at most once": a
mail server down at that moment loses that reminder (logged), it is never sent twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pilotage.core.audit import audit_record
from pilotage.core.errors import ValidationFailed
from pilotage.core.mail import notify
from pilotage.core.site import site_url
from pilotage.delivery.models import Cohort, Enrolment, ReminderRule, ReminderSend, Session

logger = logging.getLogger(__name__)

MAX_DAYS = 365
RUNNING_COHORTS = (Cohort.Status.OPEN, Cohort.Status.RUNNING, Cohort.Status.PLANNED)
TEMPLATES = {
    ReminderRule.Kind.BEFORE_SESSION: "delivery/mail/reminder_before_session",
    ReminderRule.Kind.INACTIVITY: "delivery/mail/reminder_inactivity",
    ReminderRule.Kind.OVERDUE: "delivery/mail/reminder_overdue",
}
MANAGER_TEMPLATE = "delivery/mail/reminder_manager"


# --- rules (services) -----------------------------------------------------------------------


def _check(*, kind: str, days: Any, repeat_every_days: Any, escalate_after: Any) -> None:
    errors: dict[str, list[str]] = {}
    if kind not in ReminderRule.Kind.values:
        errors["kind"] = [
            str(_("Choose one of: %(kinds)s.") % {"kinds": ", ".join(str(k) for k in ReminderRule.Kind.values)})
        ]
    for name, value, low in (("days", days, 0), ("repeat_every_days", repeat_every_days, 1)):
        if value is None and name != "days":
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= MAX_DAYS:
            errors[name] = [
                str(_("Give a whole number of days from %(low)d to %(high)d.") % {"low": low, "high": MAX_DAYS})
            ]
    if escalate_after is not None and (
        not isinstance(escalate_after, int) or isinstance(escalate_after, bool) or not 1 <= escalate_after <= 20
    ):
        errors["escalate_after"] = [str(_("Give a number of reminders from 1 to 20, or leave it empty."))]
    if kind == ReminderRule.Kind.BEFORE_SESSION and not errors:
        if repeat_every_days is not None:
            errors["repeat_every_days"] = [str(_("A reminder before a session is sent once: leave it empty."))]
        if escalate_after is not None:
            errors["escalate_after"] = [
                str(_("A reminder before a session is not escalated to the manager: leave it empty."))
            ]
        if days == 0:
            errors["days"] = [str(_("Remind at least 1 day before the session."))]
    if (
        "escalate_after" not in errors
        and "repeat_every_days" not in errors
        and isinstance(escalate_after, int)
        and escalate_after >= 2
        and repeat_every_days is None
    ):
        errors["escalate_after"] = [
            str(
                _(
                    "Without a repeat, only one reminder is sent, so the manager would never be told after "
                    "%(n)d reminders: set “Repeat every” or escalate after 1 reminder."
                )
                % {"n": escalate_after}
            )
        ]
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def reminder_rule_create(
    *,
    actor: Any,
    programme: Any,
    kind: str,
    days: int,
    repeat_every_days: int | None = None,
    escalate_after: int | None = None,
    active: bool = True,
) -> ReminderRule:
    """A reminder rule of ``programme`` (the DLM and the L&D team)."""
    _check(kind=kind, days=days, repeat_every_days=repeat_every_days, escalate_after=escalate_after)
    rule = ReminderRule.objects.create(
        programme=programme,
        kind=kind,
        days=days,
        repeat_every_days=repeat_every_days,
        escalate_after=escalate_after,
        active=active,
    )
    audit_record(
        actor=actor,
        action="create",
        instance=rule,
        changes={"kind": kind, "days": days, "repeat_every_days": repeat_every_days, "escalate_after": escalate_after},
    )
    return rule


@transaction.atomic
def reminder_rule_update(*, actor: Any, rule: ReminderRule, **values: Any) -> ReminderRule:
    """Change a rule; only the fields given. Sends already made stay (their keys carry the rule)."""
    allowed = {"kind", "days", "repeat_every_days", "escalate_after", "active"}
    unknown = set(values) - allowed
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: [str(_("This field cannot be changed."))]})
    merged = {name: getattr(rule, name) for name in allowed} | values
    _check(
        kind=merged["kind"],
        days=merged["days"],
        repeat_every_days=merged["repeat_every_days"],
        escalate_after=merged["escalate_after"],
    )
    changes = {k: [getattr(rule, k), v] for k, v in values.items() if getattr(rule, k) != v}
    for name, value in values.items():
        setattr(rule, name, value)
    rule.save(update_fields=[*values, "updated_at"])
    if changes:
        audit_record(actor=actor, action="update", instance=rule, changes=changes)
    return rule


@transaction.atomic
def reminder_rule_delete(*, actor: Any, rule: ReminderRule) -> None:
    """Delete a rule; its sends stay as history (``rule`` set to empty)."""
    audit_record(actor=actor, action="delete", instance=rule, note=f"{rule.kind} {rule.days}")
    rule.delete()


# --- the engine -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """One reminder to send (before the key check)."""

    key: str
    rule: ReminderRule
    enrolment: Enrolment
    to_manager: bool
    session: Session | None = None


def _number(elapsed: dt.timedelta, repeat_every_days: int | None) -> int:
    """Which repetition of an episode is due, ``elapsed`` after its first reminder."""
    if not repeat_every_days:
        return 0
    return max(0, elapsed.days // repeat_every_days)


def _episodes(rule: ReminderRule, now: dt.datetime, sent: dict[int, set[str]]) -> list[Due]:
    """Reminders of an inactivity or overdue rule due at ``now`` (one query for the enrolments)."""
    base = Enrolment.objects.filter(
        cohort__path__programme_id=rule.programme_id,
        cohort__status__in=RUNNING_COHORTS,
        status=Enrolment.Status.ACTIVE,
    ).select_related("employee", "employee__manager", "cohort", "cohort__path")
    out: list[Due] = []
    if rule.kind == ReminderRule.Kind.INACTIVITY:
        limit = now - dt.timedelta(days=rule.days)
        qs = base.filter(
            Q(last_activity_at__lte=limit)
            | Q(last_activity_at__isnull=True, cohort__starts_on__lte=limit.date(), created_at__lte=limit)
        )
        for e in qs:
            if e.last_activity_at:
                since = e.last_activity_at
            else:
                starts = dt.datetime.combine(e.cohort.starts_on, dt.time(), tzinfo=dt.UTC)
                since = max(starts, e.created_at)
            first = since + dt.timedelta(days=rule.days)
            out += _due(rule, e, f"{since:%Y%m%d%H%M}", now - first, sent)
    elif rule.kind == ReminderRule.Kind.OVERDUE:
        today = timezone.localdate(now)
        qs = base.filter(due_on__isnull=False, due_on__lte=today - dt.timedelta(days=rule.days))
        for e in qs:
            assert e.due_on is not None
            late = today - (e.due_on + dt.timedelta(days=rule.days))
            out += _due(rule, e, f"{e.due_on:%Y%m%d}", late, sent)
    return out


def _due(rule: ReminderRule, e: Enrolment, episode: str, elapsed: dt.timedelta, sent: dict[int, set[str]]) -> list[Due]:
    prefix = f"{rule.kind}:r{rule.pk}:e{e.pk}:{episode}"
    n = _number(elapsed, rule.repeat_every_days)
    keys = sent.get(e.pk, set())
    out = [Due(key=f"{prefix}:{n}", rule=rule, enrolment=e, to_manager=False)]
    if rule.escalate_after and e.employee.manager_id:
        learner_sends = sum(1 for k in keys if k.startswith(prefix + ":") and not k.endswith(":manager"))
        if learner_sends >= rule.escalate_after:
            out.append(Due(key=f"{prefix}:manager", rule=rule, enrolment=e, to_manager=True))
    return out


def _before_session(rule: ReminderRule, now: dt.datetime) -> list[Due]:
    sessions = list(
        Session.objects.filter(
            cohort__path__programme_id=rule.programme_id,
            cohort__status__in=RUNNING_COHORTS,
            status__in=[Session.Status.SCHEDULED, Session.Status.FULL],
            starts_at__gt=now,
            starts_at__lte=now + dt.timedelta(days=rule.days),
        ).select_related("cohort")
    )
    if not sessions:
        return []
    by_cohort: dict[int, list[Enrolment]] = {}
    for e in Enrolment.objects.filter(
        cohort_id__in={s.cohort_id for s in sessions}, status=Enrolment.Status.ACTIVE
    ).select_related("employee", "cohort", "cohort__path"):
        by_cohort.setdefault(e.cohort_id, []).append(e)
    return [
        Due(
            key=f"{rule.kind}:r{rule.pk}:s{s.pk}:{s.starts_at:%Y%m%d%H%M}:e{e.pk}",
            rule=rule,
            enrolment=e,
            to_manager=False,
            session=s,
        )
        for s in sessions
        for e in by_cohort.get(s.cohort_id, [])
    ]


def due_reminders(*, now: dt.datetime | None = None) -> list[Due]:
    """Every reminder due at ``now`` that has not been sent yet (a few queries per rule)."""
    now = now or timezone.now()
    rules = list(ReminderRule.objects.filter(active=True).select_related("programme").order_by("pk"))
    out: list[Due] = []
    for rule in rules:
        sent: dict[int, set[str]] = {}
        for key, enrolment_id in ReminderSend.objects.filter(rule=rule).values_list("key", "enrolment_id"):
            sent.setdefault(enrolment_id, set()).add(key)
        todo = (
            _before_session(rule, now) if rule.kind == ReminderRule.Kind.BEFORE_SESSION else _episodes(rule, now, sent)
        )
        out += [d for d in todo if d.key not in sent.get(d.enrolment.pk, set())]
    return out


def _fmt_session(session: Session) -> str:
    tz = zoneinfo.ZoneInfo(session.timezone or settings.TIME_ZONE)
    return f"{session.starts_at.astimezone(tz):%d/%m/%Y %H:%M} ({session.timezone})"


def _url(name: str, fallback: str) -> str:
    try:
        return site_url(reverse(name))
    except NoReverseMatch:
        return site_url(fallback)


def _recipient(due: Due) -> tuple[str, str, str]:
    """(address, language, name) of the person the reminder goes to."""
    employee = due.enrolment.employee
    person = employee.manager if due.to_manager else employee
    if person is None:
        return "", settings.LANGUAGE_CODE, ""
    return person.email or "", person.language or settings.LANGUAGE_CODE, person.full_name


def send(due: Due, *, now: dt.datetime | None = None) -> bool:
    """Send one reminder at most once: the key is inserted (and committed) before the mail
    leaves; a clash with another run's insert means it is sent already. True when this call sent it."""
    email, language, name = _recipient(due)
    if not email:
        return False
    e = due.enrolment
    context = {
        "name": name,
        "learner": e.employee.full_name,
        "cohort": e.cohort.title,
        "path": e.cohort.path.title,
        "days": due.rule.days,
        "due_on": e.due_on,
        "progress_percent": e.progress_percent,
        "session": due.session.title if due.session else "",
        "session_at": _fmt_session(due.session) if due.session else "",
        "where": (due.session.virtual_link or due.session.address or due.session.room) if due.session else "",
        "portal_url": _url("portal:home", "/learn/"),
        "team_url": _url("delivery:team", "/delivery/team/"),
    }
    template = MANAGER_TEMPLATE if due.to_manager else TEMPLATES[due.rule.kind]  # type: ignore[index]
    try:
        with transaction.atomic():
            ReminderSend.objects.create(
                key=due.key,
                rule=due.rule,
                enrolment=e,
                session=due.session,
                kind=due.rule.kind,
                to_manager=due.to_manager,
                recipient=email,
                sent_at=now or timezone.now(),
            )
            # Sent on commit; a mail server error is logged and the key stays (at most once).
            notify(recipient=email, template=template, context=context, language=language)
    except IntegrityError:
        return False  # another run inserted the key first: it sends, not us
    return True


def send_due_reminders(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic job: send every due reminder. Safe to run twice or on two workers."""
    now = now or timezone.now()
    todo = due_reminders(now=now)
    sent = sum(1 for due in todo if send(due, now=now))
    return {"due": len(todo), "sent": sent}


def register() -> None:
    """Called from ``DeliveryConfig.ready``."""
    from pilotage.core import schedule

    schedule.register("delivery.reminders", send_due_reminders, every_minutes=15)
