"""Navigation entries of part "answers" (called from SurveysConfig.ready)."""

from __future__ import annotations


def register() -> None:
    pass
