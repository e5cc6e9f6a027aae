"""The portfolio roadmap by quarter and the annual plan ("plan de développement des
compétences"): what it contains, and its XLSX and PDF renderings.

Both exports are built synchronously in the request (docs/decisions/0017-annual-plan-export.md):
a plan of a few dozen programmes renders in well under two seconds.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from pilotage.core.formulas import safe_cell
from pilotage.programmes import queries
from pilotage.programmes.models import Programme, ProgrammeCompetency, ProgrammeTransition
from pilotage.programmes.services_programmes import audiences_headcount

MIN_YEAR, MAX_YEAR = 2000, 2100


def quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def year_param(value: Any, default: int | None = None) -> int:
    """A year from a query string, clamped to a sane range (default: this year)."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default or timezone.localdate().year
    return min(max(year, MIN_YEAR), MAX_YEAR)


def _overlapping(qs: QuerySet[Programme], first: dt.date, last: dt.date) -> QuerySet[Programme]:
    """Programmes whose planned period meets [first, last] (an open end runs on)."""
    return qs.filter(planned_start__isnull=False, planned_start__lte=last).filter(
        Q(planned_end__isnull=True) | Q(planned_end__gte=first)
    )


def _without_abandoned(qs: QuerySet[Programme]) -> QuerySet[Programme]:
    """Drop programmes closed without ever running: they are not part of a plan."""
    ran = ProgrammeTransition.objects.filter(programme=OuterRef("pk"), to_status=Programme.Status.RUNNING)
    return qs.exclude(Q(status=Programme.Status.CLOSED) & ~Exists(ran))


# --- roadmap -----------------------------------------------------------------------------------------


@dataclass
class Quarter:
    year: int
    number: int

    @property
    def label(self) -> str:
        # "Q1 2027"; French says "T1 2027" (trimestre).
        return _("Q%(number)s %(year)s") % {"number": self.number, "year": self.year}

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def last(self) -> dt.date:
        if self.number == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.number + 1, 1) - dt.timedelta(days=1)


@dataclass
class Bar:
    programme: Programme
    start: int  # 1-based index of the first quarter column
    end: int  # 1-based index of the last quarter column
    starts_before: bool
    ends_after: bool
    first_label: str
    last_label: str


@dataclass
class Roadmap:
    quarters: list[Quarter]
    bars: list[Bar]
    unscheduled: list[Programme] = field(default_factory=list)


def quarters_from(year: int, count: int) -> list[Quarter]:
    return [Quarter(year + i // 4, i % 4 + 1) for i in range(count)]


def roadmap(qs: QuerySet[Programme], *, year: int, quarters: int = 8) -> Roadmap:
    """Programmes laid out over ``quarters`` quarters from Q1 of ``year``: each bar spans the
    quarters of its planned dates, clipped at the edges (the flags say it runs on)."""
    columns = quarters_from(year, quarters)
    first, last = columns[0].first, columns[-1].last
    bars = []
    for programme in _overlapping(qs, first, last).order_by("planned_start", "code"):
        start_day = programme.planned_start
        assert start_day is not None
        end_day = programme.planned_end or start_day
        start_index = 1 if start_day < first else (start_day.year - year) * 4 + quarter_of(start_day)
        end_index = quarters if end_day > last else (end_day.year - year) * 4 + quarter_of(end_day)
        bars.append(
            Bar(
                programme=programme,
                start=start_index,
                end=max(end_index, start_index),
                starts_before=start_day < first,
                ends_after=end_day > last,
                first_label=Quarter(start_day.year, quarter_of(start_day)).label,
                last_label=Quarter(end_day.year, quarter_of(end_day)).label,
            )
        )
    unscheduled = list(qs.filter(planned_start__isnull=True).order_by("code"))
    return Roadmap(quarters=columns, bars=bars, unscheduled=unscheduled)


# --- annual plan -----------------------------------------------------------------------------------------


@dataclass
class PlanLine:
    programme: Programme
    objectives: list[Any]
    audiences: list[Any]
    headcount: int
    competencies: list[ProgrammeCompetency]
    quarters: list[int]  # quarters of the plan's year it runs in (1-4)

    @property
    def modality(self) -> str:
        modality = self.programme.chosen_modality
        return modality.name if modality is not None else ""

    @property
    def budget(self) -> decimal.Decimal:
        return self.programme.budget_estimate or decimal.Decimal(0)


@dataclass
class ObjectiveGroup:
    objective: Any  # None: programmes serving no objective
    lines: list[PlanLine]

    @property
    def title(self) -> str:
        return self.objective.title if self.objective is not None else _("Programmes without an objective")

    @property
    def headcount(self) -> int:
        return sum(line.headcount for line in self.lines)

    @property
    def budget(self) -> decimal.Decimal:
        return sum((line.budget for line in self.lines), decimal.Decimal(0))


@dataclass
class AnnualPlan:
    year: int
    lines: list[PlanLine]
    groups: list[ObjectiveGroup]
    unscheduled_count: int
    generated_at: dt.datetime

    @property
    def headcount(self) -> int:
        return sum(line.headcount for line in self.lines)

    @property
    def budget(self) -> decimal.Decimal:
        return sum((line.budget for line in self.lines), decimal.Decimal(0))

    @property
    def objective_count(self) -> int:
        return sum(1 for g in self.groups if g.objective is not None)

    @property
    def by_status(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for line in self.lines:
            counts[line.programme.status] = counts.get(line.programme.status, 0) + 1
        return [(str(label), counts[value]) for value, label in Programme.Status.choices if value in counts]

    @property
    def quarters(self) -> list[Quarter]:
        return quarters_from(self.year, 4)


def annual_plan(*, user: Any, year: int) -> AnnualPlan:
    """The year's plan as the user may see it: programmes planned during ``year`` (abandoned
    ones left out), grouped by objective (a programme serving two objectives shows under
    both; the totals count it once), with live headcount and target competencies."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    visible = queries.programme_list(user=user)
    qs = (
        _without_abandoned(_overlapping(visible, first, last))
        .select_related("chosen_modality", "sponsor", "owner")
        .prefetch_related(
            "objectives",
            "audiences",
            "requests",
            Prefetch(
                "competencies",
                queryset=ProgrammeCompetency.objects.select_related("skill__domain", "target_level"),
            ),
        )
        .order_by("planned_start", "code")
    )
    lines = []
    for programme in qs:
        audiences = list(programme.audiences.all())
        start = max(programme.planned_start or first, first)
        end = min(programme.planned_end or start, last)
        lines.append(
            PlanLine(
                programme=programme,
                objectives=list(programme.objectives.all()),
                audiences=audiences,
                headcount=audiences_headcount(audiences, per_audience=False)["total"],
                competencies=list(programme.competencies.all()),
                quarters=list(range(quarter_of(start), quarter_of(max(end, start)) + 1)),
            )
        )
    by_objective: dict[int | None, ObjectiveGroup] = {}
    for line in lines:
        for objective in line.objectives or [None]:
            key = objective.pk if objective is not None else None
            by_objective.setdefault(key, ObjectiveGroup(objective, [])).lines.append(line)
    groups = sorted(
        by_objective.values(),
        key=lambda g: (g.objective is None, -(g.objective.weight if g.objective else 0), g.title),
    )
    unscheduled = visible.filter(planned_start__isnull=True).exclude(status=Programme.Status.CLOSED).count()
    return AnnualPlan(year=year, lines=lines, groups=groups, unscheduled_count=unscheduled, generated_at=timezone.now())


# --- XLSX ---------------------------------------------------------------------------------------------------


def _names(items: Iterable[Any]) -> str:
    return ", ".join(str(i) for i in items)


def _sheet(workbook: Any, title: str, headers: list[str], rows: Iterable[list[Any]], widths: list[int]) -> Any:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([safe_cell(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def plan_xlsx(plan: AnnualPlan) -> bytes:
    """The plan as a workbook: summary by objective, programmes, competencies. Every text
    cell goes through ``safe_cell`` (no formula injection from a title)."""
    from openpyxl import Workbook

    workbook = Workbook()
    for default_sheet in list(workbook.worksheets):
        workbook.remove(default_sheet)
    _sheet(
        workbook,
        _("Summary"),
        [_("Objective"), _("Weight"), _("Programmes"), _("Headcount"), _("Estimated budget (€)")],
        [
            [g.title, g.objective.weight if g.objective else "", len(g.lines), g.headcount, float(g.budget)]
            for g in plan.groups
        ]
        + [[_("Total (each programme once)"), "", len(plan.lines), plan.headcount, float(plan.budget)]],
        [50, 10, 14, 14, 22],
    )
    _sheet(
        workbook,
        _("Programmes"),
        [
            _("Code"),
            _("Title"),
            _("Status"),
            _("Planned start"),
            _("Planned end"),
            _("Quarters"),
            _("Objectives"),
            _("Target audiences"),
            _("Headcount"),
            _("Modality"),
            _("Estimated budget (€)"),
            _("Sponsor"),
            _("Owner"),
            _("Requests answered"),
        ],
        [
            [
                line.programme.code,
                line.programme.title,
                str(line.programme.get_status_display()),
                line.programme.planned_start,
                line.programme.planned_end,
                ", ".join(Quarter(plan.year, q).label for q in line.quarters),
                _names(line.objectives),
                _names(line.audiences),
                line.headcount,
                line.modality,
                float(line.programme.budget_estimate) if line.programme.budget_estimate is not None else None,
                str(line.programme.sponsor or ""),
                str(line.programme.owner or ""),
                ", ".join(r.reference for r in line.programme.requests.all()),
            ]
            for line in plan.lines
        ],
        [14, 40, 14, 14, 14, 12, 40, 40, 12, 24, 20, 24, 24, 24],
    )
    _sheet(
        workbook,
        _("Competencies"),
        [_("Code"), _("Programme"), _("Domain"), _("Skill"), _("Target level")],
        [
            [line.programme.code, line.programme.title, c.skill.domain.name, c.skill.name, str(c.target_level)]
            for line in plan.lines
            for c in line.competencies
        ],
        [14, 40, 30, 40, 24],
    )
    for sheet in workbook.worksheets[1:]:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- PDF -------------------------------------------------------------------------------------------------------


def plan_html(plan: AnnualPlan, *, organisation: str = "") -> str:
    return render_to_string("programmes/annual_plan_pdf.html", {"plan": plan, "organisation": organisation})


def plan_pdf(plan: AnnualPlan, *, organisation: str = "") -> bytes:
    """The steering-committee document: cover, key figures, a table per objective and the
    quarter roadmap; A4 landscape, numbered pages, DejaVu fonts (rendered by WeasyPrint in the
    active language)."""
    import weasyprint

    return bytes(weasyprint.HTML(string=plan_html(plan, organisation=organisation)).write_pdf())


def organisation_name() -> str:
    """The name of the root of the org tree (the company), for the cover page."""
    from pilotage.people.models import OrgUnit

    root = OrgUnit.objects.filter(depth=0).order_by("pk").first()
    return root.name if root else ""


def plan_filename(year: int, extension: str) -> str:
    return f"plan-developpement-competences-{year}.{extension}"
