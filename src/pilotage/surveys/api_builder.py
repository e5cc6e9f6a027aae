"""/api/v1/surveys/ endpoints of part "builder": surveys and their questions (read), and
results. Thin over the scoped selectors and ``results``; the same rules as the web pages.

    GET /api/v1/surveys/                       the surveys (DLM and L&D team)
    GET /api/v1/surveys/{survey_id}            one survey with its questions, in both languages
    GET /api/v1/surveys/results                the surveys whose results the caller may read, with
                                               responses and invited vs answered (team, sponsors, facilitators)
    GET /api/v1/surveys/{survey_id}/results    results (?cohort=&session=&facilitator=&by=)
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from pilotage.core.api import limit_query, offset_query, page_schema, paginate
from pilotage.surveys import queries, results
from pilotage.surveys.models import Question, Survey

router = Router(tags=["surveys"])


class ChoiceOut(Schema):
    value: str
    fr: str
    en: str


class QuestionOut(Schema):
    id: int
    uid: uuid.UUID
    position: int
    kind: str = Field(description="likert, rating, nps, single, multiple or text")
    text_fr: str
    text_en: str
    required: bool
    choices: list[ChoiceOut] = Field(description="single and multiple: the values offered, labelled in both languages")
    scale_max: int = Field(description="The top of the scale: 5 (Likert), 10 (NPS, from 0), 2–10 (rating)")
    measure: str = Field(description="satisfaction, application or empty")


class SurveySummaryOut(Schema):
    id: int
    uid: uuid.UUID
    kind: str
    title_fr: str
    title_en: str
    is_template: bool
    anonymous: bool
    programme_id: int | None
    status: str
    updated_at: dt.datetime


class SurveyOut(SurveySummaryOut):
    intro_fr: str
    intro_en: str
    questions: list[QuestionOut]

    @staticmethod
    def resolve_questions(obj: Survey) -> list[Question]:
        # sorted in Python: uses the prefetched questions of a list (one query, not one a survey)
        return sorted(obj.questions.all(), key=lambda q: (q.position, q.pk))


class HeadlineOut(Schema):
    count: int
    hidden: bool
    reason: str = Field(description="Why the figures are withheld (anonymous survey, too few responses)")
    satisfaction: float | None = Field(description="Average of the satisfaction questions, on /5")
    nps: int | None = Field(description="% promoters (9–10) − % detractors (0–6)")
    application_rate: int | None = Field(description="% of answers of 4 or 5 to the application questions (L3)")


class BucketOut(Schema):
    value: str
    label: str
    count: int
    percent: int


class QuestionResultOut(Schema):
    question_id: int
    kind: str
    text: str
    answered: int
    average: float | None = None
    nps: int | None = None
    distribution: list[BucketOut] = []
    comments: list[str] | None = None


class CutOut(Schema):
    key: int
    label: str
    headline: HeadlineOut


class RateOut(Schema):
    invited: int = Field(description="Invitations sent, in the caller's scope")
    answered: int = Field(description="Of which answered")
    rate: int | None = Field(description="answered / invited in %; null when nobody was invited")


class ResultsSurveyOut(SurveySummaryOut):
    programme_code: str
    responses: int = Field(description="Responses the caller may count")
    response_rate: RateOut


class ResultsOut(Schema):
    survey_id: int
    count: int
    response_rate: RateOut
    hidden: bool
    reason: str
    headline: HeadlineOut | None
    questions: list[QuestionResultOut]
    by: str
    cuts: list[CutOut]


class ResultsFilters(Schema):
    cohort: int | None = None
    session: int | None = None
    facilitator: int | None = None
    by: str = Field("cohort", description="cohort, session, facilitator or org_unit")
    language: str = Field("fr", description="fr or en: the language of the labels")


@router.get("/", response=page_schema(SurveySummaryOut), summary="Surveys and templates", url_name="surveys_list")
def surveys_list(request: HttpRequest, limit: int = limit_query(), offset: int = offset_query()) -> dict[str, Any]:
    return paginate(queries.survey_list(user=request.user).order_by("-is_template", "title_fr"), limit, offset)


@router.get("/{int:survey_id}", response=SurveyOut, summary="A survey with its questions", url_name="surveys_read")
def surveys_read(request: HttpRequest, survey_id: int) -> Survey:
    return queries.survey_for_build(user=request.user, pk=survey_id)


@router.get(
    "/results",
    response=page_schema(ResultsSurveyOut),
    summary="Surveys whose results I may read",
    url_name="surveys_results_list",
)
def surveys_results_list(
    request: HttpRequest, limit: int = limit_query(), offset: int = offset_query()
) -> dict[str, Any]:
    """The team every programme survey; a sponsor their programmes'; a facilitator the programmes
    they run cohorts or sessions of (counts: only the responses and invitations about their own)."""
    qs = queries.results_survey_list(user=request.user).order_by("programme__code", "kind", "title_fr", "pk")
    page = paginate(qs, limit, offset)
    surveys: list[Survey] = list(page["items"])
    counts = queries.results_response_counts(user=request.user, surveys=surveys)
    rates = queries.results_invitation_counts(user=request.user, surveys=surveys)
    page["items"] = [
        {
            **{name: getattr(s, name) for name in SurveySummaryOut.model_fields},
            "programme_code": s.programme.code if s.programme else "",
            "responses": counts[s.pk],
            "response_rate": rates[s.pk],
        }
        for s in surveys
    ]
    return page


@router.get("/{int:survey_id}/results", response=ResultsOut, summary="Results of a survey", url_name="surveys_results")
def surveys_results(request: HttpRequest, survey_id: int, filters: Query[ResultsFilters]) -> dict[str, Any]:
    """The team reads every survey; a sponsor their programmes'; a facilitator the responses
    about their own cohorts and sessions. An anonymous survey withholds every group of fewer
    than 5 responses, and a filtered view or row that leaves 1 to 4 others (it would give them
    away by difference) — ``hidden`` and ``reason``; figures, distributions and comments alike."""
    survey = queries.results_survey_get(user=request.user, pk=survey_id)
    responses = queries.results_responses(user=request.user, survey=survey)
    # The unfiltered count in the user's scope: a filtered view leaving 1-4 others is withheld.
    baseline = responses.count()
    if filters.cohort:
        responses = responses.filter(cohort_id=filters.cohort)
    if filters.session:
        responses = responses.filter(session_id=filters.session)
    if filters.facilitator:
        responses = responses.filter(facilitators=filters.facilitator)
    by = filters.by if filters.by in results.DIMENSIONS else "cohort"
    language = filters.language if filters.language in ("fr", "en") else "fr"
    figures = results.survey_results(survey=survey, responses=responses, language=language, baseline=baseline)
    headline = figures["headline"]
    return {
        "survey_id": survey.pk,
        "count": figures["count"],
        "response_rate": queries.results_invitation_counts(user=request.user, surveys=[survey])[survey.pk],
        "hidden": figures["hidden"],
        "reason": figures["reason"],
        "headline": vars(headline) if headline is not None else None,
        "questions": [
            {
                "question_id": item["question"].pk,
                "kind": item["kind"],
                "text": item["view"]["text"],
                "answered": item.get("answered", 0),
                "average": item.get("average"),
                "nps": item.get("nps"),
                "distribution": item.get("distribution", []),
                "comments": item.get("comments"),
            }
            for item in figures["questions"]
        ],
        "by": by,
        "cuts": [
            {"key": row["key"], "label": row["label"], "headline": vars(row["headline"])}
            for row in results.results_by(survey=survey, responses=responses, dimension=by, baseline=baseline)
        ],
    }
