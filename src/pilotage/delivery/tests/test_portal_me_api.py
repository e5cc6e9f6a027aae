"""API "me" endpoints of the learner: upcoming sessions (with the .ics URL) and certificates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from pilotage.delivery.models import Enrolment, Session
from pilotage.delivery.tests.factories_portal import enrol_directly, make_learning

API = "/api/v1/delivery"


def _session(cohort: Any, days: int, **kw: Any) -> Session:
    begins = timezone.now() + dt.timedelta(days=days)
    return Session.objects.create(
        cohort=cohort, title=f"J{days}", starts_at=begins, ends_at=begins + dt.timedelta(hours=3), **kw
    )


def test_my_sessions_lists_upcoming_sessions_of_seated_enrolments(cast: Any, login: Any) -> None:
    seated = make_learning(title="Assis")
    enrol_directly(seated, cast.employees["learner"])
    soon, later = _session(seated.cohort, 2), _session(seated.cohort, 9)
    _session(seated.cohort, -3)  # over
    waiting = make_learning(title="Attente")
    enrol_directly(waiting, cast.employees["learner"], status="waitlisted")
    _session(waiting.cohort, 4)  # not seated: not mine
    other = make_learning(title="Autre")
    enrol_directly(other, cast.employees["tech"])
    _session(other.cohort, 5)  # someone else's

    items = login(cast.learner).get(f"{API}/me/sessions").json()["items"]

    assert [i["id"] for i in items] == [soon.pk, later.pk]
    assert items[0]["ics_url"] == reverse("portal:session_ics", args=[soon.pk])
    assert items[0]["programme_title"] == "Assis"
    assert login(cast.learner).get(items[0]["ics_url"]).status_code == 200


def test_my_certificates_lists_completed_enrolments(cast: Any, login: Any) -> None:
    done = make_learning(title="Terminé")
    completed = enrol_directly(done, cast.employees["learner"], status="completed", completed_at=timezone.now())
    running = make_learning(title="En cours")
    enrol_directly(running, cast.employees["learner"])
    peer = make_learning(title="Collègue")
    enrol_directly(peer, cast.employees["tech"], status="completed", completed_at=timezone.now())

    items = login(cast.learner).get(f"{API}/me/certificates").json()["items"]

    assert [i["enrolment_id"] for i in items] == [completed.pk]
    assert items[0]["certificate_url"] == reverse("portal:certificate", args=[completed.pk])
    assert items[0]["programme_title"] == "Terminé"
    assert Enrolment.objects.filter(status="completed").count() == 2


def test_me_endpoints_refuse_users_without_an_employee(cast: Any, login: Any) -> None:
    client = login(cast.ld)
    assert client.get(f"{API}/me/sessions").status_code == 403
    assert client.get(f"{API}/me/certificates").status_code == 403
