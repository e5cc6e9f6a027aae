"""References of training requests for paths other than the request form (a retained
campaign need): the same ``DEM-<year>-<number>`` series as ``services_requests``.

The numbering itself lives in ``services_requests`` (``reference_for``,
``next_reference_number``); this helper gives it the one-call shape the campaigns use.
"""

from __future__ import annotations

from django.utils import timezone

from pilotage.strategy.services_requests import next_reference_number, reference_for


def next_request_reference(*, year: int | None = None) -> str:
    """The next free reference of ``year`` (this year by default), e.g. ``DEM-2027-0042``.

    Call it inside the transaction that creates the request; the unique constraint on
    ``reference`` refuses a duplicate should two transactions race for the same number.
    """
    year = year or timezone.localdate().year
    return reference_for(year, next_reference_number(year))
