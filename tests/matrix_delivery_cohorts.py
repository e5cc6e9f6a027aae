"""Authorization matrix rows of delivery, part "cohorts" (cohorts, sessions, enrolments, settings).

Who: the DLM and the L&D team read and write everything. The target cohort belongs to a
programme sponsored by client_a and is facilitated by the facilitator: both read it (200) but
may not change it (403); client_b is out of scope (404); a cohort without the facilitator is
404 for them. Managers, learners and the other roles have no cohort pages (403). An enrolment
(Julie Petit's) is read by herself, her manager, the cohort's facilitator and the sponsor; the
roles without any scope see nothing (404); only the team changes it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import Cast
from django.utils import timezone

from pilotage.delivery import services_cohorts, services_enrolments
from pilotage.delivery.models import Cohort, Enrolment, Session
from pilotage.people.audiences import audience_create
from pilotage.programmes.models import LearningPath, Programme
from tests.authz import Filler, Target

# fmt: off
MATRIX = """
# name                              method target          anon dlm ld  cla clb mgr lrn fac ait apu afi vna vnb out
# --- cohorts, sessions, enrolments (web) -----------------------------------------------------------------------------
delivery:cohort_list                GET    -               302  200 200 200 200 403 403 200 403 403 403 403 403 403
delivery:cohort_create              GET    -               302  200 200 403 403 403 403 403 403 403 403 403 403 403
delivery:cohort_create              POST   coh_new         302  302 302 403 403 403 403 403 403 403 403 403 403 403
delivery:cohort_detail              GET    coh_cohort      302  200 200 200 404 403 403 200 403 403 403 403 403 403
delivery:cohort_detail              GET    coh_other       302  200 200 404 404 403 403 404 403 403 403 403 403 403
delivery:cohort_edit                GET    coh_cohort      302  200 200 403 404 403 403 403 403 403 403 403 403 403
delivery:cohort_edit                POST   coh_cohort      302  302 302 403 404 403 403 403 403 403 403 403 403 403
delivery:session_create             GET    coh_cohort      302  200 200 403 404 403 403 403 403 403 403 403 403 403
delivery:session_create             POST   coh_sess_new    302  302 302 403 404 403 403 403 403 403 403 403 403 403
delivery:enrol_one                  GET    coh_cohort      302  200 200 403 404 403 403 403 403 403 403 403 403 403
delivery:enrol_one                  POST   coh_enrol       302  302 302 403 404 403 403 403 403 403 403 403 403 403
delivery:enrol_bulk                 GET    coh_cohort      302  200 200 403 404 403 403 403 403 403 403 403 403 403
delivery:enrol_bulk                 POST   coh_bulk        302  200 200 403 404 403 403 403 403 403 403 403 403 403
delivery:session_detail             GET    coh_session     302  200 200 200 404 403 403 200 403 403 403 403 403 403
delivery:session_detail             GET    coh_sess_other  302  200 200 404 404 403 403 404 403 403 403 403 403 403
delivery:session_edit               GET    coh_session     302  200 200 403 404 403 403 403 403 403 403 403 403 403
delivery:session_edit               POST   coh_session     302  302 302 403 404 403 403 403 403 403 403 403 403 403
delivery:session_cancel             GET    coh_session     302  200 200 403 404 403 403 403 403 403 403 403 403 403
delivery:session_cancel             POST   coh_session     302  302 302 403 404 403 403 403 403 403 403 403 403 403
delivery:session_restore            GET    coh_cancelled   302  405 405 405 405 405 405 405 405 405 405 405 405 405
delivery:session_restore            POST   coh_cancelled   302  302 302 403 404 403 403 403 403 403 403 403 403 403
delivery:session_hold               GET    coh_past        302  405 405 405 405 405 405 405 405 405 405 405 405 405
delivery:session_hold               POST   coh_past        302  302 302 403 404 403 403 403 403 403 403 403 403 403
delivery:session_ics                GET    coh_session     302  200 200 200 404 403 403 200 403 403 403 403 403 403
delivery:enrolment_detail           GET    coh_enrolment   302  200 200 200 404 200 200 200 404 404 404 404 404 404
delivery:enrolment_unenrol          GET    coh_enrolment   302  200 200 403 404 403 403 403 404 404 404 404 404 404
delivery:enrolment_unenrol          POST   coh_enrolment   302  302 302 403 404 403 403 403 404 404 404 404 404 404
delivery:enrolment_transfer         GET    coh_enrolment   302  200 200 403 404 403 403 403 404 404 404 404 404 404
delivery:enrolment_transfer         POST   coh_transfer    302  302 302 403 404 403 403 403 404 404 404 404 404 404
delivery:enrolment_decide           GET    coh_pending     302  200 200 403 404 403 403 403 404 404 404 404 404 404
delivery:enrolment_decide           POST   coh_pending     302  302 302 403 404 403 403 403 404 404 404 404 404 404
delivery:enrolment_due              GET    coh_enrolment   302  405 405 405 405 405 405 405 405 405 405 405 405 405
delivery:enrolment_due              POST   coh_enrolment   302  302 302 403 404 403 403 403 404 404 404 404 404 404
delivery:programme_settings         GET    coh_programme   302  200 200 403 404 403 403 403 403 403 403 403 403 403
delivery:programme_settings         POST   coh_programme   302  302 302 403 404 403 403 403 403 403 403 403 403 403
# --- cohorts, sessions, enrolments (API) -----------------------------------------------------------------------------
api:delivery_cohort_list            GET    -               401  200 200 200 200 403 403 200 403 403 403 403 403 403
api:delivery_cohort_create          POST   coh_api_new     401  201 201 403 403 403 403 403 403 403 403 403 403 403
api:delivery_cohort_read            GET    coh_api_cohort  401  200 200 200 404 403 403 200 403 403 403 403 403 403
api:delivery_cohort_read            GET    coh_api_other   401  200 200 404 404 403 403 404 403 403 403 403 403 403
api:delivery_cohort_update          PATCH  coh_api_cohort  401  200 200 403 404 403 403 403 403 403 403 403 403 403
api:delivery_cohort_sessions        GET    coh_api_cohort  401  200 200 200 404 403 403 200 403 403 403 403 403 403
api:delivery_session_create         POST   coh_api_sess_new 401 201 201 403 404 403 403 403 403 403 403 403 403 403
api:delivery_session_read           GET    coh_api_session 401  200 200 200 404 403 403 200 403 403 403 403 403 403
api:delivery_session_update         PATCH  coh_api_session 401  200 200 403 404 403 403 403 403 403 403 403 403 403
api:delivery_session_cancel         POST   coh_api_session 401  200 200 403 404 403 403 403 403 403 403 403 403 403
api:delivery_session_restore        POST   coh_api_cancel  401  200 200 403 404 403 403 403 403 403 403 403 403 403
api:delivery_session_hold           POST   coh_api_past    401  200 200 403 404 403 403 403 403 403 403 403 403 403
api:delivery_session_ics            GET    coh_api_session 401  200 200 200 404 403 403 200 403 403 403 403 403 403
api:delivery_cohort_enrolments      GET    coh_api_cohort  401  200 200 200 404 403 403 200 403 403 403 403 403 403
api:delivery_enrol                  POST   coh_api_enrol   401  201 201 403 404 403 403 403 403 403 403 403 403 403
api:delivery_enrol_bulk             POST   coh_api_bulk    401  200 200 403 404 403 403 403 403 403 403 403 403 403
api:delivery_enrolment_list         GET    -               401  200 200 200 200 200 200 200 200 200 200 200 200 200
api:delivery_enrolment_read         GET    coh_api_enrol_r 401  200 200 200 404 200 200 200 404 404 404 404 404 404
api:delivery_enrolment_update       PATCH  coh_api_due     401  200 200 403 404 403 403 403 404 404 404 404 404 404
api:delivery_enrolment_unenrol      POST   coh_api_unenrol 401  200 200 403 404 403 403 403 404 404 404 404 404 404
api:delivery_enrolment_transfer     POST   coh_api_transfer 401 201 201 403 404 403 403 403 404 404 404 404 404 404
"""
# fmt: on


def _programme(cast: Cast) -> Programme:
    programme = Programme.objects.filter(code="MTX-COH").first()
    return programme or Programme.objects.create(code="MTX-COH", title="Matrix delivery", sponsor=cast.client_a)


def _path(cast: Cast) -> LearningPath:
    programme = _programme(cast)
    return programme.paths.first() or LearningPath.objects.create(programme=programme, title="Matrix path")


def _cohort(cast: Cast, *, facilitated: bool = True, code: str = "COH-MTX-1") -> Cohort:
    found = Cohort.objects.filter(code=code).first()
    if found:
        return found
    start = timezone.localdate() + dt.timedelta(days=7)
    cohort = Cohort.objects.create(
        path=_path(cast), code=code, title="Matrix cohort", starts_on=start, ends_on=start + dt.timedelta(days=30)
    )
    if facilitated:
        cohort.facilitators.add(cast.facilitator)
    return cohort


def _other(cast: Cast) -> Cohort:
    """A cohort of a programme nobody sponsors, without the facilitator."""
    programme = Programme.objects.create(code="MTX-COH2", title="Other")
    path = LearningPath.objects.create(programme=programme, title="Other path")
    start = timezone.localdate() + dt.timedelta(days=7)
    return Cohort.objects.create(path=path, code="COH-MTX-9", title="Other", starts_on=start, ends_on=start)


def _session(cohort: Cohort, *, cancelled: bool = False, past: bool = False) -> Session:
    start = timezone.now() + dt.timedelta(days=-2 if past else 8)
    session = Session.objects.create(
        cohort=cohort, title="Matrix session", starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    if cancelled:
        services_cohorts.session_cancel(actor="matrix", session=session, reason="Matrix")
    return session


def _enrolment(cast: Cast) -> Enrolment:
    return services_enrolments.enrol(actor="matrix", cohort=_cohort(cast), employee=cast.employees["learner"])


def _transfer_target(cast: Cast) -> Cohort:
    start = timezone.localdate() + dt.timedelta(days=60)
    return Cohort.objects.create(path=_path(cast), code="COH-MTX-2", title="Later", starts_on=start, ends_on=start)


def _audience(cast: Cast) -> Any:
    return audience_create(actor=cast.dlm, name="Matrix audience", included_ids=[cast.employees["peer"].pk])


_COHORT_FORM = {"title": "Matrix cohort", "language": "fr", "timezone": "Europe/Paris", "status": "open"}
_SESSION_FORM = {
    "title": "Atelier",
    "kind": "in_person",
    "starts_at": "2031-03-02T09:00",
    "ends_at": "2031-03-02T12:00",
    "timezone": "Europe/Paris",
}


def _dates() -> dict[str, str]:
    start = timezone.localdate() + dt.timedelta(days=7)
    return {"starts_on": start.isoformat(), "ends_on": (start + dt.timedelta(days=30)).isoformat()}


def _session_json() -> dict[str, Any]:
    start = timezone.now() + dt.timedelta(days=9)
    return {
        "title": "API session",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
    }


def _transfer(cast: Cast, user: Any) -> Target:
    e = _enrolment(cast)
    return Target(kwargs={"pk": e.pk}, data={"to_cohort": _transfer_target(cast).pk, "reason": "Dates"})


def _pending(cast: Cast, user: Any) -> Target:
    """A self-enrolment waiting for the manager: the L&D team may decide on their behalf."""
    e = _enrolment(cast)
    Enrolment.objects.filter(pk=e.pk).update(status=Enrolment.Status.PENDING)
    return Target(kwargs={"pk": e.pk}, data={"decision": "approve"})


def _api_transfer(cast: Cast, user: Any) -> Target:
    e = _enrolment(cast)
    return Target(kwargs={"enrolment_id": e.pk}, json={"to_cohort_id": _transfer_target(cast).pk, "reason": "Dates"})


TARGETS: dict[str, Filler] = {
    "coh_new": lambda cast, user: Target(data={**_COHORT_FORM, **_dates(), "path": _path(cast).pk}),
    "coh_cohort": lambda cast, user: Target(kwargs={"pk": _cohort(cast).pk}, data={**_COHORT_FORM, **_dates()}),
    "coh_other": lambda cast, user: Target(kwargs={"pk": _other(cast).pk}),
    "coh_sess_new": lambda cast, user: Target(kwargs={"pk": _cohort(cast).pk}, data=_SESSION_FORM),
    "coh_enrol": lambda cast, user: Target(kwargs={"pk": _cohort(cast).pk}, data={"employee": "E004"}),
    "coh_bulk": lambda cast, user: Target(kwargs={"pk": _cohort(cast).pk}, data={"audience": _audience(cast).pk}),
    "coh_session": lambda cast, user: Target(
        kwargs={"pk": _session(_cohort(cast)).pk}, data={**_SESSION_FORM, "reason": "Salle fermée"}
    ),
    "coh_sess_other": lambda cast, user: Target(kwargs={"pk": _session(_other(cast)).pk}),
    "coh_past": lambda cast, user: Target(kwargs={"pk": _session(_cohort(cast), past=True).pk}),
    "coh_cancelled": lambda cast, user: Target(kwargs={"pk": _session(_cohort(cast), cancelled=True).pk}),
    "coh_enrolment": lambda cast, user: Target(
        kwargs={"pk": _enrolment(cast).pk}, data={"reason": "Départ", "due_on": _dates()["ends_on"]}
    ),
    "coh_transfer": _transfer,
    "coh_pending": _pending,
    "coh_programme": lambda cast, user: Target(
        kwargs={"programme_pk": _programme(cast).pk}, data={"at_risk_inactive_days": "14"}
    ),
    "coh_api_new": lambda cast, user: Target(json={"path_id": _path(cast).pk, "title": "API cohort", **_dates()}),
    "coh_api_cohort": lambda cast, user: Target(kwargs={"cohort_id": _cohort(cast).pk}, json={"title": "Renamed"}),
    "coh_api_other": lambda cast, user: Target(kwargs={"cohort_id": _other(cast).pk}),
    "coh_api_sess_new": lambda cast, user: Target(kwargs={"cohort_id": _cohort(cast).pk}, json=_session_json()),
    "coh_api_session": lambda cast, user: Target(
        kwargs={"session_id": _session(_cohort(cast)).pk}, json={"title": "Renamed", "reason": "Grève"}
    ),
    "coh_api_past": lambda cast, user: Target(kwargs={"session_id": _session(_cohort(cast), past=True).pk}),
    "coh_api_cancel": lambda cast, user: Target(kwargs={"session_id": _session(_cohort(cast), cancelled=True).pk}),
    "coh_api_enrol": lambda cast, user: Target(
        kwargs={"cohort_id": _cohort(cast).pk}, json={"employee_id": cast.employees["peer"].pk}
    ),
    "coh_api_bulk": lambda cast, user: Target(
        kwargs={"cohort_id": _cohort(cast).pk}, json={"audience_id": _audience(cast).pk}
    ),
    "coh_api_enrol_r": lambda cast, user: Target(kwargs={"enrolment_id": _enrolment(cast).pk}),
    "coh_api_due": lambda cast, user: Target(
        kwargs={"enrolment_id": _enrolment(cast).pk}, json={"due_on": _dates()["ends_on"]}
    ),
    "coh_api_unenrol": lambda cast, user: Target(
        kwargs={"enrolment_id": _enrolment(cast).pk}, json={"reason": "Départ"}
    ),
    "coh_api_transfer": _api_transfer,
}
