"""Results of a survey: per question (distributions, averages, NPS, choices, comments) and per
cut (programme, cohort, session, facilitator, org unit) with the headline figures.

Anonymity (decision 0027): for an anonymous survey, any group of fewer than
``ANONYMITY_THRESHOLD`` responses shows no figure, only the reason; comments of an anonymous
survey are listed in alphabetical order, never by date. Against differencing, a filtered view
(cohort, session, facilitator) is also withheld — figures, distributions and comments — when the
unfiltered responses in the user's scope minus its own leave 1 to 4 (``baseline``); a breakdown
withholds each row whose complement is that small, then the next smallest rows until the withheld
rows add up to the threshold (or all are withheld).

Figures: a Likert or rating average is on its own scale; "satisfaction" is the average of the
questions measuring satisfaction brought to /5; NPS = % promoters (9–10) − % detractors (0–6);
the application rate (L3) is the share of answers of 4 or 5 to the Likert questions measuring
application.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pilotage.delivery.models import Cohort, Session
from pilotage.people.models import OrgUnit, User
from pilotage.surveys import display
from pilotage.surveys.models import ANONYMITY_THRESHOLD, Answer, Question, Response, Survey

DIMENSIONS = ("cohort", "session", "facilitator", "org_unit")


def hidden_reason(count: int) -> str:
    return _(
        "Not shown: %(count)s response(s), fewer than %(min)s. The survey is anonymous, and so small a group "
        "could identify who answered."
    ) % {"count": count, "min": ANONYMITY_THRESHOLD}


def difference_reason(count: int) -> str:
    return _(
        "Not shown: %(count)s response(s), but the other responses number fewer than %(min)s. The survey is "
        "anonymous, and subtracting this group from the whole would show how those few answered."
    ) % {"count": count, "min": ANONYMITY_THRESHOLD}


def is_hidden(survey: Survey, count: int) -> bool:
    return survey.anonymous and count < ANONYMITY_THRESHOLD


def small_difference(survey: Survey, count: int, baseline: int | None) -> bool:
    """True when an anonymous group of ``count`` responses leaves 1 to 4 others out of
    ``baseline`` (the unfiltered responses in the user's scope): it would give them away."""
    return survey.anonymous and baseline is not None and 0 < baseline - count < ANONYMITY_THRESHOLD


def nps_of(values: Iterable[float]) -> int | None:
    values = list(values)
    if not values:
        return None
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    return round(100 * (promoters - detractors) / len(values))


def _on_five(question: Question, value: float) -> float:
    if question.kind == Question.Kind.RATING and question.scale_max:
        return value * 5 / question.scale_max
    return value


@dataclass
class Headline:
    """The figures of one group of responses (all of them, or one cut)."""

    count: int = 0
    hidden: bool = False
    reason: str = ""
    satisfaction: float | None = None  # /5
    nps: int | None = None
    application_rate: int | None = None  # %


@dataclass
class _Acc:
    sat: list[float] = field(default_factory=list)
    nps: list[float] = field(default_factory=list)
    app_yes: int = 0
    app_all: int = 0


def _headline(survey: Survey, count: int, acc: _Acc, *, suppressed: bool = False) -> Headline:
    if is_hidden(survey, count):
        return Headline(count=count, hidden=True, reason=hidden_reason(count))
    if suppressed:
        return Headline(count=count, hidden=True, reason=difference_reason(count))
    return Headline(
        count=count,
        # One decimal, as the programme dashboard shows the same figure (dashboard.py).
        satisfaction=round(sum(acc.sat) / len(acc.sat), 1) if acc.sat else None,
        nps=nps_of(acc.nps),
        application_rate=round(100 * acc.app_yes / acc.app_all) if acc.app_all else None,
    )


def _accumulate(acc: _Acc, question: Question, value: float) -> None:
    if question.measure == Question.Measure.SATISFACTION:
        acc.sat.append(_on_five(question, value))
    if question.measure == Question.Measure.APPLICATION:
        acc.app_all += 1
        if _on_five(question, value) >= 4:
            acc.app_yes += 1
    if question.kind == Question.Kind.NPS:
        acc.nps.append(value)


def survey_results(
    *, survey: Survey, responses: QuerySet[Response], language: str = "fr", baseline: int | None = None
) -> dict[str, Any]:
    """Every question's figures over ``responses`` (already scoped and filtered); ``baseline`` is
    the number of responses in the user's scope without the filters (the differencing check)."""
    response_ids = list(responses.values_list("pk", flat=True))
    count = len(response_ids)
    questions = list(survey.questions.order_by("position", "id"))
    if is_hidden(survey, count):
        return {"count": count, "hidden": True, "reason": hidden_reason(count), "questions": [], "headline": None}
    if small_difference(survey, count, baseline):
        return {"count": count, "hidden": True, "reason": difference_reason(count), "questions": [], "headline": None}
    rows = Answer.objects.filter(response_id__in=response_ids).values_list("question_id", "number", "choices", "text")
    numbers: dict[int, list[float]] = defaultdict(list)
    choices: dict[int, Counter[str]] = defaultdict(Counter)
    texts: dict[int, list[str]] = defaultdict(list)
    answer_counts: Counter[int] = Counter()  # answers per question (choice questions' base)
    for qid, number, chosen, text in rows.iterator(chunk_size=5000):
        answer_counts[qid] += 1
        if number is not None:
            numbers[qid].append(number)
        for value in chosen or []:
            choices[qid][value] += 1
        if text:
            texts[qid].append(text)
    acc = _Acc()
    out = []
    for n, question in enumerate(questions, start=1):
        view = display.question_view(question, language, n)
        item: dict[str, Any] = {"view": view, "question": question, "kind": question.kind}
        values = numbers.get(question.pk, [])
        for value in values:
            _accumulate(acc, question, value)
        if view["is_scale"]:
            dist = Counter(int(v) for v in values)
            total = len(values)
            item["answered"] = total
            item["average"] = round(sum(values) / total, 2) if total else None
            item["distribution"] = [
                {
                    "value": opt["value"],
                    "label": opt["label"],
                    "count": dist.get(int(opt["value"]), 0),
                    "percent": round(100 * dist.get(int(opt["value"]), 0) / total) if total else 0,
                }
                for opt in view["options"]
            ]
            if question.kind == Question.Kind.NPS:
                item["nps"] = nps_of(values)
                item["promoters"] = round(100 * sum(1 for v in values if v >= 9) / total) if total else None
                item["detractors"] = round(100 * sum(1 for v in values if v <= 6) / total) if total else None
        elif question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            counter = choices.get(question.pk, Counter())
            answered = answer_counts[question.pk] if counter else 0
            item["answered"] = answered
            item["distribution"] = [
                {
                    "value": opt["value"],
                    "label": opt["label"],
                    "count": counter.get(opt["value"], 0),
                    "percent": round(100 * counter.get(opt["value"], 0) / answered) if answered else 0,
                }
                for opt in view["options"]
            ]
        else:
            comments = texts.get(question.pk, [])
            item["answered"] = len(comments)
            item["comments"] = sorted(comments, key=str.lower) if survey.anonymous else comments
        out.append(item)
    return {"count": count, "hidden": False, "reason": "", "questions": out, "headline": _headline(survey, count, acc)}


def _session_start(session: Session) -> str:
    """The session's start in its own time zone (the day and hour its learners saw)."""
    try:
        zone = zoneinfo.ZoneInfo(session.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_default_timezone()
    return f"{timezone.localtime(session.starts_at, zone):%Y-%m-%d %H:%M}"


def _group_labels(dimension: str, keys: set[int]) -> dict[int, str]:
    if dimension == "cohort":
        return {c.pk: f"{c.code} {c.title}" for c in Cohort.objects.filter(pk__in=keys)}
    if dimension == "session":
        return {s.pk: f"{s.title} ({_session_start(s)})" for s in Session.objects.filter(pk__in=keys)}
    if dimension == "org_unit":
        return {u.pk: u.name for u in OrgUnit.objects.filter(pk__in=keys)}
    return {u.pk: u.get_full_name() for u in User.objects.filter(pk__in=keys)}


def _rows_withheld(survey: Survey, counts: dict[int, int], *, total: int, baseline: int | None, loose: int) -> set[int]:
    """The keys of the breakdown rows to withhold (anonymous surveys only): under the threshold;
    leaving 1 to 4 others in the view (``total``) or in the user's scope (``baseline``); then the
    next smallest until the withheld rows (with the ``loose`` responses in no row) reach the
    threshold, or all are withheld."""
    if not survey.anonymous:
        return set()
    withheld = {
        key
        for key, n in counts.items()
        if n < ANONYMITY_THRESHOLD or small_difference(survey, n, total) or small_difference(survey, n, baseline)
    }
    # The loose responses are as good as withheld: the total minus the rows shown gives them.
    return withhold_complements(counts, withheld, loose=loose)


def withhold_complements(counts: dict[int, int], withheld: set[int], *, loose: int = 0) -> set[int]:
    """``withheld`` and, while the withheld rows of a breakdown (with ``loose`` responses in no
    row) add up to 1 to 4 responses — the total minus the rows shown would give them away —
    the next smallest shown row (ties: the smallest key), until they reach the threshold or
    all are withheld. The rule of the results page and of the programme dashboard."""
    withheld = set(withheld)
    while 0 < sum(counts[k] for k in withheld) + loose < ANONYMITY_THRESHOLD:
        shown = [k for k in counts if k not in withheld]
        if not shown:
            break
        withheld.add(min(shown, key=lambda k: (counts[k], k)))
    return withheld


def results_by(
    *, survey: Survey, responses: QuerySet[Response], dimension: str, baseline: int | None = None
) -> list[dict[str, Any]]:
    """One row per cohort, session, facilitator or org unit: its headline figures (hidden under
    the anonymity threshold, and against differencing: see the module docstring; ``baseline`` as
    in ``survey_results``). A response with two facilitators counts for each."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    response_ids = list(responses.values_list("pk", flat=True))
    groups: dict[int, set[int]] = defaultdict(set)
    if dimension == "facilitator":
        through = Response.facilitators.through.objects.filter(response_id__in=response_ids)
        for rid, uid in through.values_list("response_id", "user_id"):
            groups[uid].add(rid)
    else:
        for rid, key in Response.objects.filter(pk__in=response_ids).values_list("pk", f"{dimension}_id"):
            if key is not None:
                groups[key].add(rid)
    if not groups:
        return []
    questions = {q.pk: q for q in survey.questions.all()}
    numbers = Answer.objects.filter(response_id__in=response_ids, number__isnull=False).values_list(
        "response_id", "question_id", "number"
    )
    by_response: dict[int, list[tuple[Question, float]]] = defaultdict(list)
    for rid, qid, number in numbers.iterator(chunk_size=5000):
        if qid in questions and number is not None:
            by_response[rid].append((questions[qid], number))
    labels = _group_labels(dimension, set(groups))
    in_rows: set[int] = set().union(*groups.values())
    withheld = _rows_withheld(
        survey,
        {key: len(rids) for key, rids in groups.items()},
        total=len(response_ids),
        baseline=baseline,
        loose=len(set(response_ids) - in_rows),
    )
    rows = []
    for key, rids in groups.items():
        acc = _Acc()
        for rid in rids:
            for question, value in by_response.get(rid, []):
                _accumulate(acc, question, value)
        line = _headline(survey, len(rids), acc, suppressed=key in withheld)
        rows.append({"key": key, "label": labels.get(key, str(key)), "headline": line})
    return sorted(rows, key=lambda r: str(r["label"]).lower())


def facilitator_choices(responses: QuerySet[Response]) -> list[tuple[int, str]]:
    """The facilitators of ``responses``, for a filter."""
    ids = Response.facilitators.through.objects.filter(response__in=responses).values("user_id")
    return [(u.pk, u.get_full_name()) for u in User.objects.filter(pk__in=ids).order_by("display_name", "email")]
