"""Cohort and session pages: the cohort list (per programme), a cohort with its sessions,
enrolments and waitlist, session pages (history, cancel with a reason, restore, calendar file)
and a programme's delivery settings.

Reading: the L&D team, the facilitators of the cohort/session, the sponsor of the programme
(``queries.cohort_list`` / ``session_list``). Writing: the L&D team (``*_for_manage``: 403 to
a reader, 404 out of scope).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from pilotage.core.audit import history_for
from pilotage.core.errors import ValidationFailed
from pilotage.core.tables import Column, Table
from pilotage.core.web import Request, add_service_errors, error_text
from pilotage.delivery import ical, permissions, queries, services_cohorts
from pilotage.delivery.forms_cohorts import (
    CohortCreateForm,
    CohortForm,
    DeliverySettingsForm,
    ReasonForm,
    SessionForm,
)
from pilotage.delivery.models import Cohort, Enrolment, Session
from pilotage.delivery.services_enrolments import settings_for
from pilotage.programmes import queries as programme_queries
from pilotage.programmes.permissions import can_see_programmes

STATUS_TONES = {
    "planned": "neutral",
    "open": "ok",
    "running": "neutral",
    "closed": "neutral",
    "cancelled": "bad",
    "scheduled": "neutral",
    "full": "warn",
    "held": "ok",
    "pending": "warn",
    "waitlisted": "warn",
    "active": "ok",
    "completed": "ok",
    "declined": "bad",
    "unenrolled": "neutral",
    "transferred": "neutral",
}


def toned(items: Any) -> Any:
    """Give each object a ``tone`` for its status badge."""
    for item in items:
        setattr(item, "tone", STATUS_TONES.get(item.status, "neutral"))  # noqa: B010
    return items


def cohort_url(cohort: Cohort) -> str:
    return reverse("delivery:cohort_detail", args=[cohort.pk])


def session_url(session: Session) -> str:
    return reverse("delivery:session_detail", args=[session.pk])


# --- cohorts --------------------------------------------------------------------------------------------


@login_required
def cohort_list(request: Request) -> HttpResponse:
    user = request.user
    qs = queries.cohort_list(user=user)
    programme = None
    programme_pk = request.GET.get("programme", "")
    see_programmes = can_see_programmes(user)
    if programme_pk.isdigit():
        qs = qs.filter(path__programme_id=int(programme_pk))
        if see_programmes:
            programme = programme_queries.programme_list(user=user).filter(pk=int(programme_pk)).first()
        else:  # a facilitator: the programme of the cohorts they see, no programme pages
            first = qs.select_related("path__programme").first()
            programme = first.path.programme if first else None
    status = request.GET.get("status", "")
    if status in Cohort.Status.values:
        qs = qs.filter(status=status)
    table = Table(
        request,
        qs,
        [
            Column("code", gettext_lazy("Code"), lambda c: c.code, "code", url=cohort_url),
            Column("title", gettext_lazy("Title"), lambda c: c.title, "title"),
            Column("programme", gettext_lazy("Programme"), lambda c: c.path.programme.code, "path__programme__code"),
            Column("starts_on", gettext_lazy("Start"), lambda c: c.starts_on, "starts_on"),
            Column("ends_on", gettext_lazy("End"), lambda c: c.ends_on, "ends_on"),
            Column("status", gettext_lazy("Status"), lambda c: c.get_status_display(), "status"),
        ],
        dom_id="cohort-table",
        caption=gettext_lazy("Cohorts"),
        empty_text=gettext_lazy("No cohort yet."),
        default_sort="-starts_on",
    )
    context = {
        "table": table,
        "programme": programme,
        "status": status,
        "statuses": Cohort.Status.choices,
        "can_manage": permissions.can_manage_delivery(user),
        "can_see_programmes": see_programmes,
    }
    if request.htmx:
        return render(request, "delivery/cohorts/cohort_list.html#results", context)
    return render(request, "delivery/cohorts/cohort_list.html", context)


def _cohort_values(data: dict[str, Any]) -> dict[str, Any]:
    values = dict(data)
    values.pop("path", None)
    return values


@login_required
@require_http_methods(["GET", "POST"])
def cohort_create(request: Request) -> HttpResponse:
    if not permissions.can_manage_delivery(request.user):
        raise PermissionDenied
    paths = programme_queries.path_list(user=request.user).order_by("programme__code", "title")
    initial: dict[str, Any] = {}
    if request.GET.get("path", "").isdigit():
        initial["path"] = int(request.GET["path"])
    elif request.GET.get("programme", "").isdigit():
        paths = paths.filter(programme_id=int(request.GET["programme"]))
    form = CohortCreateForm(request.POST or None, initial=initial, paths=paths)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cohort = services_cohorts.cohort_create(actor=request.user, path=data["path"], **_cohort_values(data))
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Cohort %(code)s created: now schedule its sessions.") % {"code": cohort.code})
            return redirect(cohort_url(cohort))
    return render(request, "delivery/cohorts/cohort_form.html", {"form": form, "cohort": None})


@login_required
@require_http_methods(["GET", "POST"])
def cohort_edit(request: Request, pk: int) -> HttpResponse:
    cohort = queries.cohort_for_manage(user=request.user, pk=pk)
    form = CohortForm(request.POST or None, initial=CohortForm.initial_for(cohort))
    if request.method == "POST" and form.is_valid():
        try:
            services_cohorts.cohort_update(actor=request.user, cohort=cohort, **form.cleaned_data)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Cohort saved."))
            return redirect(cohort_url(cohort))
    return render(request, "delivery/cohorts/cohort_form.html", {"form": form, "cohort": cohort})


@login_required
def cohort_detail(request: Request, pk: int) -> HttpResponse:
    user = request.user
    cohort = queries.cohort_get(user=user, pk=pk)
    enrolments = toned(
        list(Enrolment.objects.filter(cohort=cohort).select_related("employee").order_by("employee__last_name", "id"))
    )
    toned([cohort])
    seated = [e for e in enrolments if e.status in Enrolment.SEATED]
    waitlist = sorted(
        (e for e in enrolments if e.status == Enrolment.Status.WAITLISTED),
        key=lambda e: (e.waitlisted_at or e.created_at, e.pk),
    )
    pending = [e for e in enrolments if e.status == Enrolment.Status.PENDING]
    history = [e for e in enrolments if e.status not in Enrolment.LIVE]
    limit = services_cohorts.seat_limit(cohort)
    context = {
        "cohort": cohort,
        "programme": cohort.path.programme,
        "sessions": toned(list(cohort.sessions.all())),
        "seated": seated,
        "waitlist": waitlist,
        "pending": pending,
        "former": history,
        "seat_limit": limit,
        "free": None if limit is None else max(0, limit - len(seated)),
        "facilitators": list(cohort.facilitators.all()),
        "can_manage": permissions.can_manage_delivery(user),
        "can_attend": permissions.can_take_attendance(user),
        "can_see_programmes": can_see_programmes(user),
        "tones": STATUS_TONES,
        "history": history_for(cohort, limit=20) if permissions.can_manage_delivery(user) else [],
    }
    return render(request, "delivery/cohorts/cohort_detail.html", context)


# --- sessions -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request: Request, pk: int) -> HttpResponse:
    cohort = queries.cohort_for_manage(user=request.user, pk=pk)
    form = SessionForm(request.POST or None, cohort=cohort)
    if request.method == "POST" and form.is_valid():
        try:
            session = services_cohorts.session_create(actor=request.user, cohort=cohort, **form.cleaned_data)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Session scheduled; the learners and facilitators are invited."))
            return redirect(session_url(session))
    return render(request, "delivery/cohorts/session_form.html", {"form": form, "cohort": cohort, "session": None})


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: Request, pk: int) -> HttpResponse:
    session = queries.session_for_manage(user=request.user, pk=pk)
    form = SessionForm(request.POST or None, cohort=session.cohort, initial=SessionForm.initial_for(session))
    if request.method == "POST" and form.is_valid():
        try:
            services_cohorts.session_update(actor=request.user, session=session, **form.cleaned_data)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Session saved."))
            return redirect(session_url(session))
    context = {"form": form, "cohort": session.cohort, "session": session}
    return render(request, "delivery/cohorts/session_form.html", context)


@login_required
def session_detail(request: Request, pk: int) -> HttpResponse:
    user = request.user
    session = queries.session_get(user=user, pk=pk)
    can_manage = permissions.can_manage_delivery(user)
    toned([session])
    context = {
        "session": session,
        "cohort": session.cohort,
        "attendees": list(services_cohorts.session_attendees(session)),
        "facilitators": list(session.facilitators.all()) or list(session.cohort.facilitators.all()),
        "changes": _status_changes(session),
        "edits": _edits(session),
        "location": ical.session_location(session),
        "can_manage": can_manage,
        "can_hold": can_manage
        and session.status in services_cohorts.OPEN_SESSION_STATUSES
        and session.starts_at <= dj_timezone.now(),
        "can_attend": permissions.can_take_attendance(user),
        "cancel_form": ReasonForm(),
        "tones": STATUS_TONES,
    }
    return render(request, "delivery/cohorts/session_detail.html", context)


STATUS_LABELS = dict(Session.Status.choices)
EDIT_LABELS = {
    "title": gettext_lazy("Title"),
    "kind": gettext_lazy("Type"),
    "step": gettext_lazy("Path step"),
    "starts_at": gettext_lazy("Start"),
    "ends_at": gettext_lazy("End"),
    "timezone": gettext_lazy("Time zone"),
    "room": gettext_lazy("Room"),
    "address": gettext_lazy("Address"),
    "virtual_link": gettext_lazy("Virtual class link"),
    "capacity": gettext_lazy("Capacity"),
    "facilitators": gettext_lazy("Facilitators"),
    "status": gettext_lazy("Status"),
    "cancel_reason": gettext_lazy("Reason"),
    "cohort_virtual_link": gettext_lazy("Virtual class link (the cohort's)"),
    "cohort_location": gettext_lazy("Location (the cohort's)"),
}
ACTION_LABELS = {
    "create": gettext_lazy("Scheduled"),
    "update": gettext_lazy("Edited"),
    "cancel": gettext_lazy("Cancelled"),
    "restore": gettext_lazy("Restored"),
    "hold": gettext_lazy("Held"),
}
KIND_LABELS = dict(Session.Kind.choices)


def _status_changes(session: Session) -> list[dict[str, Any]]:
    """The status history with the status labels (not the codes)."""
    return [
        {
            "at": c.at,
            "by": c.by,
            "from_label": STATUS_LABELS.get(c.from_status, c.from_status),
            "to_label": STATUS_LABELS.get(c.to_status, c.to_status),
            "note": _("Ended") if c.note == "ended" else c.note,
        }
        for c in session.changes.select_related("by")
    ]


def _value(field: str, value: Any, tz: dt.tzinfo | None = None) -> str:
    if value in (None, ""):
        return "—"
    if field in ("starts_at", "ends_at") and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if tz is not None and dj_timezone.is_aware(moment):
            moment = moment.astimezone(tz)
        return str(formats.date_format(moment, "SHORT_DATETIME_FORMAT"))
    if field == "status":
        return str(STATUS_LABELS.get(value, value))
    if field == "kind":
        return str(KIND_LABELS.get(value, value))
    if field == "facilitators" and isinstance(value, list):
        from pilotage.people.models import User

        names = {u.pk: u.get_full_name() or u.email for u in User.objects.filter(pk__in=value)}
        return ", ".join(names.get(pk, str(pk)) for pk in value) or "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _edits(session: Session) -> list[dict[str, Any]]:
    """The session's audit entries (time, place, link, capacity edits…) as readable rows."""
    rows = []
    zone = ical._zone(session.timezone)
    for ev in history_for(session, limit=50):
        changes = ev.changes if isinstance(ev.changes, dict) else {}
        lines = []
        for field, pair in changes.items():
            before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            label = EDIT_LABELS.get(field, field)
            lines.append({"label": label, "before": _value(field, before, zone), "after": _value(field, after, zone)})
        rows.append(
            {
                "at": ev.at,
                "who": (ev.actor.get_full_name() or ev.actor.email) if ev.actor else (ev.actor_label or _("system")),
                "action": ACTION_LABELS.get(ev.action, ev.action),
                "note": ev.note,
                "lines": lines,
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def session_cancel(request: Request, pk: int) -> HttpResponse:
    session = queries.session_for_manage(user=request.user, pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services_cohorts.session_cancel(actor=request.user, session=session, reason=form.cleaned_data["reason"])
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Session cancelled; the attendees' calendars are updated."))
            return redirect(session_url(session))
    return render(request, "delivery/cohorts/session_cancel.html", {"form": form, "session": session})


@login_required
@require_POST
def session_restore(request: Request, pk: int) -> HttpResponse:
    return _session_action(
        request, pk, services_cohorts.session_restore, _("Session restored; the invitations are sent again.")
    )


@login_required
@require_POST
def session_hold(request: Request, pk: int) -> HttpResponse:
    """The team marks a session held (e.g. it took place but nobody took attendance)."""
    return _session_action(request, pk, services_cohorts.session_hold, _("Session marked as held."))


def _session_action(request: Request, pk: int, service: Any, done: str) -> HttpResponse:
    """A one-button change of a session by the team: the service's refusal as a message."""
    session = queries.session_for_manage(user=request.user, pk=pk)
    try:
        service(actor=request.user, session=session)
    except ValidationFailed as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)
    return redirect(session_url(session))


@login_required
def session_ics(request: Request, pk: int) -> HttpResponse:
    """The session as an .ics file (add to calendar)."""
    return ics_download(queries.session_get(user=request.user, pk=pk), method=ical.PUBLISH)


def ics_download(session: Session, *, method: str) -> HttpResponse:
    """The session as an .ics attachment: with ``method`` while it stands, as a CANCEL once cancelled
    (the team's page and API publish it; the learner's portal re-sends their invitation)."""
    if session.status == Session.Status.CANCELLED:
        method = ical.CANCEL
    response = HttpResponse(ical.session_ics(session, method=method), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ical.ics_filename(session)}"'
    return response


# --- delivery settings ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def programme_settings(request: Request, programme_pk: int) -> HttpResponse:
    programme = programme_queries.programme_get(user=request.user, pk=programme_pk)
    if not permissions.can_manage_delivery(request.user):
        raise PermissionDenied
    conf = settings_for(programme)
    form = DeliverySettingsForm(request.POST or None, initial=DeliverySettingsForm.initial_for(conf))
    if request.method == "POST" and form.is_valid():
        try:
            services_cohorts.delivery_settings_update(actor=request.user, programme=programme, **form.cleaned_data)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Delivery settings saved."))
            return redirect(f"{reverse('delivery:cohort_list')}?programme={programme.pk}")
    context = {"form": form, "programme": programme}
    return render(request, "delivery/cohorts/settings_form.html", context)
