"""Navigation entries of the learner portal (called from DeliveryConfig.ready)."""

from __future__ import annotations


def register() -> None:
    pass
