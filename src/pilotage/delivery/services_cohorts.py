"""Writes of cohorts and sessions, and the capacity rules shared with enrolments.

Capacity (decision 0026, models docstring): every seated enrolment of a cohort (active or
completed) is expected at each of its sessions, so the seats of a cohort are the smallest of
its own capacity and the capacities of its sessions that are not cancelled or held. Past that,
an enrolment waits on the cohort's waitlist, promoted in order (``waitlisted_at``, then id)
when a seat frees up. A session whose seats are all taken is "full"; it goes back to
"scheduled" when a seat frees up. A session is never deleted: cancelled with a reason,
restorable; each move is a SessionChange. Every write locks the cohort row first
(``select_for_update``) so two concurrent enrolments cannot both take the last seat.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone as dj_timezone  # ``timezone`` names a session's time zone here
from django.utils.translation import gettext as _

from pilotage.core import mail
from pilotage.core.audit import audit_record, diff, snapshot
from pilotage.core.errors import ValidationFailed
from pilotage.delivery import ical
from pilotage.delivery.models import Cohort, DeliverySettings, Enrolment, EnrolmentEvent, Session, SessionChange
from pilotage.people.models import Language, Role, User
from pilotage.programmes.models import LearningPath, PathStep, Programme

COHORT_FIELDS = [
    "title",
    "starts_on",
    "ends_on",
    "capacity",
    "language",
    "timezone",
    "location",
    "virtual_link",
    "status",
]
SESSION_FIELDS = [
    "title",
    "kind",
    "step",
    "starts_at",
    "ends_at",
    "timezone",
    "room",
    "address",
    "virtual_link",
    "capacity",
]
# Changing one of these moves the session's iCalendar SEQUENCE (attendees' calendars update).
CALENDAR_FIELDS = {"title", "starts_at", "ends_at", "timezone", "room", "address", "virtual_link", "kind"}
CODE_RE = re.compile(r"^COH-(\d{4})-(\d+)$")
CODE_ATTEMPTS = 5
REASON_MAX = 300
OPEN_SESSION_STATUSES = (Session.Status.SCHEDULED, Session.Status.FULL)


# --- reads shared with enrolments -----------------------------------------------------------------


def session_attendees(session: Session) -> QuerySet[Enrolment]:
    """The seated enrolments (active or completed) of the session's cohort: who is expected."""
    return (
        Enrolment.objects.filter(cohort_id=session.cohort_id, status__in=Enrolment.SEATED)
        .select_related("employee")
        .order_by("employee__last_name", "employee__first_name", "id")
    )


def seated_count(cohort: Cohort) -> int:
    return Enrolment.objects.filter(cohort=cohort, status__in=Enrolment.SEATED).count()


def seat_limit(cohort: Cohort) -> int | None:
    """Seats of the cohort: the smallest of its capacity and its open sessions' (None: no limit)."""
    limits = [cohort.capacity] if cohort.capacity is not None else []
    limits += [
        cap
        for cap in Session.objects.filter(cohort=cohort, status__in=OPEN_SESSION_STATUSES).values_list(
            "capacity", flat=True
        )
        if cap is not None
    ]
    return min(limits) if limits else None


def seats_free(cohort: Cohort) -> int | None:
    """Free seats (None: unlimited)."""
    limit = seat_limit(cohort)
    if limit is None:
        return None
    return max(0, limit - seated_count(cohort))


def lock_cohort(cohort: Cohort) -> Cohort:
    """Re-read the cohort under a row lock (serialises capacity decisions)."""
    return Cohort.objects.select_for_update().get(pk=cohort.pk)


def _session_seats(session: Session, cohort: Cohort) -> int | None:
    caps = [c for c in (session.capacity, cohort.capacity) if c is not None]
    return min(caps) if caps else None


def _change(session: Session, to_status: str, *, actor: Any, note: str = "") -> None:
    SessionChange.objects.create(
        session=session,
        from_status=session.status,
        to_status=to_status,
        note=note[:REASON_MAX],
        by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    session.status = to_status


def refresh_session_statuses(cohort: Cohort, *, actor: Any = None) -> None:
    """Scheduled ↔ full for the cohort's open sessions, from the seated count."""
    seated = seated_count(cohort)
    for session in Session.objects.filter(cohort=cohort, status__in=OPEN_SESSION_STATUSES):
        seats = _session_seats(session, cohort)
        want = Session.Status.FULL if seats is not None and seated >= seats else Session.Status.SCHEDULED
        if want != session.status:
            _change(session, want, actor=actor, note=_("Seats taken: %(n)d") % {"n": seated})
            session.save(update_fields=["status", "updated_at"])


def event(enrolment: Enrolment, kind: str, *, actor: Any, from_status: str = "", note: str = "") -> None:
    EnrolmentEvent.objects.create(
        enrolment=enrolment,
        kind=kind,
        from_status=from_status,
        to_status=enrolment.status,
        note=note[:REASON_MAX],
        by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def promote_waitlist(cohort: Cohort, *, actor: Any = None) -> list[Enrolment]:
    """Seat waitlisted enrolments in order while seats are free (caller holds the cohort lock)."""
    promoted: list[Enrolment] = []
    if cohort.status in (Cohort.Status.CLOSED, Cohort.Status.CANCELLED):
        return promoted
    free = seats_free(cohort)
    waiting = Enrolment.objects.filter(cohort=cohort, status=Enrolment.Status.WAITLISTED).select_related(
        "employee", "cohort"
    )
    for enrolment in waiting.order_by("waitlisted_at", "id"):
        if free is not None and free <= 0:
            break
        enrolment.status = Enrolment.Status.ACTIVE
        enrolment.save(update_fields=["status", "updated_at"])
        event(enrolment, "promoted", actor=actor, from_status=Enrolment.Status.WAITLISTED)
        audit_record(
            actor=actor or "system",
            action="promote",
            instance=enrolment,
            changes={"status": [Enrolment.Status.WAITLISTED, Enrolment.Status.ACTIVE]},
        )
        _notify_promoted(enrolment)
        promoted.append(enrolment)
        if free is not None:
            free -= 1
    refresh_session_statuses(cohort, actor=actor)
    for enrolment in promoted:
        ical.attendee_changed(enrolment, seated=True)
    return promoted


def _notify_promoted(enrolment: Enrolment) -> None:
    recipient, language = ical.employee_address(enrolment.employee)
    mail.notify(
        recipient=recipient,
        language=language,
        template="delivery/mail/enrolment_promoted",
        context={"enrolment": enrolment, "cohort": enrolment.cohort, "employee": enrolment.employee},
    )


# --- validation ---------------------------------------------------------------------------------------

FACILITATOR_ROLES = (Role.FACILITATOR, Role.DLM, Role.LD)
_TITLE_MAX = 200


def facilitator_choices() -> QuerySet[User]:
    """Users who may facilitate: facilitators and the L&D team."""
    return (
        User.objects.filter(is_active=True, role_assignments__role__in=FACILITATOR_ROLES)
        .distinct()
        .order_by("display_name", "email")
    )


def _title(value: Any, errors: dict[str, list[str]]) -> str:
    title = str(value or "").strip()
    if not title:
        errors["title"] = [_("Give a title.")]
    elif len(title) > _TITLE_MAX:
        errors["title"] = [_("At most %(n)d characters (this one has %(len)d).") % {"n": _TITLE_MAX, "len": len(title)}]
    return title


def _url(value: Any, name: str, errors: dict[str, list[str]]) -> str:
    url = str(value or "").strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except DjangoValidationError:
            errors[name] = [_("Enter a full web address starting with https:// or http://.")]
        else:
            if len(url) > 500:
                errors[name] = [_("At most %(n)d characters.") % {"n": 500}]
    return url


def _tz(value: Any, errors: dict[str, list[str]]) -> str:
    name = str(value or "").strip() or "Europe/Paris"
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = [
            _("Unknown time zone “%(value)s”: use a name such as Europe/Paris or America/Toronto.") % {"value": name}
        ]
    return name


def _capacity(value: Any, seated: int, errors: dict[str, list[str]]) -> int | None:
    if value is None or value == "":
        return None
    try:
        cap = int(value)
    except (TypeError, ValueError):
        errors["capacity"] = [_("Enter a whole number of seats, or leave it empty for no limit.")]
        return None
    if cap < 1:
        errors["capacity"] = [_("At least one seat (or leave it empty for no limit).")]
    elif cap < seated:
        errors["capacity"] = [
            _(
                "%(seated)d learners already hold a seat: the capacity cannot go below that (%(cap)d asked). "
                "Unenrol or transfer learners first."
            )
            % {"seated": seated, "cap": cap}
        ]
    return cap


def _short(value: Any, name: str, limit: int, errors: dict[str, list[str]]) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        errors[name] = [_("At most %(n)d characters.") % {"n": limit}]
    return text


def _facilitators(users: Iterable[Any] | None, errors: dict[str, list[str]]) -> list[User] | None:
    if users is None:
        return None
    ids = [u.pk if hasattr(u, "pk") else int(u) for u in users]
    allowed = list(facilitator_choices().filter(pk__in=ids))
    missing = set(ids) - {u.pk for u in allowed}
    if missing:
        errors["facilitators"] = [
            _("Users %(ids)s cannot facilitate: give them the facilitator role first.")
            % {"ids": ", ".join(str(i) for i in sorted(missing))}
        ]
    return allowed


def _clean_cohort(values: dict[str, Any], *, seated: int) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {"title": _title(values.get("title"), errors)}
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if not isinstance(starts, dt.date):
        errors["starts_on"] = [_("Enter the start date (YYYY-MM-DD).")]
    if not isinstance(ends, dt.date):
        errors["ends_on"] = [_("Enter the end date (YYYY-MM-DD).")]
    if isinstance(starts, dt.date) and isinstance(ends, dt.date) and ends < starts:
        errors["ends_on"] = [
            _("The cohort ends (%(end)s) before it starts (%(start)s).")
            % {"end": ends.isoformat(), "start": starts.isoformat()}
        ]
    out["starts_on"], out["ends_on"] = starts, ends
    out["capacity"] = _capacity(values.get("capacity"), seated, errors)
    out["language"] = _choice(
        values.get("language") or Language.FR, Language.values, "language", _("Unknown language"), errors
    )
    out["timezone"] = _tz(values.get("timezone"), errors)
    out["location"] = _short(values.get("location"), "location", 300, errors)
    out["virtual_link"] = _url(values.get("virtual_link"), "virtual_link", errors)
    status = out["status"] = _choice(
        values.get("status") or Cohort.Status.OPEN, Cohort.Status.values, "status", _("Unknown status"), errors
    )
    out["cancel_reason"] = _short(values.get("cancel_reason"), "cancel_reason", REASON_MAX, errors)
    if status == Cohort.Status.CANCELLED and not out["cancel_reason"]:
        errors["cancel_reason"] = [_("Give the reason for cancelling the cohort.")]
    if status != Cohort.Status.CANCELLED:
        out["cancel_reason"] = ""
    if errors:
        raise ValidationFailed(errors)
    return out


# --- cohorts --------------------------------------------------------------------------------------------


def _next_code(year: int) -> str:
    prefix = f"COH-{year}-"
    last = Cohort.objects.filter(code__startswith=prefix).aggregate(m=Max("code"))["m"]
    number = 0
    if last:
        match = CODE_RE.match(last)
        number = int(match.group(2)) if match else 0
    return f"{prefix}{number + 1:03d}"


def _save_with_code(cohort: Cohort) -> None:
    for attempt in range(CODE_ATTEMPTS):
        cohort.code = _next_code(cohort.starts_on.year)
        try:
            with transaction.atomic():
                cohort.save()
            return
        except IntegrityError:
            if attempt == CODE_ATTEMPTS - 1 or not Cohort.objects.filter(code=cohort.code).exists():
                raise
            cohort.pk = None


@transaction.atomic
def cohort_create(
    *,
    actor: Any,
    path: LearningPath,
    title: str,
    starts_on: dt.date,
    ends_on: dt.date,
    capacity: int | None = None,
    language: str = Language.FR,
    timezone: str = "Europe/Paris",  # noqa: A002 - the model's field name
    location: str = "",
    virtual_link: str = "",
    status: str = Cohort.Status.OPEN,
    cancel_reason: str = "",
    facilitators: Iterable[Any] | None = None,
) -> Cohort:
    """Create a cohort of ``path`` with a fresh code ``COH-<year>-<nnn>``."""
    values = {
        "title": title,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "capacity": capacity,
        "language": language,
        "timezone": timezone,
        "location": location,
        "virtual_link": virtual_link,
        "status": status,
        "cancel_reason": cancel_reason,
    }
    clean, people = _validated(lambda: _clean_cohort(values, seated=0), facilitators)
    cohort = Cohort(path=path, **clean)
    _save_with_code(cohort)
    if people:
        cohort.facilitators.set(people)
    audit_record(
        actor=actor,
        action="create",
        instance=cohort,
        changes={k: [None, v] for k, v in snapshot(cohort, COHORT_FIELDS).items()},
    )
    return cohort


@transaction.atomic
def cohort_update(*, actor: Any, cohort: Cohort, facilitators: Iterable[Any] | None = None, **values: Any) -> Cohort:
    """Change a cohort; unknown keys are refused. A capacity below the seated count is refused; a
    larger one promotes the waitlist."""
    unknown = set(values) - set(COHORT_FIELDS) - {"cancel_reason"}
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: [_("This field cannot be changed here.")]})
    cohort = lock_cohort(cohort)
    before = snapshot(cohort, [*COHORT_FIELDS, "cancel_reason"])
    merged = {**before, "starts_on": cohort.starts_on, "ends_on": cohort.ends_on, **values}
    clean, people = _validated(lambda: _clean_cohort(merged, seated=seated_count(cohort)), facilitators)
    for name, value in clean.items():
        setattr(cohort, name, value)
    cohort.save()
    changes = diff(before, snapshot(cohort, [*COHORT_FIELDS, "cancel_reason"]))
    fallback = _fallback_sessions(cohort)
    facilitators_before = {s.pk: ical.facilitator_recipients(s) for s in fallback}
    if people is not None:
        old = set(cohort.facilitators.values_list("pk", flat=True))
        new = {u.pk for u in people}
        if old != new:
            cohort.facilitators.set(people)
            changes["facilitators"] = [sorted(old), sorted(new)]
    if changes:
        audit_record(actor=actor, action="update", instance=cohort, changes=changes)
    if changes.get("status", [None, None])[1] == Cohort.Status.CANCELLED:
        _cancel_cascade(cohort, actor=actor)
        return cohort
    _place_changed(cohort, changes, actor=actor)
    if "facilitators" in changes:
        for session in fallback:
            ical.facilitators_changed(session, before=facilitators_before[session.pk])
    if "capacity" in changes or "status" in changes:
        promote_waitlist(cohort, actor=actor)
    return cohort


def _fallback_sessions(cohort: Cohort) -> list[Session]:
    """The cohort's upcoming open sessions without facilitators of their own (they use the cohort's)."""
    return [
        s
        for s in Session.objects.filter(
            cohort=cohort, status__in=OPEN_SESSION_STATUSES, starts_at__gt=dj_timezone.now()
        ).prefetch_related("facilitators")
        if not s.facilitators.all()
    ]


def _cancel_cascade(cohort: Cohort, *, actor: Any) -> None:
    """A cancelled cohort: its open sessions are cancelled with the cohort's reason (CANCEL to
    the calendars), its waitlist and pending enrolments are ended with it. Seated learners stay
    enrolled (their history and progress remain) and get the sessions' cancellations."""
    from pilotage.delivery.services_enrolments import unenrol

    reason = cohort.cancel_reason
    for session in Session.objects.filter(cohort=cohort, status__in=OPEN_SESSION_STATUSES).order_by("starts_at"):
        session_cancel(actor=actor, session=session, reason=reason)
    waiting = Enrolment.objects.filter(
        cohort=cohort, status__in=(Enrolment.Status.WAITLISTED, Enrolment.Status.PENDING)
    ).order_by("id")
    for enrolment in waiting:
        unenrol(actor=actor, enrolment=enrolment, reason=reason)


def _place_changed(cohort: Cohort, changes: dict[str, Any], *, actor: Any) -> None:
    """A new cohort link or location reaches the upcoming sessions that fall back to it: their
    SEQUENCE moves and the invitations are sent again."""
    if not ({"virtual_link", "location"} & set(changes)):
        return
    upcoming = Session.objects.select_for_update().filter(
        cohort=cohort, status__in=OPEN_SESSION_STATUSES, starts_at__gt=dj_timezone.now()
    )
    for session in upcoming:
        uses_link = session.kind == Session.Kind.VIRTUAL and not session.virtual_link
        uses_place = session.kind != Session.Kind.VIRTUAL and not (session.room or session.address)
        field = "virtual_link" if uses_link else "location" if uses_place else ""
        if not field or field not in changes:
            continue
        session.cohort = cohort
        session.sequence += 1
        session.save(update_fields=["sequence", "updated_at"])
        audit_record(actor=actor, action="update", instance=session, changes={f"cohort_{field}": changes[field]})
        ical.send_session_invitations(session)


# --- sessions --------------------------------------------------------------------------------------------


def _aware(value: Any, zone_name: str, name: str, errors: dict[str, list[str]]) -> dt.datetime | None:
    if not isinstance(value, dt.datetime):
        errors[name] = [_("Enter a date and time (YYYY-MM-DD HH:MM).")]
        return None
    if dj_timezone.is_naive(value):
        try:
            zone = zoneinfo.ZoneInfo(zone_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        value = value.replace(tzinfo=zone)
    return value


def _choice(value: Any, choices: list[str], field: str, unknown: str, errors: dict[str, list[str]]) -> str:
    """``value`` when it is one of ``choices``; else an error on ``field`` that lists them."""
    value = str(value)
    if value not in choices:
        errors[field] = [
            _("%(unknown)s “%(value)s”: choose one of %(choices)s.")
            % {"unknown": unknown, "value": value, "choices": ", ".join(choices)}
        ]
    return value


def _clean_session(values: dict[str, Any], *, cohort: Cohort, seated: int) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {"title": _title(values.get("title"), errors)}
    kind = out["kind"] = _choice(
        values.get("kind") or Session.Kind.IN_PERSON, Session.Kind.values, "kind", _("Unknown session type"), errors
    )
    out["timezone"] = _tz(values.get("timezone") or cohort.timezone, errors)
    starts = _aware(values.get("starts_at"), out["timezone"], "starts_at", errors)
    ends = _aware(values.get("ends_at"), out["timezone"], "ends_at", errors)
    if starts and ends and ends <= starts:
        errors["ends_at"] = [_("The session must end after it starts.")]
    out["starts_at"], out["ends_at"] = starts, ends
    step = values.get("step")
    if step is not None and not isinstance(step, PathStep):
        step = PathStep.objects.filter(pk=step).first() if str(step).isdigit() else None
        if step is None:
            errors["step"] = [_("Unknown step.")]
    if isinstance(step, PathStep) and step.path_id != cohort.path_id:
        errors["step"] = [_("Choose a step of the cohort's own path (“%(path)s”).") % {"path": cohort.path.title}]
    out["step"] = step
    out["room"] = _short(values.get("room"), "room", 200, errors)
    out["address"] = _short(values.get("address"), "address", 300, errors)
    out["virtual_link"] = _url(values.get("virtual_link"), "virtual_link", errors)
    if (
        kind == Session.Kind.VIRTUAL
        and not (out["virtual_link"] or cohort.virtual_link)
        and "virtual_link" not in errors
    ):
        errors["virtual_link"] = [_("A virtual class needs the link learners open (here or on the cohort).")]
    out["capacity"] = _capacity(values.get("capacity"), seated, errors)
    if errors:
        raise ValidationFailed(errors)
    return out


@transaction.atomic
def session_create(
    *,
    actor: Any,
    cohort: Cohort,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    kind: str = Session.Kind.IN_PERSON,
    step: PathStep | None = None,
    timezone: str = "",  # noqa: A002 - the model's field name
    room: str = "",
    address: str = "",
    virtual_link: str = "",
    capacity: int | None = None,
    facilitators: Iterable[Any] | None = None,
    notify: bool = True,
) -> Session:
    """Schedule a session; a capacity below the cohort's seated count is refused. Invitations
    go to the seated learners and the facilitators (``notify=False``: none, e.g. the demo)."""
    cohort = lock_cohort(cohort)
    if cohort.status == Cohort.Status.CANCELLED:
        raise ValidationFailed(
            {"cohort": [_("Cohort %(code)s is cancelled: restore it first.") % {"code": cohort.code}]}
        )
    values = {
        "title": title,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "kind": kind,
        "step": step,
        "timezone": timezone,
        "room": room,
        "address": address,
        "virtual_link": virtual_link,
        "capacity": capacity,
    }
    clean, people = _validated(lambda: _clean_session(values, cohort=cohort, seated=seated_count(cohort)), facilitators)
    session = Session.objects.create(cohort=cohort, **clean)
    if people:
        session.facilitators.set(people)
    SessionChange.objects.create(
        session=session,
        from_status="",
        to_status=session.status,
        by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="create",
        instance=session,
        changes={k: [None, v] for k, v in snapshot(session, SESSION_FIELDS).items()},
    )
    refresh_session_statuses(cohort, actor=actor)
    session.refresh_from_db()
    if notify and session.starts_at > dj_timezone.now():
        ical.send_session_invitations(session)
    return session


def _validated(clean: Callable[[], dict[str, Any]], facilitators: Iterable[Any] | None) -> tuple[dict[str, Any], Any]:
    """The cleaned fields (``clean()``) and the facilitators of a cohort or session, or every
    error of both at once."""
    errors: dict[str, list[str]] = {}
    try:
        fields = clean()
    except ValidationFailed as exc:
        errors.update(exc.errors)
        fields = {}
    people = _facilitators(facilitators, errors)
    if errors:
        raise ValidationFailed(errors)
    return fields, people


@transaction.atomic
def session_update(
    *, actor: Any, session: Session, facilitators: Iterable[Any] | None = None, notify: bool = True, **values: Any
) -> Session:
    """Change a session. A change of time, place or link moves its SEQUENCE and re-sends the
    invitation (the attendees' calendars update); a capacity below the seated count is refused."""
    unknown = set(values) - set(SESSION_FIELDS)
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: [_("This field cannot be changed here.")]})
    cohort = lock_cohort(session.cohort)
    session = Session.objects.select_for_update().get(pk=session.pk)
    session.cohort = cohort
    before = snapshot(session, SESSION_FIELDS)
    merged = {
        **{name: getattr(session, name) for name in SESSION_FIELDS},
        **values,
    }
    clean, people = _validated(lambda: _clean_session(merged, cohort=cohort, seated=seated_count(cohort)), facilitators)
    facilitators_before = ical.facilitator_recipients(session)
    for name, value in clean.items():
        setattr(session, name, value)
    changes = diff(before, snapshot(session, SESSION_FIELDS))
    if people is not None:
        old = set(session.facilitators.values_list("pk", flat=True))
        new = {u.pk for u in people}
        if old != new:
            session.facilitators.set(people)
            changes["facilitators"] = [sorted(old), sorted(new)]
    calendar = bool(CALENDAR_FIELDS & set(changes)) and session.status != Session.Status.CANCELLED
    if calendar:
        session.sequence += 1
    session.save()
    if changes:
        audit_record(actor=actor, action="update", instance=session, changes=changes)
    if "capacity" in changes:
        promote_waitlist(cohort, actor=actor)
        refresh_session_statuses(cohort, actor=actor)
        session.refresh_from_db()
    upcoming = session.starts_at > dj_timezone.now() and session.status in OPEN_SESSION_STATUSES
    if notify and calendar and upcoming:
        ical.send_session_invitations(session)
    if notify and "facilitators" in changes and upcoming:
        ical.facilitators_changed(session, before=facilitators_before)
    return session


@transaction.atomic
def session_cancel(*, actor: Any, session: Session, reason: str) -> Session:
    """Cancel with a reason (never deleted): attendees get a CANCEL for their calendars."""
    text = str(reason or "").strip()
    if not text:
        raise ValidationFailed({"reason": [_("Give the reason for cancelling: learners and facilitators read it.")]})
    if len(text) > REASON_MAX:
        raise ValidationFailed({"reason": [_("At most %(n)d characters.") % {"n": REASON_MAX}]})
    cohort = lock_cohort(session.cohort)
    session = Session.objects.select_for_update().select_related("cohort").get(pk=session.pk)
    if session.status == Session.Status.CANCELLED:
        raise ValidationFailed({"status": [_("This session is already cancelled.")]})
    if session.status == Session.Status.HELD:
        raise ValidationFailed({"status": [_("This session has been held: it cannot be cancelled.")]})
    before = session.status
    _change(session, Session.Status.CANCELLED, actor=actor, note=text)
    session.cancel_reason = text
    session.cancelled_at = dj_timezone.now()
    session.cancelled_by = actor if getattr(actor, "is_authenticated", False) else None
    session.sequence += 1
    session.save()
    audit_record(
        actor=actor, action="cancel", instance=session, changes={"status": [before, session.status]}, note=text
    )
    ical.send_session_invitations(session, method=ical.CANCEL)
    promote_waitlist(cohort, actor=actor)  # a cancelled session no longer limits the seats
    return session


@transaction.atomic
def session_restore(*, actor: Any, session: Session, note: str = "") -> Session:
    """Bring a cancelled session back: scheduled (or full), invitations re-sent."""
    cohort = lock_cohort(session.cohort)
    session = Session.objects.select_for_update().select_related("cohort").get(pk=session.pk)
    if session.status != Session.Status.CANCELLED:
        raise ValidationFailed({"status": [_("Only a cancelled session can be restored.")]})
    if cohort.status == Cohort.Status.CANCELLED:
        raise ValidationFailed(
            {
                "status": [
                    _("Cohort %(code)s is cancelled: restore the cohort first (status open), then this session.")
                    % {"code": cohort.code}
                ]
            }
        )
    seated = seated_count(cohort)
    if session.capacity is not None and session.capacity < seated:
        raise ValidationFailed(
            {
                "capacity": [
                    _(
                        "%(seated)d learners hold a seat but the session has %(cap)d: raise its capacity, "
                        "then restore it."
                    )
                    % {"seated": seated, "cap": session.capacity}
                ]
            }
        )
    _change(session, Session.Status.SCHEDULED, actor=actor, note=str(note or "")[:REASON_MAX] or _("Restored"))
    old_reason = session.cancel_reason
    session.cancel_reason = ""
    session.cancelled_at = None
    session.cancelled_by = None
    session.sequence += 1
    session.save()
    audit_record(
        actor=actor,
        action="restore",
        instance=session,
        changes={"status": [Session.Status.CANCELLED, session.status], "cancel_reason": [old_reason, ""]},
        note=str(note or ""),
    )
    refresh_session_statuses(cohort, actor=actor)
    session.refresh_from_db()
    if session.starts_at > dj_timezone.now():
        ical.send_session_invitations(session)
    return session


@transaction.atomic
def session_mark_held(*, actor: Any, session: Session, note: str = "") -> Session:
    """Scheduled/full → held (attendance calls it); a no-op when already held."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status == Session.Status.HELD:
        return session
    if session.status == Session.Status.CANCELLED:
        raise ValidationFailed({"status": [_("A cancelled session cannot be held: restore it first.")]})
    before = session.status
    _change(session, Session.Status.HELD, actor=actor, note=note)
    session.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="hold", instance=session, changes={"status": [before, session.status]})
    return session


HELD_AFTER = dt.timedelta(hours=1)


@transaction.atomic
def session_hold(*, actor: Any, session: Session) -> Session:
    """The team marks a session held by hand (e.g. held without attendance taken); it must
    have started."""
    if session.starts_at > dj_timezone.now():
        raise ValidationFailed({"status": [_("This session has not started yet: it cannot be marked as held.")]})
    return session_mark_held(actor=actor, session=session, note=_("Marked as held"))


def sessions_mark_ended(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Mark held the sessions that ended more than an hour ago and are still scheduled/full
    (nobody took attendance): surveys' after-session dispatch waits for held sessions.
    Idempotent: a held session is no longer selected. The periodic job ``delivery.sessions_held``."""
    now = now or dj_timezone.now()
    ended = Session.objects.filter(status__in=OPEN_SESSION_STATUSES, ends_at__lte=now - HELD_AFTER).order_by("ends_at")
    count = 0
    for session in ended:
        try:
            session_mark_held(actor="system", session=session, note="ended")
        except ValidationFailed:  # cancelled meanwhile
            continue
        count += 1
    return {"held": count}


# --- delivery settings ---------------------------------------------------------------------------------

SETTINGS_FIELDS = ["self_enrolment", "manager_approval", "audience_only", "default_due_days", "at_risk_inactive_days"]


@transaction.atomic
def delivery_settings_update(*, actor: Any, programme: Programme, **values: Any) -> DeliverySettings:
    from pilotage.delivery.services_enrolments import settings_for

    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: [_("This field cannot be changed here.")]})
    conf = DeliverySettings.objects.select_for_update().get(pk=settings_for(programme).pk)
    before = snapshot(conf, SETTINGS_FIELDS)
    errors: dict[str, list[str]] = {}
    for name in ("default_due_days", "at_risk_inactive_days"):
        if name not in values:
            continue
        raw = values[name]
        if raw in (None, "") and name == "default_due_days":
            values[name] = None
            continue
        try:
            number = int(raw)
        except (TypeError, ValueError):
            errors[name] = [_("Enter a whole number of days.")]
            continue
        if not 1 <= number <= 3650:
            errors[name] = [_("Between 1 and 3650 days; %(n)d is not.") % {"n": number}]
        values[name] = number
    if errors:
        raise ValidationFailed(errors)
    for name, value in values.items():
        setattr(conf, name, bool(value) if name in ("self_enrolment", "manager_approval", "audience_only") else value)
    conf.save()
    changes = diff(before, snapshot(conf, SETTINGS_FIELDS))
    if changes:
        audit_record(actor=actor, action="update", instance=conf, changes=changes)
    if "manager_approval" in values:
        # One truth: the programme's flag (shown on the programme page) follows; programme_update
        # locks the programme, compares with its current value and audits a change only.
        from pilotage.programmes.services_programmes import programme_update

        programme_update(actor=actor, programme=programme, requires_manager_approval=conf.manager_approval)
        programme.requires_manager_approval = conf.manager_approval
    return conf
