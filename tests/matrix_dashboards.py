"""Authorization matrix rows of the programme dashboards (surveys area, part "dashboard").

Who: the DLM and the L&D team see every programme's dashboard; an internal client the
dashboards of the programmes they sponsor (client_a sponsors the target programme: 200) and
404 for the others (client_b); every other role is refused (403). Read only: no write URL.
"""

from __future__ import annotations

import datetime as dt

from conftest import Cast

from pilotage.delivery.models import Cohort, Enrolment
from pilotage.programmes.models import LearningPath, Programme
from tests.authz import Filler, Target

# fmt: off
MATRIX = """
# name                              method target          anon dlm ld  cla clb mgr lrn fac ait apu afi vna vnb out
# --- programme dashboards (web) ------------------------------------------------------------------------------------
dashboards:index                    GET    -               302  200 200 200 200 403 403 403 403 403 403 403 403 403
dashboards:programme                GET    dsh_prog        302  200 200 200 404 403 403 403 403 403 403 403 403 403
dashboards:programme                GET    dsh_missing     302  404 404 404 404 403 403 403 403 403 403 403 403 403
dashboards:programme                POST   dsh_prog        302  405 405 405 405 405 405 405 405 405 405 405 405 405
dashboards:programme_learners       GET    dsh_prog        302  200 200 200 404 403 403 403 403 403 403 403 403 403
dashboards:programme_learners       GET    dsh_missing     302  404 404 404 404 403 403 403 403 403 403 403 403 403
# --- programme dashboards (API) ------------------------------------------------------------------------------------
api:dashboard_programme_list        GET    -               401  200 200 200 200 403 403 403 403 403 403 403 403 403
api:dashboard_programme             GET    dsh_api         401  200 200 200 404 403 403 403 403 403 403 403 403 403
api:dashboard_programme             GET    dsh_api_miss    401  404 404 404 404 403 403 403 403 403 403 403 403 403
api:dashboard_programme_learners    GET    dsh_api         401  200 200 200 404 403 403 403 403 403 403 403 403 403
"""
# fmt: on


def _programme(cast: Cast) -> Programme:
    """A programme sponsored by client_a with one cohort and the learner enrolled."""
    programme = Programme.objects.create(code="MTX-DSH", title="Matrix dashboard", sponsor=cast.client_a)
    path = LearningPath.objects.create(programme=programme, title="Matrix path")
    cohort = Cohort.objects.create(
        path=path, code="MTX-DSH-1", title="Cohort", starts_on=dt.date(2026, 1, 5), ends_on=dt.date(2026, 2, 5)
    )
    Enrolment.objects.create(cohort=cohort, employee=cast.employees["learner"])
    return programme


TARGETS: dict[str, Filler] = {
    "dsh_prog": lambda cast, user: Target(kwargs={"pk": _programme(cast).pk}),
    "dsh_missing": lambda cast, user: Target(kwargs={"pk": 987654}),
    "dsh_api": lambda cast, user: Target(kwargs={"programme_id": _programme(cast).pk}),
    "dsh_api_miss": lambda cast, user: Target(kwargs={"programme_id": 987654}),
}
