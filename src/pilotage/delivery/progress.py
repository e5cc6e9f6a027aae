"""Progress per enrolment and step, from the LRS projections (registered as ``delivery.progress``)."""

from __future__ import annotations
