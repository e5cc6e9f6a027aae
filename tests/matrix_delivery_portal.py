"""Authorization matrix rows of the learner portal (delivery area, part "portal").

Who: anyone signed in with an employee record has a portal (dlm, clients, manager, learner:
200); users without one (ld, facilitator, approvers, vendors, outsider) get 403. What is
personal — an enrolment, its steps, a session's calendar, a certificate — belongs to the
learner (Julie Petit, persona lrn) only: anybody else with a portal gets 404, the manager
included. The approval inbox is the manager's: 403 for everyone else, 404 for an enrolment
outside their team.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import Cast
from django.utils import timezone

from pilotage.delivery.models import Cohort, DeliverySettings, Enrolment, Session
from pilotage.programmes import services_paths, services_programmes
from tests.authz import Filler, Target

# fmt: off
MATRIX = """
# name                              method target           anon dlm ld  cla clb mgr lrn fac ait apu afi vna vnb out
# --- learner portal (web) ------------------------------------------------------------------------------------------
portal:home                         GET    -                302  200 403 200 200 200 200 403 403 403 403 403 403 403
portal:enrolment                    GET    ptl_enr          302  404 403 404 404 404 200 403 403 403 403 403 403 403
portal:enrolment                    GET    ptl_enr_peer     302  404 403 404 404 404 404 403 403 403 403 403 403 403
portal:launch                       GET    ptl_step         302  405 405 405 405 405 405 405 405 405 405 405 405 405
portal:launch                       POST   ptl_step         302  404 403 404 404 404 302 403 403 403 403 403 403 403
portal:launch                       POST   ptl_step_peer    302  404 403 404 404 404 404 403 403 403 403 403 403 403
portal:step_done                    GET    ptl_doc          302  405 405 405 405 405 405 405 405 405 405 405 405 405
portal:step_done                    POST   ptl_doc          302  404 403 404 404 404 302 403 403 403 403 403 403 403
portal:withdraw                     GET    ptl_wd           302  405 405 405 405 405 405 405 405 405 405 405 405 405
portal:withdraw                     POST   ptl_wd           302  404 403 404 404 404 302 403 403 403 403 403 403 403
portal:withdraw                     POST   ptl_wd_peer      302  404 403 404 404 404 404 403 403 403 403 403 403 403
portal:catalogue                    GET    -                302  200 403 200 200 200 200 403 403 403 403 403 403 403
portal:enrol                        GET    ptl_open         302  405 405 405 405 405 405 405 405 405 405 405 405 405
portal:enrol                        POST   ptl_open         302  302 403 302 302 302 302 403 403 403 403 403 403 403
portal:enrol                        POST   ptl_closed       302  404 403 404 404 404 404 403 403 403 403 403 403 403
portal:approvals                    GET    -                302  403 403 403 403 200 403 403 403 403 403 403 403 403
portal:approval_decide              GET    ptl_pend_team    302  405 405 405 405 405 405 405 405 405 405 405 405 405
portal:approval_decide              POST   ptl_pend_team    302  403 403 403 403 302 403 403 403 403 403 403 403 403
portal:approval_decide              POST   ptl_pend_out     302  403 403 403 403 404 403 403 403 403 403 403 403 403
portal:sessions                     GET    -                302  200 403 200 200 200 200 403 403 403 403 403 403 403
portal:session_ics                  GET    ptl_session      302  404 403 404 404 404 200 403 403 403 403 403 403 403
portal:certificates                 GET    -                302  200 403 200 200 200 200 403 403 403 403 403 403 403
portal:certificate                  GET    ptl_done_enr     302  404 403 404 404 404 200 403 403 403 403 403 403 403
# --- learner portal (API "me") --------------------------------------------------------------------------------------
api:portal_my_enrolments            GET    -                401  200 403 200 200 200 200 403 403 403 403 403 403 403
api:portal_my_enrolment             GET    ptl_api_enr      401  404 403 404 404 404 200 403 403 403 403 403 403 403
api:portal_launch                   POST   ptl_api_step     401  404 403 404 404 404 200 403 403 403 403 403 403 403
api:portal_withdraw                 POST   ptl_api_wd       401  404 403 404 404 404 200 403 403 403 403 403 403 403
api:portal_withdraw                 POST   ptl_api_wd_peer  401  404 403 404 404 404 404 403 403 403 403 403 403 403
api:portal_my_sessions              GET    -                401  200 403 200 200 200 200 403 403 403 403 403 403 403
api:portal_my_certificates          GET    -                401  200 403 200 200 200 200 403 403 403 403 403 403 403
api:portal_catalogue                GET    -                401  200 403 200 200 200 200 403 403 403 403 403 403 403
api:portal_enrol                    POST   ptl_api_open     401  201 403 201 201 201 201 403 403 403 403 403 403 403
api:portal_enrol                    POST   ptl_api_closed   401  404 403 404 404 404 404 403 403 403 403 403 403 403
api:portal_approvals                GET    -                401  403 403 403 403 200 403 403 403 403 403 403 403 403
api:portal_approval_decide          POST   ptl_api_team     401  403 403 403 403 200 403 403 403 403 403 403 403 403
api:portal_approval_decide          POST   ptl_api_out      401  403 403 403 403 404 403 403 403 403 403 403 403 403
"""
# fmt: on


def _cohort(*, self_enrolment: bool = True, manager_approval: bool = False) -> Cohort:
    """An open cohort of a path of two steps: an xAPI module, then a document."""
    programme = services_programmes.programme_create(
        actor="system", title="Matrix portal", requires_manager_approval=manager_approval
    )
    DeliverySettings.objects.create(
        programme=programme, self_enrolment=self_enrolment, manager_approval=manager_approval
    )
    path = services_paths.path_create(actor="system", programme=programme, title="Matrix path")
    services_paths.step_create(actor="system", path=path, kind="elearning", title="Module", url="https://c.example/m")
    services_paths.step_create(actor="system", path=path, kind="document", title="Doc", url="https://c.example/d.pdf")
    start = timezone.localdate() + dt.timedelta(days=5)
    return Cohort.objects.create(
        path=path,
        code=f"MTX-PTL-{Cohort.objects.count() + 1}",
        title="Matrix cohort",
        starts_on=start,
        ends_on=start + dt.timedelta(days=30),
        status=Cohort.Status.OPEN,
    )


def _enrolment(cast: Cast, who: str = "learner", **kw: Any) -> Enrolment:
    return Enrolment.objects.create(cohort=_cohort(), employee=cast.employees[who], **kw)


def _step(enrolment: Enrolment, kind: str) -> int:
    return int(enrolment.cohort.path.steps.get(kind=kind).pk)


def _session(cast: Cast) -> int:
    enrolment = _enrolment(cast)
    start = timezone.now() + dt.timedelta(days=6)
    return Session.objects.create(
        cohort=enrolment.cohort, title="Matrix session", starts_at=start, ends_at=start + dt.timedelta(hours=2)
    ).pk


def _pending(cast: Cast, who: str) -> int:
    cohort = _cohort(manager_approval=True)
    return Enrolment.objects.create(cohort=cohort, employee=cast.employees[who], status="pending", source="self").pk


def _launch(cast: Cast, who: str, kind: str) -> Target:
    enrolment = _enrolment(cast, who)
    return Target(kwargs={"pk": enrolment.pk, "step_pk": _step(enrolment, kind)})


TARGETS: dict[str, Filler] = {
    "ptl_enr": lambda cast, user: Target(kwargs={"pk": _enrolment(cast).pk}),
    "ptl_enr_peer": lambda cast, user: Target(kwargs={"pk": _enrolment(cast, "peer").pk}),
    "ptl_step": lambda cast, user: _launch(cast, "learner", "elearning"),
    "ptl_step_peer": lambda cast, user: _launch(cast, "peer", "elearning"),
    "ptl_doc": lambda cast, user: _launch(cast, "learner", "document"),
    "ptl_wd": lambda cast, user: Target(kwargs={"pk": _pending(cast, "learner")}),
    "ptl_wd_peer": lambda cast, user: Target(kwargs={"pk": _pending(cast, "peer")}),
    "ptl_open": lambda cast, user: Target(kwargs={"pk": _cohort().pk}),
    "ptl_closed": lambda cast, user: Target(kwargs={"pk": _cohort(self_enrolment=False).pk}),
    "ptl_pend_team": lambda cast, user: Target(kwargs={"pk": _pending(cast, "peer")}, data={"decision": "approve"}),
    "ptl_pend_out": lambda cast, user: Target(kwargs={"pk": _pending(cast, "tech")}, data={"decision": "approve"}),
    "ptl_session": lambda cast, user: Target(kwargs={"pk": _session(cast)}),
    "ptl_done_enr": lambda cast, user: Target(
        kwargs={"pk": _enrolment(cast, status="completed", completed_at=timezone.now()).pk}
    ),
    "ptl_api_enr": lambda cast, user: Target(kwargs={"enrolment_id": _enrolment(cast).pk}),
    "ptl_api_step": lambda cast, user: Target(
        kwargs={"enrolment_id": (e := _enrolment(cast)).pk, "step_id": _step(e, "elearning")}
    ),
    "ptl_api_wd": lambda cast, user: Target(kwargs={"enrolment_id": _pending(cast, "learner")}),
    "ptl_api_wd_peer": lambda cast, user: Target(kwargs={"enrolment_id": _pending(cast, "peer")}),
    "ptl_api_open": lambda cast, user: Target(kwargs={"cohort_id": _cohort().pk}),
    "ptl_api_closed": lambda cast, user: Target(kwargs={"cohort_id": _cohort(self_enrolment=False).pk}),
    "ptl_api_team": lambda cast, user: Target(
        kwargs={"enrolment_id": _pending(cast, "peer")}, json={"decision": "approve"}
    ),
    "ptl_api_out": lambda cast, user: Target(
        kwargs={"enrolment_id": _pending(cast, "tech")}, json={"decision": "approve"}
    ),
}
