"""Web forms of prioritisation: the criteria table (one form, a row per criterion, with
buttons to add, remove and move rows — all without JavaScript) and the manual score form."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from pilotage.strategy import scoring
from pilotage.strategy.models import Criterion

ROW_FIELDS = ("id", "key", "name_en", "name_fr", "description", "weight", "source")


def criteria_rows(criteria: Iterable[Criterion]) -> list[dict[str, Any]]:
    """The saved criteria as editable rows (the shape ``services_priorities.criteria_save`` takes)."""
    return [
        {
            "id": c.pk,
            "key": c.key,
            "name_en": c.name_en,
            "name_fr": c.name_fr,
            "description": c.description,
            "weight": c.weight,
            "source": c.source,
            "active": c.active,
        }
        for c in criteria
    ]


def rows_from_post(data: QueryDict) -> list[dict[str, Any]]:
    """Rows posted by the criteria page: fields ``c-<i>-<name>``, ``c-count`` rows."""
    try:
        count = min(int(data.get("c-count", "0")), 100)
    except ValueError:
        count = 0
    rows = []
    for i in range(count):
        row: dict[str, Any] = {name: data.get(f"c-{i}-{name}", "") for name in ROW_FIELDS}
        row["active"] = data.get(f"c-{i}-active") == "on"
        rows.append(row)
    return rows


def apply_row_action(rows: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    """``add``, ``up:<i>``, ``down:<i>``, ``remove:<i>`` on the posted rows (nothing saved).
    Removing an existing criterion only unticks it: it is deactivated on save, scores kept."""
    rows = list(rows)
    name, _sep, index_text = action.partition(":")
    if name == "add":
        rows.append(
            {
                "id": "",
                "key": "",
                "name_en": "",
                "name_fr": "",
                "description": "",
                "weight": 0,
                "source": "manual",
                "active": True,
            }
        )
        return rows
    if not index_text.isdigit() or not 0 <= int(index_text) < len(rows):
        return rows
    i = int(index_text)
    if name == "up" and i > 0:
        rows[i - 1], rows[i] = rows[i], rows[i - 1]
    elif name == "down" and i < len(rows) - 1:
        rows[i + 1], rows[i] = rows[i], rows[i + 1]
    elif name == "remove":
        if rows[i].get("id"):
            rows[i] = {**rows[i], "active": False}
        else:
            del rows[i]
    return rows


class ScoreForm(forms.Form):
    """One 0–5 field per manual criterion; blank clears the score."""

    def __init__(self, *args: Any, criteria: Iterable[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in criteria:
            self.fields[criterion.key] = forms.TypedChoiceField(
                label=criterion.name,
                required=False,
                coerce=int,
                empty_value=None,
                choices=[("", _("Not scored"))] + [(str(v), str(v)) for v in range(scoring.MAX_VALUE + 1)],
                help_text=criterion.description or _("0 = none, 5 = very high"),
            )
