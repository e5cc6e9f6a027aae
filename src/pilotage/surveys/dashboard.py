"""The programme dashboard (decision 0038): the funnel enrolled → started → completed → passed,
satisfaction, NPS and the L3 application rate, in total, by cohort and by org unit.

Everything is aggregated in SQL — a handful of queries whatever the number of learners:

- the funnel reads the Enrolment progress fields kept by the LRS projection (one query for the
  total, one grouped by cohort, one grouped by the employee's org unit);
- the survey figures read the answers of the responses whose copied context names the
  programme (one query for the total, one by cohort, one by org unit);
- org units are grouped by the employee's (or the response's) own unit in SQL and summed into
  the branches shown (the children of the org unit filtered on) in Python — a few rows per unit,
  never one per learner.

Scales: a likert answer is 1–5; a rating 1–N is brought to /5 (``n × 5 / N``). Satisfaction is
the average of the satisfaction answers on /5; the application rate is the share of application
answers at 4/5 or more; NPS is %promoters (9–10) − %detractors (0–6) over the NPS answers.

Anonymity (decision 0027): every survey figure of every cut (total, a cohort, an org unit)
counts its distinct responses and is withheld below ``ANONYMITY_THRESHOLD``. Against differencing:

- a filtered view (cohort, org unit, period) also withholds a figure when the same figure of the
  unfiltered programme minus it leaves 1 to 4 responses (``?cohort=C2`` with 5 responses while
  the programme has 7 would give away the 2 others by subtraction); so does each breakdown row;
- in a breakdown, when the withheld rows add up to fewer than ``ANONYMITY_THRESHOLD`` responses,
  the next smallest rows are withheld too until they reach it (or all are withheld), so no row
  can be recovered from the total and the rows shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, FloatField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Cast
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _

from pilotage.delivery.models import Cohort, Enrolment
from pilotage.people.models import OrgUnit
from pilotage.programmes.models import Programme
from pilotage.surveys.models import ANONYMITY_THRESHOLD, MEASURED_KINDS, Answer, Question, Response
from pilotage.surveys.results import withhold_complements

STAGES = ("enrolled", "started", "completed", "passed")
STAGE_LABELS = {
    "enrolled": _("Enrolled"),
    "started": _("Started"),
    "completed": _("Completed"),
    "passed": _("Passed"),
}
MEASURES = ("satisfaction", "nps", "application")
MEASURE_LABELS = {
    "satisfaction": _("Satisfaction"),
    "nps": _("NPS"),
    "application": _("L3 application rate"),
}
APPLIED_FROM = 4.0  # on /5: "agree" or more
NO_UNIT = 0  # the org-unit key of employees (responses) without an org unit


# --- filters ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters. ``org_unit`` covers its whole subtree; the period selects the
    cohorts that start in it (both ends included), for the funnel and the survey figures alike."""

    cohort: Cohort | None = None
    org_unit: OrgUnit | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def apply(self, qs: QuerySet[Any], *, org_unit: str) -> QuerySet[Any]:
        """``qs`` (rows with a ``cohort``) within these filters; ``org_unit`` names the rows' org
        unit field (the employee's for enrolments, the copied one for responses)."""
        if self.cohort is not None:
            qs = qs.filter(cohort=self.cohort)
        if self.org_unit is not None:
            qs = qs.filter(**{f"{org_unit}__path__startswith": self.org_unit.path})
        if self.since is not None:
            qs = qs.filter(cohort__starts_on__gte=self.since)
        if self.until is not None:
            qs = qs.filter(cohort__starts_on__lte=self.until)
        return qs

    def params(self, **extra: Any) -> dict[str, str]:
        """The query string of these filters (plus ``extra``), for links."""
        out: dict[str, str] = {}
        if self.cohort is not None:
            out["cohort"] = str(self.cohort.pk)
        if self.org_unit is not None:
            out["org_unit"] = str(self.org_unit.pk)
        if self.since is not None:
            out["since"] = self.since.isoformat()
        if self.until is not None:
            out["until"] = self.until.isoformat()
        for key, value in extra.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = str(value)
        return out


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        return None


def read_filters(params: Mapping[str, Any], *, programme: Programme) -> tuple[Filters, list[str]]:
    """Filters read from a query string, and the names of the filters given but ignored: a
    cohort that is not one of the programme's, an org unit that does not exist (the page says
    so, the API answers 400). A malformed date is ignored too (the API validates dates itself)."""
    cohort = None
    org_unit = None
    ignored: list[str] = []
    raw = str(params.get("cohort") or "").strip()
    if raw:
        if raw.isdigit():
            cohort = Cohort.objects.filter(pk=int(raw), path__programme=programme).first()
        if cohort is None:
            ignored.append("cohort")
    raw = str(params.get("org_unit") or "").strip()
    if raw:
        if raw.isdigit():
            org_unit = OrgUnit.objects.filter(pk=int(raw)).first()
        if org_unit is None:
            ignored.append("org_unit")
    filters = Filters(
        cohort=cohort,
        org_unit=org_unit,
        since=_date(str(params.get("since") or "")),
        until=_date(str(params.get("until") or "")),
    )
    return filters, ignored


def cohort_choices(programme: Programme) -> QuerySet[Cohort]:
    return Cohort.objects.filter(path__programme=programme).order_by("starts_on", "code")


def org_unit_choices() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.order_by("path").only("pk", "name", "depth", "path")


# --- the funnel ---------------------------------------------------------------------------------


def enrolments(programme: Programme, filters: Filters) -> QuerySet[Enrolment]:
    """The enrolments the funnel counts: seated (active or completed) in a cohort of the
    programme, within the filters. Pending, waitlisted, declined, unenrolled and transferred
    ones are not (a transfer is counted once, in the cohort it went to)."""
    qs = Enrolment.objects.filter(cohort__path__programme=programme, status__in=Enrolment.SEATED)
    return filters.apply(qs, org_unit="employee__org_unit")


STAGE_Q: dict[str, Q] = {
    "enrolled": Q(),
    "started": Q(started_at__isnull=False),
    "completed": Q(completed_at__isnull=False),
    "passed": Q(passed=True),
}


def _funnel_aggregates() -> dict[str, Any]:
    return {stage: Count("pk", filter=STAGE_Q[stage]) if stage != "enrolled" else Count("pk") for stage in STAGES}


@dataclass
class Funnel:
    enrolled: int = 0
    started: int = 0
    completed: int = 0
    passed: int = 0

    def add(self, other: Funnel) -> None:
        for stage in STAGES:
            setattr(self, stage, getattr(self, stage) + getattr(other, stage))

    def count(self, stage: str) -> int:
        return int(getattr(self, stage))

    def rate(self, stage: str) -> int | None:
        """The share of the enrolled at ``stage``, in whole percent (None when nobody is enrolled)."""
        return round(100 * self.count(stage) / self.enrolled) if self.enrolled else None

    def as_dict(self) -> dict[str, int]:
        return {stage: self.count(stage) for stage in STAGES}


def _funnel(row: Mapping[str, Any]) -> Funnel:
    return Funnel(**{stage: int(row.get(stage) or 0) for stage in STAGES})


# --- survey figures -----------------------------------------------------------------------------


def responses(programme: Programme, filters: Filters) -> QuerySet[Response]:
    """The responses about the programme within the filters (their copied context)."""
    return filters.apply(Response.objects.filter(programme=programme), org_unit="org_unit")


SCALED = MEASURED_KINDS
MEASURE_Q: dict[str, Q] = {
    "satisfaction": Q(question__measure=Question.Measure.SATISFACTION, question__kind__in=SCALED),
    "nps": Q(question__kind=Question.Kind.NPS),
    "application": Q(question__measure=Question.Measure.APPLICATION, question__kind__in=SCALED),
}


def _on5() -> Case:
    """The answer brought to /5: a rating 1–N as ``n × 5 / N``, a likert as is."""
    return Case(
        When(
            question__kind=Question.Kind.RATING,
            question__scale_max__gt=0,
            then=F("number") * Value(5.0) / Cast("question__scale_max", FloatField()),
        ),
        default=F("number"),
        output_field=FloatField(),
    )


def answers(programme: Programme, filters: Filters) -> QuerySet[Answer]:
    """The numeric answers the survey figures read."""
    return Answer.objects.filter(response__in=responses(programme, filters).values("pk"), number__isnull=False)


def _survey_aggregates() -> dict[str, Any]:
    sat, nps, app = MEASURE_Q["satisfaction"], MEASURE_Q["nps"], MEASURE_Q["application"]
    return {
        "sat_responses": Count("response", filter=sat, distinct=True),
        "sat_answers": Count("pk", filter=sat),
        "sat_sum": Sum(_on5(), filter=sat),
        "nps_responses": Count("response", filter=nps, distinct=True),
        "nps_answers": Count("pk", filter=nps),
        "promoters": Count("pk", filter=nps & Q(number__gte=9)),
        "detractors": Count("pk", filter=nps & Q(number__lte=6)),
        "app_responses": Count("response", filter=app, distinct=True),
        "app_answers": Count("pk", filter=app),
        "applied": Count("pk", filter=app & Q(GreaterThanOrEqual(_on5(), APPLIED_FROM))),
    }


SURVEY_KEYS = tuple(_survey_aggregates())


@dataclass
class SurveyFigures:
    """Sums over a cut: combined across org units before the figures are derived."""

    sat_responses: int = 0
    sat_answers: int = 0
    sat_sum: float = 0.0
    nps_responses: int = 0
    nps_answers: int = 0
    promoters: int = 0
    detractors: int = 0
    app_responses: int = 0
    app_answers: int = 0
    applied: int = 0
    # Measures withheld against differencing although they reach the threshold.
    suppressed: set[str] = field(default_factory=set)

    def add(self, other: SurveyFigures) -> None:
        for key in SURVEY_KEYS:
            setattr(self, key, getattr(self, key) + getattr(other, key))

    def responses(self, measure: str) -> int:
        return int(getattr(self, {"satisfaction": "sat", "nps": "nps", "application": "app"}[measure] + "_responses"))

    def shown(self, measure: str) -> bool:
        return self.responses(measure) >= ANONYMITY_THRESHOLD and measure not in self.suppressed

    @property
    def satisfaction(self) -> float | None:
        """Average satisfaction on /5, one decimal; None when withheld or absent."""
        if not self.shown("satisfaction") or not self.sat_answers:
            return None
        return round(self.sat_sum / self.sat_answers, 1)

    @property
    def nps(self) -> int | None:
        if not self.shown("nps") or not self.nps_answers:
            return None
        return round(100 * (self.promoters - self.detractors) / self.nps_answers)

    @property
    def application_rate(self) -> int | None:
        """Share of application answers at 4/5 or more, in whole percent."""
        if not self.shown("application") or not self.app_answers:
            return None
        return round(100 * self.applied / self.app_answers)

    def value(self, measure: str) -> float | int | None:
        return {"satisfaction": self.satisfaction, "nps": self.nps, "application": self.application_rate}[measure]

    def figure(self, measure: str) -> dict[str, Any]:
        n = self.responses(measure)
        withheld = n > 0 and not self.shown(measure)
        reason = ""
        if withheld:
            reason = "few" if n < ANONYMITY_THRESHOLD else "difference"
        return {
            "measure": measure,
            "value": self.value(measure),
            "responses": n,
            "withheld": withheld,
            "reason": reason,
        }

    def as_dict(self) -> dict[str, Any]:
        return {m: self.figure(m) for m in MEASURES}


def _survey(row: Mapping[str, Any]) -> SurveyFigures:
    values: dict[str, Any] = {key: (row.get(key) or 0) for key in SURVEY_KEYS}
    values["sat_sum"] = float(values["sat_sum"])
    return SurveyFigures(**values)


def _suppress_complements(rows: list[SurveyFigures]) -> None:
    """Within one breakdown, withheld rows adding up to fewer than the threshold could be
    recovered from the total and the rows shown (``results.withhold_complements``)."""
    for measure in MEASURES:
        counts = {index: r.responses(measure) for index, r in enumerate(rows)}
        hidden = {index for index, r in enumerate(rows) if not r.shown(measure)}
        for index in withhold_complements(counts, hidden) - hidden:
            rows[index].suppressed.add(measure)


def _suppress_differences(figures: SurveyFigures, baseline: SurveyFigures) -> None:
    """A figure of a filtered view whose difference with the unfiltered programme's is 1 to 4
    responses would give those few away by subtraction: withhold it."""
    for measure in MEASURES:
        if 0 < baseline.responses(measure) - figures.responses(measure) < ANONYMITY_THRESHOLD:
            figures.suppressed.add(measure)


# --- the dashboard --------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of a breakdown: a cohort or an org unit (``key`` is its id, 0 for "none")."""

    key: int
    label: str
    funnel: Funnel = field(default_factory=Funnel)
    survey: SurveyFigures = field(default_factory=SurveyFigures)
    meta: str = ""


@dataclass
class Dashboard:
    programme: Programme
    filters: Filters
    funnel: Funnel
    survey: SurveyFigures
    by_cohort: list[Row]
    by_org_unit: list[Row]
    org_unit_parent: OrgUnit | None  # the unit whose branches ``by_org_unit`` shows (None: the top)

    def as_dict(self) -> dict[str, Any]:
        """The figures as plain data (the API's answer)."""

        def row(r: Row) -> dict[str, Any]:
            return {"id": r.key or None, "label": r.label, "funnel": r.funnel.as_dict(), "survey": r.survey.as_dict()}

        f = self.filters
        return {
            "programme_id": self.programme.pk,
            "filters": {
                "cohort": f.cohort.pk if f.cohort else None,
                "org_unit": f.org_unit.pk if f.org_unit else None,
                "since": f.since,
                "until": f.until,
            },
            "anonymity_threshold": ANONYMITY_THRESHOLD,
            "funnel": self.funnel.as_dict(),
            "survey": self.survey.as_dict(),
            "by_cohort": [row(r) for r in self.by_cohort],
            "by_org_unit": [row(r) for r in self.by_org_unit],
        }


def _branches(parent: OrgUnit | None) -> tuple[OrgUnit | None, list[OrgUnit]]:
    """The org units a breakdown shows: the children of ``parent``; at the top, the children of
    the single root (a one-line "whole company" breakdown says nothing), else the roots."""
    if parent is None:
        roots = list(OrgUnit.objects.filter(parent__isnull=True).order_by("name")[:2])
        if len(roots) == 1:
            parent = roots[0]
        else:
            return None, list(OrgUnit.objects.filter(parent__isnull=True).order_by("name"))
    return parent, list(OrgUnit.objects.filter(parent=parent).order_by("name"))


def _roll_up(
    parent: OrgUnit | None,
    branches: list[OrgUnit],
    funnel_rows: Iterable[Mapping[str, Any]],
    survey_rows: Iterable[Mapping[str, Any]],
) -> list[Row]:
    """Sums the per-unit rows into the branches (a unit belongs to the branch whose path
    prefixes its own); rows of the parent itself and of no unit get their own line."""
    rows: dict[int, Row] = {b.pk: Row(key=b.pk, label=b.name) for b in branches}
    by_path = [(b.path, b.pk) for b in branches]
    extra: dict[int, Row] = {}

    def target(path: str | None) -> Row:
        if path:
            for prefix, pk in by_path:
                if path.startswith(prefix):
                    return rows[pk]
        if parent is not None and path and path.startswith(parent.path):
            key, label = parent.pk, str(_("Directly in %(unit)s") % {"unit": parent.name})
        else:
            key, label = NO_UNIT, str(_("No org unit"))
        if key not in extra:
            extra[key] = Row(key=key, label=label)
        return extra[key]

    for r in funnel_rows:
        target(r["unit_path"]).funnel.add(_funnel(r))
    for r in survey_rows:
        target(r["unit_path"]).survey.add(_survey(r))
    out = [
        r
        for r in rows.values()
        if r.funnel.enrolled or r.survey.sat_responses or r.survey.nps_responses or r.survey.app_responses
    ]
    return out + list(extra.values())


def programme_dashboard(*, programme: Programme, filters: Filters) -> Dashboard:
    """The dashboard of a programme already scoped to the user (``programmes.queries``)."""
    enrol = enrolments(programme, filters)
    total = _funnel(enrol.aggregate(**_funnel_aggregates()))
    survey_qs = answers(programme, filters)
    survey_total = _survey(survey_qs.aggregate(**_survey_aggregates()))

    # By cohort: the programme's cohorts within the filters, in start order.
    cohorts: dict[int, Row] = {}
    for r in (
        enrol.values("cohort_id", "cohort__code", "cohort__title", "cohort__starts_on")
        .annotate(**_funnel_aggregates())
        .order_by("cohort__starts_on", "cohort__code")
    ):
        cohorts[r["cohort_id"]] = Row(
            key=r["cohort_id"],
            label=f"{r['cohort__code']} {r['cohort__title']}",
            funnel=_funnel(r),
            meta=str(r["cohort__starts_on"]),
        )
    survey_rows_by_cohort: Iterable[Mapping[str, Any]] = (
        survey_qs.values(
            "response__cohort_id", "response__cohort__code", "response__cohort__title", "response__cohort__starts_on"
        )
        .annotate(**_survey_aggregates())
        .order_by()
    )
    for sr in survey_rows_by_cohort:
        key = sr["response__cohort_id"] or 0
        if key not in cohorts:
            label = f"{sr['response__cohort__code']} {sr['response__cohort__title']}" if key else str(_("No cohort"))
            cohorts[key] = Row(key=key, label=label, meta=str(sr["response__cohort__starts_on"] or ""))
        cohorts[key].survey = _survey(sr)
    by_cohort = sorted(cohorts.values(), key=lambda row: (row.key == 0, row.meta, row.label))

    # By org unit: grouped by the unit in SQL, summed into branches here.
    parent, branches = _branches(filters.org_unit)
    funnel_rows = enrol.values(unit_path=F("employee__org_unit__path")).annotate(**_funnel_aggregates()).order_by()
    survey_rows = survey_qs.values(unit_path=F("response__org_unit__path")).annotate(**_survey_aggregates()).order_by()
    by_org_unit = _roll_up(parent, branches, funnel_rows, survey_rows)

    if filters != Filters():
        # A filtered view: every figure is also checked against the unfiltered programme's.
        baseline = _survey(answers(programme, Filters()).aggregate(**_survey_aggregates()))
        for figures in [survey_total, *(r.survey for r in by_cohort), *(r.survey for r in by_org_unit)]:
            _suppress_differences(figures, baseline)
    _suppress_complements([r.survey for r in by_cohort])
    _suppress_complements([r.survey for r in by_org_unit])
    return Dashboard(
        programme=programme,
        filters=filters,
        funnel=total,
        survey=survey_total,
        by_cohort=by_cohort,
        by_org_unit=by_org_unit,
        org_unit_parent=parent,
    )


# --- the learners behind a figure ------------------------------------------------------------------


def stage_learners(programme: Programme, filters: Filters, stage: str) -> QuerySet[Enrolment]:
    """The enrolments counted at ``stage`` of the funnel within the filters."""
    return (
        enrolments(programme, filters)
        .filter(STAGE_Q.get(stage, Q()))
        .select_related("employee", "employee__org_unit", "cohort")
        .order_by("employee__last_name", "employee__first_name", "pk")
    )


def measure_responses(programme: Programme, filters: Filters, measure: str) -> QuerySet[Response]:
    """The responses behind a survey figure (those with an answer to the measure's questions)."""
    q = MEASURE_Q[measure]
    ids = answers(programme, filters).filter(q).values("response_id")
    return Response.objects.filter(pk__in=ids)


def respondents(programme: Programme, filters: Filters, measure: str) -> tuple[QuerySet[Response], int, int]:
    """The named responses behind a survey figure, the number of anonymous ones (not listed),
    and the total. Below the threshold nothing is listed (the figure is withheld too)."""
    qs = measure_responses(programme, filters, measure)
    total = qs.count()
    named = (
        qs.filter(invitation__isnull=False, survey__anonymous=False)
        .select_related("invitation__respondent", "invitation__respondent__org_unit", "cohort", "survey")
        .order_by("invitation__respondent__last_name", "invitation__respondent__first_name", "pk")
    )
    if total < ANONYMITY_THRESHOLD:
        named = named.none()
        return named, 0, total
    anonymous = qs.filter(Q(invitation__isnull=True) | Q(survey__anonymous=True)).count()
    return named, anonymous, total


def programme_index(*, user: Any) -> QuerySet[Programme]:
    """The programmes whose dashboard the user may open (the DLM and L&D all, a client those
    they sponsor, others 403), with their seated and completed enrolments (one query a page)."""
    from pilotage.programmes import queries as programme_queries

    seated = Q(paths__cohorts__enrolments__status__in=Enrolment.SEATED)
    return programme_queries.programme_list(user=user).annotate(
        enrolled=Count("paths__cohorts__enrolments", filter=seated),
        completed=Count(
            "paths__cohorts__enrolments", filter=seated & Q(paths__cohorts__enrolments__completed_at__isnull=False)
        ),
    )
