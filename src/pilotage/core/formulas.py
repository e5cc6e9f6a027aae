"""Spreadsheet exports protected against formula injection (CSV/XLSX)."""

from __future__ import annotations

from typing import Any

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")


def safe_cell(value: Any) -> Any:
    """Prefix text that a spreadsheet would read as a formula with a quote."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value
