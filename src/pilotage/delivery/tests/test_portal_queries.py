"""The catalogues (web and API) read the seats of every cohort in one query: the number of
queries does not grow with the number of cohorts, and the free seats are right."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pilotage.delivery.models import Cohort, Enrolment, Session
from pilotage.delivery.tests.factories_portal import Learning, make_learning

API = "/api/v1/delivery"


def _more_cohorts(learning: Learning, n: int) -> list[Cohort]:
    out = []
    for i in range(n):
        start = timezone.localdate() + dt.timedelta(days=5 + i)
        cohort = Cohort.objects.create(
            path=learning.path,
            code=f"COH-Q-{learning.cohort.pk}-{i}",
            title=f"Extra {i}",
            starts_on=start,
            ends_on=start + dt.timedelta(days=30),
            capacity=4,
            status=Cohort.Status.OPEN,
        )
        begins = timezone.now() + dt.timedelta(days=6 + i)
        Session.objects.create(
            cohort=cohort, title="S", starts_at=begins, ends_at=begins + dt.timedelta(hours=2), capacity=3
        )
        out.append(cohort)
    return out


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_catalogue_queries_do_not_grow_with_cohorts(cast: Any, login: Any) -> None:
    learning = make_learning(self_enrolment=True, capacity=5)
    begins = timezone.now() + dt.timedelta(days=4)
    Session.objects.create(
        cohort=learning.cohort, title="S", starts_at=begins, ends_at=begins + dt.timedelta(hours=2), capacity=2
    )
    Enrolment.objects.create(cohort=learning.cohort, employee=cast.employees["tech"], status="active")
    client = login(cast.learner)
    web_one, api_one = _count(client, reverse("portal:catalogue")), _count(client, f"{API}/me/catalogue")
    _more_cohorts(learning, 4)
    web_five, api_five = _count(client, reverse("portal:catalogue")), _count(client, f"{API}/me/catalogue")
    assert (web_five, api_five) == (web_one, api_one)
    items = {i["id"]: i for i in client.get(f"{API}/me/catalogue").json()["items"]}
    assert items[learning.cohort.pk]["seats_free"] == 1  # min(5, session 2) - 1 seated
    assert sorted(i["seats_free"] for i in items.values()) == [1, 3, 3, 3, 3]
    page = client.get(reverse("portal:catalogue"))
    frees = [c["free"] for p in page.context["programmes"] for c in p["cohorts"]]
    assert sorted(frees) == [1, 3, 3, 3, 3]
