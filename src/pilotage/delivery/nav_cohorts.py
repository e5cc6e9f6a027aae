"""Navigation entries of part "cohorts" (called from DeliveryConfig.ready)."""

from __future__ import annotations


def register() -> None:
    pass
