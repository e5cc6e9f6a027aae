"""The periodic job ``delivery.sessions_held``: a session that ended more than an hour ago
without attendance taken becomes "held" (``services_cohorts.sessions_mark_ended``), so the
surveys' after-session dispatch, which waits for held sessions, reaches it."""

from __future__ import annotations

from pilotage.delivery.services_cohorts import sessions_mark_ended


def run() -> dict[str, int]:
    return sessions_mark_ended()


def register() -> None:
    from pilotage.core import schedule

    schedule.register("delivery.sessions_held", run, every_minutes=15)
