"""Navigation entries of part "builder" (called from SurveysConfig.ready)."""

from __future__ import annotations


def register() -> None:
    pass
