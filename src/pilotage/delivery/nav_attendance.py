"""Navigation entries of part "attendance" (called from DeliveryConfig.ready)."""

from __future__ import annotations


def register() -> None:
    pass
