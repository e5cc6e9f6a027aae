"""The portal: declined enrolments with their reason, withdrawing, and "Add to my calendar" only
where the learner holds a seat."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone, translation

from pilotage.delivery import services_enrolments as svc
from pilotage.delivery.models import Enrolment, EnrolmentEvent, Session
from pilotage.delivery.tests.factories_portal import enrol_directly, make_learning


def _localised(text: str) -> set[str]:
    out = set()
    for lang in ("fr", "en"):
        with translation.override(lang):
            out.add(translation.gettext(text))
    return out


def test_my_learning_lists_recent_declined_enrolments_with_the_reason(cast: Any, login: Any) -> None:
    learning = make_learning(self_enrolment=True, manager_approval=True)
    e = svc.enrol(actor=cast.learner, cohort=learning.cohort, employee=cast.employees["learner"], source="self")
    svc.enrolment_decline(actor=cast.manager, enrolment=e, reason="Pas avant la clôture annuelle")
    old = make_learning(title="Ancien", self_enrolment=True, manager_approval=True)
    stale = enrol_directly(old, cast.employees["learner"], status="declined")
    EnrolmentEvent.objects.create(enrolment=stale, kind="declined", to_status="declined", note="Vieille raison")
    Enrolment.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - dt.timedelta(days=120))

    page = login(cast.learner).get(reverse("portal:home"))
    assert [d.pk for d in page.context["declined"]] == [e.pk]
    html = page.content.decode()
    assert "Pas avant la clôture annuelle" in html
    assert "Vieille raison" not in html
    path_page = login(cast.learner).get(reverse("portal:enrolment", args=[e.pk])).content.decode()
    assert "Pas avant la clôture annuelle" in path_page


def test_a_learner_withdraws_a_pending_enrolment(cast: Any, login: Any) -> None:
    learning = make_learning(self_enrolment=True, manager_approval=True)
    e = svc.enrol(actor=cast.learner, cohort=learning.cohort, employee=cast.employees["learner"], source="self")
    client = login(cast.learner)
    page = client.get(reverse("portal:enrolment", args=[e.pk])).content.decode()
    assert reverse("portal:withdraw", args=[e.pk]) in page

    response = client.post(reverse("portal:withdraw", args=[e.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    e.refresh_from_db()
    assert e.status == "unenrolled"
    last = e.events.order_by("-pk").first()
    assert last is not None and last.kind == "unenrolled" and last.by == cast.learner
    assert last.note in _localised("Withdrawn by the learner")
    # The manager's inbox no longer lists it.
    assert not login(cast.manager).get(reverse("portal:approvals")).context["pending"]


def test_leaving_the_waitlist_promotes_nobody_and_frees_the_row(cast: Any, login: Any) -> None:
    learning = make_learning(capacity=1, self_enrolment=True)
    seated = svc.enrol(actor=cast.dlm, cohort=learning.cohort, employee=cast.employees["peer"])
    waiting = svc.enrol(actor=cast.learner, cohort=learning.cohort, employee=cast.employees["learner"], source="self")
    assert waiting.status == "waitlisted"
    login(cast.learner).post(reverse("portal:withdraw", args=[waiting.pk]))
    waiting.refresh_from_db()
    seated.refresh_from_db()
    assert waiting.status == "unenrolled" and seated.status == "active"


def test_a_seated_enrolment_cannot_be_withdrawn_from_the_portal(cast: Any, login: Any) -> None:
    learning = make_learning()
    e = enrol_directly(learning, cast.employees["learner"])
    client = login(cast.learner)
    assert (
        reverse("portal:withdraw", args=[e.pk])
        not in client.get(reverse("portal:enrolment", args=[e.pk])).content.decode()
    )
    response = client.post(reverse("portal:withdraw", args=[e.pk]), follow=True)
    assert any("L&D team" in str(m) or "équipe" in str(m) for m in response.context["messages"])
    e.refresh_from_db()
    assert e.status == "active"


def test_api_withdraw(cast: Any, login: Any) -> None:
    learning = make_learning(self_enrolment=True, manager_approval=True)
    pending = svc.enrol(actor=cast.learner, cohort=learning.cohort, employee=cast.employees["learner"], source="self")
    client = login(cast.learner)
    url = reverse("api:portal_withdraw", kwargs={"enrolment_id": pending.pk})
    response = client.post(url, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "unenrolled"
    seated = enrol_directly(make_learning(title="Assis"), cast.employees["learner"])
    refused = client.post(
        reverse("api:portal_withdraw", kwargs={"enrolment_id": seated.pk}), content_type="application/json"
    )
    assert refused.status_code == 400
    seated.refresh_from_db()
    assert seated.status == "active"


# --- add to my calendar ------------------------------------------------------------------------


def _session(learning: Any, *, days: int = 5) -> Session:
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=days)
    return Session.objects.create(
        cohort=learning.cohort, title="Atelier", starts_at=start, ends_at=start + dt.timedelta(hours=3), room="Salle 4"
    )


def test_add_to_calendar_only_with_a_seat_and_for_upcoming_sessions(cast: Any, login: Any) -> None:
    learning = make_learning()
    waiting = enrol_directly(learning, cast.employees["learner"], status="waitlisted")
    upcoming = _session(learning)
    past = _session(learning, days=-5)
    client = login(cast.learner)

    page = client.get(reverse("portal:enrolment", args=[waiting.pk])).content.decode()
    assert f'data-session="{upcoming.pk}"' in page
    assert reverse("portal:session_ics", args=[upcoming.pk]) not in page

    Enrolment.objects.filter(pk=waiting.pk).update(status="active")
    page = client.get(reverse("portal:enrolment", args=[waiting.pk])).content.decode()
    assert reverse("portal:session_ics", args=[upcoming.pk]) in page
    assert reverse("portal:session_ics", args=[past.pk]) not in page
    assert client.get(reverse("portal:session_ics", args=[upcoming.pk])).status_code == 200
