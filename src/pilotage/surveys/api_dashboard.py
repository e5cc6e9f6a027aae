"""/api/v1/dashboards/: the programme dashboard's figures, the same as the web page's.

    GET /api/v1/dashboards/programmes                         the programmes in scope
    GET /api/v1/dashboards/programmes/{id}?cohort=&org_unit=&since=&until=
    GET /api/v1/dashboards/programmes/{id}/learners?stage=started|…  (or measure=satisfaction|nps|application)

The DLM and the L&D team see every programme, an internal client those they sponsor, other
roles 403, a programme out of scope 404, a cohort that is not the programme's or an org unit
that does not exist 400 naming the filter. Survey figures below the anonymity threshold, or that
would reveal a small group by difference with the unfiltered programme or the other rows, come
as ``value: null`` with ``withheld: true`` and ``reason`` "few" or "difference" (decision 0027).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from pilotage.core.api import limit_query, offset_query, page_schema, paginate
from pilotage.core.errors import ValidationFailed
from pilotage.programmes import queries as programme_queries
from pilotage.surveys import dashboard

router = Router(tags=["dashboards"])


class ProgrammeIndexOut(Schema):
    id: int
    code: str
    title: str
    status: str
    enrolled: int = Field(description="Seated enrolments (active or completed)")
    completed: int


class FunnelOut(Schema):
    enrolled: int
    started: int
    completed: int
    passed: int


class FigureOut(Schema):
    measure: str
    value: float | None = Field(description="Satisfaction on /5, NPS −100..100, application rate in %")
    responses: int
    withheld: bool = Field(
        description="True when the cut has fewer responses than the anonymity threshold, or when showing it "
        "would reveal a smaller group by difference"
    )
    reason: str = Field(
        default="", description='Why withheld: "few" (under the threshold), "difference" (small complement), or empty'
    )


class SurveyOut(Schema):
    satisfaction: FigureOut
    nps: FigureOut
    application: FigureOut


class RowOut(Schema):
    id: int | None = Field(description="Cohort or org unit id; null for 'no cohort' / 'no org unit'")
    label: str
    funnel: FunnelOut
    survey: SurveyOut


class FiltersOut(Schema):
    cohort: int | None
    org_unit: int | None
    since: dt.date | None
    until: dt.date | None


class DashboardOut(Schema):
    programme_id: int
    filters: FiltersOut
    anonymity_threshold: int
    funnel: FunnelOut
    survey: SurveyOut
    by_cohort: list[RowOut]
    by_org_unit: list[RowOut]


class FiltersIn(Schema):
    cohort: int | None = None
    org_unit: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None


class LearnerOut(Schema):
    enrolment_id: int | None
    employee_id: int
    name: str
    org_unit: str | None
    cohort: str | None
    progress_percent: int | None = None
    started_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    passed: bool | None = None
    answered_at: dt.datetime | None = None


def _params(filters: FiltersIn) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in filters.model_dump().items() if v}


def _filters(filters: FiltersIn, programme: Any) -> dashboard.Filters:
    """The dashboard's filters; a cohort that is not the programme's, or an org unit that does
    not exist, is a 400 naming the filter (never silently dropped)."""
    parsed, ignored = dashboard.read_filters(_params(filters), programme=programme)
    errors: dict[str, list[str]] = {}
    if "cohort" in ignored:
        errors["cohort"] = [_("Cohort %(id)s is not a cohort of this programme.") % {"id": filters.cohort}]
    if "org_unit" in ignored:
        errors["org_unit"] = [_("Org unit %(id)s does not exist.") % {"id": filters.org_unit}]
    if errors:
        raise ValidationFailed(errors)
    return parsed


@router.get(
    "/programmes",
    response=page_schema(ProgrammeIndexOut),
    summary="Programmes with a dashboard",
    url_name="dashboard_programme_list",
)
def dashboard_programme_list(request: HttpRequest, limit: int = limit_query(), offset: int = offset_query()) -> Any:
    return paginate(dashboard.programme_index(user=request.user).order_by("code"), limit, offset)


@router.get(
    "/programmes/{int:programme_id}",
    response=DashboardOut,
    summary="A programme's dashboard figures",
    url_name="dashboard_programme",
)
def dashboard_programme(request: HttpRequest, programme_id: int, filters: Query[FiltersIn]) -> Any:
    """The funnel, satisfaction, NPS and L3 application rate, in total, by cohort and by org unit
    (the children of ``org_unit``, or the top of the organisation)."""
    programme = programme_queries.programme_get(user=request.user, pk=programme_id)
    parsed = _filters(filters, programme)
    return dashboard.programme_dashboard(programme=programme, filters=parsed).as_dict()


@router.get(
    "/programmes/{int:programme_id}/learners",
    response=page_schema(LearnerOut),
    summary="The learners behind a figure",
    url_name="dashboard_programme_learners",
)
def dashboard_programme_learners(
    request: HttpRequest,
    programme_id: int,
    filters: Query[FiltersIn],
    stage: str = "enrolled",
    measure: str = "",
    limit: int = limit_query(),
    offset: int = offset_query(),
) -> Any:
    """``stage`` (enrolled, started, completed, passed) lists the enrolments at that stage;
    ``measure`` (satisfaction, nps, application) the named respondents behind that survey
    figure — none below the anonymity threshold, never those of anonymous surveys."""
    programme = programme_queries.programme_get(user=request.user, pk=programme_id)
    parsed = _filters(filters, programme)
    if measure:
        if measure not in dashboard.MEASURES:
            raise ValidationFailed(
                {
                    "measure": [
                        _("Unknown measure “%(measure)s”: use one of %(choices)s.")
                        % {"measure": measure[:40], "choices": ", ".join(dashboard.MEASURES)}
                    ]
                }
            )
        named, _anonymous, _total = dashboard.respondents(programme, parsed, measure)
        page = paginate(named, limit, offset)
        page["items"] = [
            {
                "enrolment_id": r.invitation.enrolment_id,
                "employee_id": r.invitation.respondent_id,
                "name": r.invitation.respondent.full_name,
                "org_unit": r.invitation.respondent.org_unit.name if r.invitation.respondent.org_unit else None,
                "cohort": r.cohort.code if r.cohort else None,
                "answered_at": r.submitted_at,
            }
            for r in page["items"]
        ]
        return page
    if stage not in dashboard.STAGES:
        raise ValidationFailed(
            {
                "stage": [
                    _("Give a stage (%(stages)s) or a measure (%(measures)s).")
                    % {"stages": ", ".join(dashboard.STAGES), "measures": ", ".join(dashboard.MEASURES)}
                ]
            }
        )
    page = paginate(dashboard.stage_learners(programme, parsed, stage), limit, offset)
    page["items"] = [
        {
            "enrolment_id": e.pk,
            "employee_id": e.employee_id,
            "name": e.employee.full_name,
            "org_unit": e.employee.org_unit.name if e.employee.org_unit else None,
            "cohort": e.cohort.code,
            "progress_percent": e.progress_percent,
            "started_at": e.started_at,
            "completed_at": e.completed_at,
            "passed": e.passed,
        }
        for e in page["items"]
    ]
    return page
