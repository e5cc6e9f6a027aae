"""Authorization matrix rows of delivery, part "attendance".

Who: the DLM and the L&D team take attendance of every session and print every paper; the
facilitator those of the sessions they facilitate (the target session's cohort names them) and
404 for the others; every other role is refused (403). A certificate follows the enrolment's
scope: the learner (Julie Petit) themself, her manager, the team, the cohort's facilitator and
the sponsor of the programme (client_a) download it; nobody else sees the enrolment (404).
"""

from __future__ import annotations

from typing import Any

from conftest import Cast
from django.utils import timezone

from pilotage.delivery.models import Enrolment
from pilotage.delivery.tests.factories_attendance import Classroom, make_classroom
from tests.authz import Filler, Target

# fmt: off
MATRIX = """
# name                              method target          anon dlm ld  cla clb mgr lrn fac ait apu afi vna vnb out
# --- attendance (web) -----------------------------------------------------------------------------------------------
delivery:facilitator_home           GET    -               302  200 200 403 403 403 403 200 403 403 403 403 403 403
delivery:attendance                 GET    att_session     302  200 200 403 403 403 403 200 403 403 403 403 403 403
delivery:attendance                 GET    att_other       302  200 200 403 403 403 403 404 403 403 403 403 403 403
delivery:attendance                 POST   att_session     302  302 302 403 403 403 403 302 403 403 403 403 403 403
delivery:attendance                 POST   att_other       302  302 302 403 403 403 403 404 403 403 403 403 403 403
delivery:attendance_mark            GET    att_mark        302  405 405 405 405 405 405 405 405 405 405 405 405 405
delivery:attendance_mark            POST   att_mark        302  302 302 403 403 403 403 302 403 403 403 403 403 403
delivery:attendance_mark            POST   att_mark_other  302  302 302 403 403 403 403 404 403 403 403 403 403 403
delivery:sign_in_sheet              GET    att_session     302  200 200 403 403 403 403 200 403 403 403 403 403 403
delivery:sign_in_sheet              GET    att_other       302  200 200 403 403 403 403 404 403 403 403 403 403 403
delivery:certificate_pdf            GET    att_cert        302  200 200 200 404 200 200 200 404 404 404 404 404 404
delivery:certificate_pdf            GET    att_cert_other  302  200 200 404 404 404 404 404 404 404 404 404 404 404
delivery:certificate_pdf            GET    att_cert_open   302  404 404 404 404 404 404 404 404 404 404 404 404 404
delivery:cohort_papers              GET    att_cohort      302  200 200 403 403 403 403 200 403 403 403 403 403 403
delivery:cohort_papers              GET    att_cohort_oth  302  200 200 403 403 403 403 404 403 403 403 403 403 403
# --- attendance (API) -----------------------------------------------------------------------------------------------
api:facilitator_sessions            GET    -               401  200 200 403 403 403 403 200 403 403 403 403 403 403
api:session_attendance              GET    att_api         401  200 200 403 403 403 403 200 403 403 403 403 403 403
api:session_attendance              GET    att_api_other   401  200 200 403 403 403 403 404 403 403 403 403 403 403
api:session_attendance_set          PUT    att_api         401  200 200 403 403 403 403 200 403 403 403 403 403 403
api:session_attendance_set          PUT    att_api_other   401  200 200 403 403 403 403 404 403 403 403 403 403 403
api:session_sign_in_sheet           GET    att_api         401  200 200 403 403 403 403 200 403 403 403 403 403 403
api:session_sign_in_sheet           GET    att_api_other   401  200 200 403 403 403 403 404 403 403 403 403 403 403
api:enrolment_certificate           GET    att_api_cert    401  200 200 200 404 200 200 200 404 404 404 404 404 404
api:enrolment_certificate           GET    att_api_cert_o  401  200 200 404 404 404 404 404 404 404 404 404 404 404
"""
# fmt: on


def _room(cast: Cast) -> Classroom:
    """A session today of a cohort the facilitator runs; the programme is client_a's."""
    return make_classroom(cast, sponsor=cast.client_a)


def _other(cast: Cast) -> Classroom:
    """A session of a cohort somebody else runs, with Léa Garnier (unit B) enrolled."""
    return make_classroom(cast, facilitate=False, learners=("tech",))


def _completed(enrolment: Enrolment) -> Enrolment:
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.COMPLETED, completed_at=timezone.now())
    return enrolment


def _marks(room: Classroom) -> dict[str, Any]:
    return {f"mark-{e.pk}": "present" for e in room.enrolments.values()}


def _mark(room: Classroom) -> Target:
    enrolment = next(iter(room.enrolments.values()))
    return Target(kwargs={"pk": room.session.pk, "enrolment_pk": enrolment.pk}, data={f"mark-{enrolment.pk}": "late"})


def _session(room: Classroom) -> Target:
    return Target(kwargs={"pk": room.session.pk}, data=_marks(room))


def _api(room: Classroom) -> Target:
    marks = [{"enrolment_id": e.pk, "status": "present"} for e in room.enrolments.values()]
    return Target(kwargs={"session_id": room.session.pk}, json={"marks": marks})


TARGETS: dict[str, Filler] = {
    "att_session": lambda cast, user: _session(_room(cast)),
    "att_other": lambda cast, user: _session(_other(cast)),
    "att_mark": lambda cast, user: _mark(_room(cast)),
    "att_mark_other": lambda cast, user: _mark(_other(cast)),
    "att_cert": lambda cast, user: Target(kwargs={"pk": _completed(_room(cast).enrolments["learner"]).pk}),
    "att_cert_other": lambda cast, user: Target(kwargs={"pk": _completed(_other(cast).enrolments["tech"]).pk}),
    "att_cert_open": lambda cast, user: Target(kwargs={"pk": _room(cast).enrolments["learner"].pk}),
    "att_cohort": lambda cast, user: Target(kwargs={"pk": _room(cast).cohort.pk}),
    "att_cohort_oth": lambda cast, user: Target(kwargs={"pk": _other(cast).cohort.pk}),
    "att_api": lambda cast, user: _api(_room(cast)),
    "att_api_other": lambda cast, user: _api(_other(cast)),
    "att_api_cert": lambda cast, user: Target(
        kwargs={"enrolment_id": _completed(_room(cast).enrolments["learner"]).pk}
    ),
    "att_api_cert_o": lambda cast, user: Target(
        kwargs={"enrolment_id": _completed(_other(cast).enrolments["tech"]).pk}
    ),
}
