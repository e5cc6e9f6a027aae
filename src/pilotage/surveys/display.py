"""How a survey reads in one language: titles, question texts, scale points and choices —
shared by the answering page, the preview, the results and the API."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from pilotage.surveys.models import Question, Survey

LANGUAGES = ("fr", "en")


def pick(obj: Any, name: str, language: str) -> str:
    """``obj.<name>_<language>``, falling back to French."""
    lang = language if language in LANGUAGES else "fr"
    return str(getattr(obj, f"{name}_{lang}", "") or getattr(obj, f"{name}_fr", ""))


def survey_title(survey: Survey, language: str) -> str:
    return pick(survey, "title", language)


def options(question: Question, language: str) -> list[dict[str, str]]:
    """The answers offered, as ``{"value", "label"}``, labels in ``language``."""
    lang = language if language in LANGUAGES else "fr"
    with translation.override(lang):
        if question.kind == Question.Kind.LIKERT:
            labels = [
                _("Strongly disagree"),
                _("Disagree"),
                _("Neither agree nor disagree"),
                _("Agree"),
                _("Strongly agree"),
            ]
            return [{"value": str(i), "label": f"{i} — {label}"} for i, label in enumerate(labels, start=1)]
        if question.kind == Question.Kind.RATING:
            return [{"value": str(i), "label": str(i)} for i in range(1, question.scale_max + 1)]
        if question.kind == Question.Kind.NPS:
            return [{"value": str(i), "label": str(i)} for i in range(0, 11)]
        if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            return [
                {"value": c["value"], "label": str(c.get(lang) or c.get("fr") or c["value"])} for c in question.choices
            ]
    return []


def scale_hint(question: Question, language: str) -> str:
    lang = language if language in LANGUAGES else "fr"
    with translation.override(lang):
        if question.kind == Question.Kind.NPS:
            return _("0 = not at all likely, 10 = extremely likely")
        if question.kind == Question.Kind.RATING:
            return _("1 = lowest, %(n)s = highest") % {"n": question.scale_max}
        if question.kind == Question.Kind.MULTIPLE:
            return _("Several answers possible")
    return ""


def question_view(question: Question, language: str, number: int) -> dict[str, Any]:
    """What a template needs to show one question in ``language``."""
    return {
        "question": question,
        "number": number,
        "field": f"q{question.pk}",
        "text": pick(question, "text", language),
        "kind": question.kind,
        "options": options(question, language),
        "hint": scale_hint(question, language),
        "required": question.required,
        "is_scale": question.kind in (Question.Kind.LIKERT, Question.Kind.RATING, Question.Kind.NPS),
    }


def survey_view(survey: Survey, questions: list[Question], language: str) -> dict[str, Any]:
    return {
        "title": survey_title(survey, language),
        "intro": pick(survey, "intro", language),
        "language": language if language in LANGUAGES else "fr",
        "questions": [question_view(q, language, n) for n, q in enumerate(questions, start=1)],
    }
