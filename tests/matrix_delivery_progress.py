"""Authorization matrix rows of delivery, part "progress".

Who: the cohort board — the L&D team, the cohort's facilitator and the programme's sponsor
(client_a); other facilitators and sponsors get 404, every other role 403. Learners at risk —
anyone who follows progress (the team, facilitators, sponsors, managers: each within their
scope); learners and the rest 403. The team page — managers only. One enrolment's progress
follows the enrolment's scope: the learner (Julie Petit) themself, her manager (Karim Benali),
the cohort's facilitator, the sponsor and the team; nobody else sees it (404) — in particular a
manager gets 404 for a learner outside their team. Reminder rules — the DLM and the L&D team;
every other role 403.
"""

from __future__ import annotations

from typing import Any

from conftest import Cast

from pilotage.delivery.models import Cohort, Enrolment, ReminderRule
from pilotage.delivery.tests import factories_progress as f
from pilotage.programmes.models import Programme
from tests.authz import Filler, Target

# fmt: off
MATRIX = """
# name                              method target          anon dlm ld  cla clb mgr lrn fac ait apu afi vna vnb out
# --- progress (web) -------------------------------------------------------------------------------------------------
delivery:cohort_board               GET    dpr_coh         302  200 200 200 404 403 403 200 403 403 403 403 403 403
delivery:cohort_board               GET    dpr_coh_other   302  200 200 404 404 403 403 404 403 403 403 403 403 403
delivery:at_risk                    GET    -               302  200 200 200 200 200 403 200 403 403 403 403 403 403
delivery:team                       GET    -               302  403 403 403 403 200 403 403 403 403 403 403 403 403
delivery:enrolment_progress         GET    dpr_enr         302  200 200 200 404 200 200 200 404 404 404 404 404 404
delivery:enrolment_progress         GET    dpr_enr_other   302  200 200 404 404 404 404 404 404 404 404 404 404 404
delivery:reminder_rules             GET    dpr_prog        302  200 200 403 403 403 403 403 403 403 403 403 403 403
delivery:reminder_rules             POST   dpr_prog        302  302 302 403 403 403 403 403 403 403 403 403 403 403
delivery:reminder_rules             GET    dpr_prog_miss   302  404 404 403 403 403 403 403 403 403 403 403 403 403
delivery:reminder_rule_edit         GET    dpr_rule        302  200 200 403 403 403 403 403 403 403 403 403 403 403
delivery:reminder_rule_edit         POST   dpr_rule        302  302 302 403 403 403 403 403 403 403 403 403 403 403
delivery:reminder_rule_edit         GET    dpr_rule_miss   302  404 404 403 403 403 403 403 403 403 403 403 403 403
delivery:reminder_rule_delete       GET    dpr_rule        302  200 200 403 403 403 403 403 403 403 403 403 403 403
delivery:reminder_rule_delete       POST   dpr_rule        302  302 302 403 403 403 403 403 403 403 403 403 403 403
# --- progress (API) -------------------------------------------------------------------------------------------------
api:delivery_enrolment_progress     GET    dpr_api_enr     401  200 200 200 404 200 200 200 404 404 404 404 404 404
api:delivery_enrolment_progress     GET    dpr_api_enr_o   401  200 200 404 404 404 404 404 404 404 404 404 404 404
api:delivery_cohort_board           GET    dpr_api_coh     401  200 200 200 404 403 403 200 403 403 403 403 403 403
api:delivery_cohort_board           GET    dpr_api_coh_o   401  200 200 404 404 403 403 404 403 403 403 403 403 403
api:delivery_at_risk                GET    -               401  200 200 200 200 200 403 200 403 403 403 403 403 403
api:delivery_team                   GET    -               401  403 403 403 403 200 403 403 403 403 403 403 403 403
api:delivery_reminder_rule_list     GET    dpr_api_prog    401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:delivery_reminder_rule_create   POST   dpr_api_new     401  201 201 403 403 403 403 403 403 403 403 403 403 403
api:delivery_reminder_rule_update   PATCH  dpr_api_rule    401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:delivery_reminder_rule_delete   DELETE dpr_api_rule    401  204 204 403 403 403 403 403 403 403 403 403 403 403
"""
# fmt: on


def _cohort(cast: Cast) -> Cohort:
    """A cohort the facilitator runs, of a programme client_a sponsors, with Julie Petit enrolled."""
    coh = f.cohort(f.path(f.programme(sponsor=cast.client_a)))
    coh.facilitators.add(cast.facilitator)
    f.enrol(coh, cast.employees["learner"])
    return coh


def _other(cast: Cast) -> Cohort:
    """A cohort nobody in the cast runs or sponsors, with Léa Garnier (unit B, not Karim's team)."""
    coh = f.cohort(f.path(f.programme()))
    f.enrol(coh, cast.employees["tech"])
    return coh


def _enrolment(coh: Cohort) -> Enrolment:
    return coh.enrolments.get()


def _programme(cast: Cast) -> Programme:
    return f.programme(sponsor=cast.client_a)


def _rule(cast: Cast) -> ReminderRule:
    return ReminderRule.objects.create(programme=_programme(cast), kind="inactivity", days=7)


_RULE_FORM: dict[str, Any] = {"kind": "inactivity", "days": "7", "repeat_every_days": "7", "active": "on"}


TARGETS: dict[str, Filler] = {
    "dpr_coh": lambda cast, user: Target(kwargs={"pk": _cohort(cast).pk}),
    "dpr_coh_other": lambda cast, user: Target(kwargs={"pk": _other(cast).pk}),
    "dpr_enr": lambda cast, user: Target(kwargs={"pk": _enrolment(_cohort(cast)).pk}),
    "dpr_enr_other": lambda cast, user: Target(kwargs={"pk": _enrolment(_other(cast)).pk}),
    "dpr_prog": lambda cast, user: Target(kwargs={"programme_pk": _programme(cast).pk}, data=_RULE_FORM),
    "dpr_prog_miss": lambda cast, user: Target(kwargs={"programme_pk": 987654}),
    "dpr_rule": lambda cast, user: Target(kwargs={"pk": _rule(cast).pk}, data=_RULE_FORM),
    "dpr_rule_miss": lambda cast, user: Target(kwargs={"pk": 987654}),
    "dpr_api_enr": lambda cast, user: Target(kwargs={"enrolment_id": _enrolment(_cohort(cast)).pk}),
    "dpr_api_enr_o": lambda cast, user: Target(kwargs={"enrolment_id": _enrolment(_other(cast)).pk}),
    "dpr_api_coh": lambda cast, user: Target(kwargs={"cohort_id": _cohort(cast).pk}),
    "dpr_api_coh_o": lambda cast, user: Target(kwargs={"cohort_id": _other(cast).pk}),
    "dpr_api_prog": lambda cast, user: Target(kwargs={"programme_id": _programme(cast).pk}),
    "dpr_api_new": lambda cast, user: Target(
        kwargs={"programme_id": _programme(cast).pk}, json={"kind": "overdue", "days": 2}
    ),
    "dpr_api_rule": lambda cast, user: Target(kwargs={"rule_id": _rule(cast).pk}, json={"days": 3}),
}
