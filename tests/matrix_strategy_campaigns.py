"""Authorization matrix rows of needs campaigns and prioritisation (strategy) and of the ranked
backlog and programme scores (programmes). See tests/test_authorization_matrix.py.

Campaigns: the L&D team runs them; a manager sees the open campaigns they are invited to and
their own needs (404 otherwise). Criteria: the L&D team reads, the DLM changes. Scores and the
backlog: the L&D team; saving weights from the backlog: the DLM.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import Cast
from django.utils import timezone

from pilotage.people.models import Audience
from pilotage.programmes.models import Programme
from pilotage.strategy.models import Criterion, Need, NeedsCampaign, TrainingRequest
from tests.authz import Filler, Target, someone_else

# fmt: off
MATRIX = """
# name                              method target        anon dlm ld  cla clb mgr lrn fac ait apu afi vna vnb out
# --- needs campaigns: the L&D team runs them; invited managers submit their own needs -----------------------
strategy:campaign_list              GET    -             302  200 200 403 403 200 403 403 403 403 403 403 403 403
strategy:campaign_create            GET    -             302  200 200 403 403 403 403 403 403 403 403 403 403 403
strategy:campaign_create            POST   cmp_form      302  302 302 403 403 403 403 403 403 403 403 403 403 403
strategy:campaign_detail            GET    cmp_open      302  200 200 403 403 200 403 403 403 403 403 403 403 403
strategy:campaign_detail            GET    cmp_draft     302  200 200 403 403 404 403 403 403 403 403 403 403 403
strategy:campaign_detail            GET    cmp_missing   302  404 404 403 403 404 403 403 403 403 403 403 403 403
strategy:campaign_edit              GET    cmp_open      302  200 200 403 403 403 403 403 403 403 403 403 403 403
strategy:campaign_edit              POST   cmp_edit      302  302 302 403 403 403 403 403 403 403 403 403 403 403
strategy:campaign_transition        GET    cmp_open      302  405 405 405 405 405 405 405 405 405 405 405 405 405
strategy:campaign_transition        POST   cmp_close     302  302 302 403 403 403 403 403 403 403 403 403 403 403
strategy:need_create                GET    cmp_open      302  403 403 403 403 200 403 403 403 403 403 403 403 403
strategy:need_create                POST   cmp_need      302  403 403 403 403 302 403 403 403 403 403 403 403 403
strategy:need_create                GET    cmp_draft     302  403 403 403 403 404 403 403 403 403 403 403 403 403
strategy:need_edit                  GET    cmp_need_mgr  302  200 200 403 403 200 403 403 403 403 403 403 403 403
strategy:need_edit                  POST   cmp_need_mgr  302  302 302 403 403 302 403 403 403 403 403 403 403 403
strategy:need_edit                  GET    cmp_need_oth  302  200 200 403 403 404 403 403 403 403 403 403 403 403
strategy:campaign_arbitrate         GET    cmp_closed    302  200 200 403 403 403 403 403 403 403 403 403 403 403
strategy:need_decide                GET    cmp_decide    302  405 405 405 405 405 405 405 405 405 405 405 405 405
strategy:need_decide                POST   cmp_decide    302  302 302 403 403 403 403 403 403 403 403 403 403 403
strategy:need_decide                POST   cmp_need_miss 302  404 404 403 403 403 403 403 403 403 403 403 403 403
strategy:campaign_export            GET    cmp_closed    302  200 200 403 403 403 403 403 403 403 403 403 403 403
# --- prioritisation: criteria (DLM writes, L&D reads), request and programme scores, backlog ---------------
strategy:criteria                   GET    -             302  200 200 403 403 403 403 403 403 403 403 403 403 403
strategy:criteria                   POST   pri_crit_add  302  200 403 403 403 403 403 403 403 403 403 403 403 403
strategy:request_scores             GET    pri_req       302  200 200 403 403 403 403 403 403 403 403 403 403 403
strategy:request_scores             POST   pri_req       302  302 302 403 403 403 403 403 403 403 403 403 403 403
strategy:request_scores             GET    pri_req_miss  302  404 404 403 403 403 403 403 403 403 403 403 403 403
programmes:backlog                  GET    -             302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:backlog                  POST   pri_weights   302  302 403 403 403 403 403 403 403 403 403 403 403 403
programmes:programme_scores         GET    pri_prg       302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:programme_scores         POST   pri_prg       302  302 302 403 403 403 403 403 403 403 403 403 403 403
programmes:programme_scores         GET    pri_prg_miss  302  404 404 403 403 403 403 403 403 403 403 403 403 403
# --- API: campaigns and needs -------------------------------------------------------------------------------
api:campaign_list                   GET    -             401  200 200 403 403 200 403 403 403 403 403 403 403 403
api:campaign_create                 POST   cmp_api_new   401  201 201 403 403 403 403 403 403 403 403 403 403 403
api:campaign_detail                 GET    cmp_api_open  401  200 200 403 403 200 403 403 403 403 403 403 403 403
api:campaign_detail                 GET    cmp_api_drft  401  200 200 403 403 404 403 403 403 403 403 403 403 403
api:campaign_update                 PUT    cmp_api_put   401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:campaign_transition             POST   cmp_api_close 401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:campaign_needs                  GET    cmp_api_open  401  200 200 403 403 200 403 403 403 403 403 403 403 403
api:campaign_totals                 GET    cmp_api_open  401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:need_create                     POST   cmp_api_need  401  403 403 403 403 201 403 403 403 403 403 403 403 403
api:need_detail                     GET    cmp_api_nmgr  401  200 200 403 403 200 403 403 403 403 403 403 403 403
api:need_detail                     GET    cmp_api_noth  401  200 200 403 403 404 403 403 403 403 403 403 403 403
api:need_update                     PUT    cmp_api_nmgr  401  200 200 403 403 200 403 403 403 403 403 403 403 403
api:need_decide                     POST   cmp_api_dec   401  200 200 403 403 403 403 403 403 403 403 403 403 403
# --- API: prioritisation ------------------------------------------------------------------------------------
api:criteria_list                   GET    -             401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:criteria_replace                PUT    pri_api_crit  401  200 403 403 403 403 403 403 403 403 403 403 403 403
api:request_score                   GET    pri_api_req   401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:request_score_set               PUT    pri_api_req   401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:backlog                         GET    -             401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:programme_score                 GET    pri_api_prg   401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:programme_score_set             PUT    pri_api_prg   401  200 200 403 403 403 403 403 403 403 403 403 403 403
"""
# fmt: on

TODAY = timezone.localdate()


def _campaign(cast: Cast, status: str, *, invited: bool = True) -> NeedsCampaign:
    audience = Audience.objects.create(name=f"Managers {status}", owner=cast.dlm, rules={})
    if invited:
        audience.included.add(cast.employees["manager"])
    return NeedsCampaign.objects.create(
        title=f"Campaign {status}",
        opens_on=TODAY,
        closes_on=TODAY + dt.timedelta(days=30),
        audience=audience,
        status=status,
        created_by=cast.dlm,
    )


def _need(cast: Cast, campaign: NeedsCampaign, manager: Any = None) -> Need:
    return Need.objects.create(
        campaign=campaign, manager=manager or cast.manager, org_unit=cast.unit_a1, title="Prospection", headcount=4
    )


def _request(cast: Cast) -> TrainingRequest:
    return TrainingRequest.objects.create(
        reference="DEM-MX-1", title="Sécurité", business_need="Besoin", requester=cast.client_a
    )


def _programme() -> Programme:
    return Programme.objects.create(code="PRG-MX-1", title="Sécurité", status=Programme.Status.IDEA)


NEED_FORM = {"title": "Prospection", "headcount": "4", "priority": "high", "wished_quarter": "2027-Q2"}
NEED_JSON = {"title": "Prospection", "headcount": 4, "wished_quarter": "2027-Q2"}


def _campaign_form(campaign: NeedsCampaign | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Recueil",
        "opens_on": TODAY.isoformat(),
        "closes_on": (TODAY + dt.timedelta(days=10)).isoformat(),
    }
    if campaign is not None and campaign.audience_id:
        data["audience"] = campaign.audience_id
    return data


def _edit(cast: Cast) -> Target:
    campaign = _campaign(cast, "open")
    return Target(kwargs={"pk": campaign.pk}, data=_campaign_form(campaign))


def _api_put(cast: Cast) -> Target:
    campaign = _campaign(cast, "open")
    body = {**_campaign_form(), "audience_id": campaign.audience_id}
    return Target(kwargs={"campaign_id": campaign.pk}, json=body)


def _decide(cast: Cast) -> Target:
    need = _need(cast, _campaign(cast, "closed"))
    return Target(kwargs={"pk": need.pk}, data={f"n{need.pk}-decision": "retained"})


def _weights() -> dict[str, Any]:
    return {f"w_{c.key}": c.weight for c in Criterion.objects.filter(active=True)}


def _criteria_json() -> dict[str, Any]:
    return {
        "criteria": [
            {"key": c.key, "name_en": c.name_en, "weight": c.weight, "source": c.source}
            for c in Criterion.objects.filter(active=True)
        ]
    }


TARGETS: dict[str, Filler] = {
    "cmp_form": lambda cast, user: Target(data=_campaign_form()),
    "cmp_open": lambda cast, user: Target(kwargs={"pk": _campaign(cast, "open").pk}),
    "cmp_draft": lambda cast, user: Target(kwargs={"pk": _campaign(cast, "draft").pk}),
    "cmp_missing": lambda cast, user: Target(kwargs={"pk": 987654}),
    "cmp_closed": lambda cast, user: Target(kwargs={"pk": _campaign(cast, "closed").pk}),
    "cmp_edit": lambda cast, user: _edit(cast),
    "cmp_close": lambda cast, user: Target(kwargs={"pk": _campaign(cast, "open").pk}, data={"to_status": "closed"}),
    "cmp_need": lambda cast, user: Target(kwargs={"pk": _campaign(cast, "open").pk}, data=NEED_FORM),
    "cmp_need_mgr": lambda cast, user: Target(kwargs={"pk": _need(cast, _campaign(cast, "open")).pk}, data=NEED_FORM),
    "cmp_need_oth": lambda cast, user: Target(kwargs={"pk": _need(cast, _campaign(cast, "open"), someone_else()).pk}),
    "cmp_need_miss": lambda cast, user: Target(kwargs={"pk": 987654}, data={}),
    "cmp_decide": lambda cast, user: _decide(cast),
    "cmp_api_open": lambda cast, user: Target(kwargs={"campaign_id": _campaign(cast, "open").pk}),
    "cmp_api_drft": lambda cast, user: Target(kwargs={"campaign_id": _campaign(cast, "draft").pk}),
    "cmp_api_new": lambda cast, user: Target(json=_campaign_form()),
    "cmp_api_put": lambda cast, user: _api_put(cast),
    "cmp_api_close": lambda cast, user: Target(
        kwargs={"campaign_id": _campaign(cast, "open").pk}, json={"to_status": "closed"}
    ),
    "cmp_api_need": lambda cast, user: Target(kwargs={"campaign_id": _campaign(cast, "open").pk}, json=NEED_JSON),
    "cmp_api_nmgr": lambda cast, user: Target(
        kwargs={"need_id": _need(cast, _campaign(cast, "open")).pk}, json=NEED_JSON
    ),
    "cmp_api_noth": lambda cast, user: Target(
        kwargs={"need_id": _need(cast, _campaign(cast, "open"), someone_else()).pk}
    ),
    "cmp_api_dec": lambda cast, user: Target(
        kwargs={"need_id": _need(cast, _campaign(cast, "closed")).pk}, json={"decision": "retained"}
    ),
    "pri_crit_add": lambda cast, user: Target(data={"c-count": "0", "action": "add"}),
    "pri_req": lambda cast, user: Target(kwargs={"pk": _request(cast).pk}, data={"business_impact": "3"}),
    "pri_req_miss": lambda cast, user: Target(kwargs={"pk": 987654}),
    "pri_weights": lambda cast, user: Target(data=_weights()),
    "pri_prg": lambda cast, user: Target(kwargs={"pk": _programme().pk}, data={"business_impact": "3"}),
    "pri_prg_miss": lambda cast, user: Target(kwargs={"pk": 987654}),
    "pri_api_crit": lambda cast, user: Target(json=_criteria_json()),
    "pri_api_req": lambda cast, user: Target(
        kwargs={"request_id": _request(cast).pk}, json={"scores": {"business_impact": 3}}
    ),
    "pri_api_prg": lambda cast, user: Target(
        kwargs={"programme_id": _programme().pk}, json={"scores": {"business_impact": 3}}
    ),
}
