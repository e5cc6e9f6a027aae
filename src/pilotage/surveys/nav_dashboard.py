"""Navigation entries of part "dashboard" (called from SurveysConfig.ready)."""

from __future__ import annotations


def register() -> None:
    pass
