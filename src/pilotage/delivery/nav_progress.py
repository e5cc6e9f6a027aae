"""Navigation entries of part "progress" (called from DeliveryConfig.ready)."""

from __future__ import annotations


def register() -> None:
    pass
