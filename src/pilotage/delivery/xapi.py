"""The xAPI vocabulary delivery and surveys write with, and the actor of an employee.

Statements Pilotage writes itself (attendance, survey answers) go through the one write path,
``pilotage.lrs.services.statement_store`` (``client=None``: the authority is Pilotage), with
the enrolment's ``registration`` so they land on the right enrolment, and the step's activity
IRI (``PathStep.activity_iri``) as object or context parent.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

ADL = "http://adlnet.gov/expapi/verbs/"
VERB_LAUNCHED = ADL + "launched"
VERB_INITIALIZED = ADL + "initialized"
VERB_PROGRESSED = ADL + "progressed"
VERB_COMPLETED = ADL + "completed"
VERB_PASSED = ADL + "passed"
VERB_FAILED = ADL + "failed"
VERB_ATTENDED = ADL + "attended"
VERB_ANSWERED = ADL + "answered"
VERB_RESPONDED = ADL + "responded"
# No published verb says "was absent": Pilotage's own, stable IRI (one of the attendance statuses
# is in result.extensions[ATTENDANCE_STATUS]).
VERB_ABSENT = "https://w3id.org/xapi/pilotage/verbs/was-absent"
ATTENDANCE_STATUS = "https://w3id.org/xapi/pilotage/extensions/attendance-status"

# Verbs that complete a step; ``passed``/``failed`` also carry success.
COMPLETING_VERBS = frozenset({VERB_COMPLETED, VERB_PASSED, VERB_ATTENDED})
STARTING_VERBS = frozenset({VERB_LAUNCHED, VERB_INITIALIZED, VERB_PROGRESSED})

VERB_DISPLAY: dict[str, dict[str, str]] = {
    VERB_ATTENDED: {"en-US": "attended", "fr-FR": "a assisté à"},
    VERB_ABSENT: {"en-US": "was absent from", "fr-FR": "a été absent(e) de"},
    VERB_ANSWERED: {"en-US": "answered", "fr-FR": "a répondu à"},
    VERB_RESPONDED: {"en-US": "responded to", "fr-FR": "a répondu à"},
    VERB_LAUNCHED: {"en-US": "launched", "fr-FR": "a lancé"},
}


def verb(iri: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": iri}
    if iri in VERB_DISPLAY:
        out["display"] = VERB_DISPLAY[iri]
    return out


def employee_actor(employee: Any) -> dict[str, Any]:
    """The xAPI Agent of an employee: an account on this Pilotage named by the employee number
    (the LRS matches it back to the employee, whatever their e-mail)."""
    return {
        "objectType": "Agent",
        "name": f"{employee.first_name} {employee.last_name}".strip(),
        "account": {"homePage": str(settings.SITE_URL).rstrip("/"), "name": employee.employee_number},
    }
