"""Triage by the L&D team on the web: queue with filters and counts, decisions through the
workflow, the merge shortcut from similar requests, the requester's view of the outcome."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from pilotage.strategy.models import RequestTransition, TrainingRequest
from pilotage.strategy.services_objectives import objective_create
from pilotage.strategy.services_requests import request_create
from pilotage.strategy.workflow import request_transition

pytestmark = pytest.mark.django_db
S = TrainingRequest.Status


def _file(cast: Any, user: str = "client_a", **kw: Any) -> TrainingRequest:
    data: dict[str, Any] = {
        "title": "Sécurité au travail en entrepôt",
        "business_need": "Trop d'accidents du travail avec les chariots élévateurs.",
        "population_description": "Caristes",
    }
    data.update(kw)
    return request_create(actor=cast.users[user], **data)


def test_queue_counts_filters_and_search(cast: Any, login: Any) -> None:
    objective = objective_create(actor=cast.dlm, title="Zéro accident")
    a = _file(cast, objective=objective)
    b = _file(cast, "client_b", title="Excel avancé", business_need="Tableaux croisés dynamiques")
    request_transition(actor=cast.ld, request=b, to_status=S.PARKED, reason="Budget 2027")
    client = login(cast.ld)
    page = client.get(reverse("strategy:request_list"))
    assert page.status_code == 200 and a.reference in page.text and b.reference in page.text
    counts = {c["value"]: c["count"] for c in page.context["status_counts"]}
    assert counts[S.SUBMITTED] == 1 and counts[S.PARKED] == 1 and page.context["total"] == 2
    only_parked = client.get(reverse("strategy:request_list"), {"status": "parked"})
    assert b.reference in only_parked.text and a.reference not in only_parked.text
    by_unit = client.get(reverse("strategy:request_list"), {"org_unit": cast.unit_b.pk})
    assert b.reference in by_unit.text and a.reference not in by_unit.text
    by_objective = client.get(reverse("strategy:request_list"), {"objective": objective.pk})
    assert a.reference in by_objective.text and b.reference not in by_objective.text
    by_text = client.get(reverse("strategy:request_list"), {"q": "croisés"})
    assert b.reference in by_text.text and a.reference not in by_text.text
    by_ref = client.get(reverse("strategy:request_list"), {"q": a.reference.lower()})
    assert a.reference in by_ref.text and b.reference not in by_ref.text
    partial = client.get(reverse("strategy:request_list"), {"q": "croisés"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.text and b.reference in partial.text


def test_my_requests_shows_only_mine(cast: Any, login: Any) -> None:
    mine, theirs = _file(cast), _file(cast, "client_b")
    page = login(cast.client_a).get(reverse("strategy:request_list"))
    assert "My requests" in page.text
    assert mine.reference in page.text and theirs.reference not in page.text


def test_queue_query_count(cast: Any, login: Any, django_assert_max_num_queries: Any) -> None:
    for i in range(20):
        _file(cast, "client_a" if i % 2 else "client_b", title=f"Request {i}")
    client = login(cast.dlm)
    client.get(reverse("strategy:request_list"))
    with django_assert_max_num_queries(14):
        assert client.get(reverse("strategy:request_list")).status_code == 200


def test_triage_decision_notifies_and_shows_history(
    cast: Any, login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    req = _file(cast)
    client = login(cast.ld)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("strategy:request_transition", args=[req.pk]), {"to_status": "parked", "reason": "Budget 2027"}
        )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == S.PARKED and req.status_reason == "Budget 2027"
    assert [m.to for m in mail.outbox] == [[cast.client_a.email]]
    requester_page = login(cast.client_a).get(reverse("strategy:request_detail", args=[req.pk]))
    assert "Budget 2027" in requester_page.text and "Parked" in requester_page.text
    assert "Triage" not in requester_page.text


def test_decision_without_reason_is_refused_with_a_message(cast: Any, login: Any) -> None:
    req = _file(cast)
    response = login(cast.ld).post(
        reverse("strategy:request_transition", args=[req.pk]), {"to_status": "declined", "reason": ""}
    )
    assert response.status_code == 200 and "Give the reason" in response.text
    req.refresh_from_db()
    assert req.status == S.SUBMITTED and req.transitions.count() == 1


def test_htmx_decision_error_returns_the_triage_partial(cast: Any, login: Any) -> None:
    req = _file(cast)
    response = login(cast.ld).post(
        reverse("strategy:request_transition", args=[req.pk]),
        {"to_status": "merged", "reason": "Same need", "merged_into": "DEM-1999-0001"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert "No request has the reference DEM-1999-0001" in response.text


def test_invalid_status_for_the_current_one(cast: Any, login: Any) -> None:
    req = _file(cast)
    request_transition(actor=cast.ld, request=req, to_status=S.DECLINED, reason="Hors périmètre")
    page = login(cast.ld).get(reverse("strategy:request_detail", args=[req.pk]))
    assert "This request is decided" in page.text
    response = login(cast.ld).post(reverse("strategy:request_transition", args=[req.pk]), {"to_status": "under_review"})
    assert response.status_code == 200
    req.refresh_from_db()
    assert req.status == S.DECLINED


def test_similar_requests_and_merge_shortcut(cast: Any, login: Any) -> None:
    req = _file(cast)
    twin = _file(
        cast,
        "client_b",
        title="Sécurité des caristes",
        business_need="Accidents du travail avec les chariots élévateurs sur le site de Lyon.",
    )
    _file(cast, "client_b", title="Excel avancé", business_need="Tableaux croisés dynamiques")
    client = login(cast.ld)
    page = client.get(reverse("strategy:request_detail", args=[req.pk]))
    similar = page.context["similar"]
    assert similar and similar[0].item.pk == twin.pk and similar[0].score > 0.2
    assert f"Merge into {twin.reference}" in page.text
    prefilled = client.get(reverse("strategy:request_detail", args=[req.pk]), {"merge_into": twin.reference})
    form = prefilled.context["transition_form"]
    assert form.initial == {"to_status": "merged", "merged_into": twin.reference}
    response = client.post(
        reverse("strategy:request_transition", args=[req.pk]),
        {"to_status": "merged", "reason": "Même besoin", "merged_into": twin.reference},
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == S.MERGED and req.merged_into == twin
    twin_page = client.get(reverse("strategy:request_detail", args=[twin.pk]))
    assert req.reference in twin_page.text  # "requests merged into this one"


def test_comment_thread_through_the_web(cast: Any, login: Any, django_capture_on_commit_callbacks: Any) -> None:
    req = _file(cast)
    staff = login(cast.ld)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("strategy:request_comment", args=[req.pk]), {"body": "Note interne", "internal": "on"})
        r = staff.post(
            reverse("strategy:request_comment", args=[req.pk]),
            {"body": "Combien de sites ?"},
            headers={"HX-Request": "true"},
        )
    assert r.status_code == 200 and "<html" not in r.text and "Combien de sites ?" in r.text
    assert len(mail.outbox) == 1
    client = login(cast.client_a)
    empty = client.post(reverse("strategy:request_comment", args=[req.pk]), {"body": ""})
    assert empty.status_code == 200 and "This field is required" in empty.text
    # A requester cannot smuggle an internal note: the field is not theirs.
    client.post(reverse("strategy:request_comment", args=[req.pk]), {"body": "Trois", "internal": "on"})
    assert not req.comments.get(body="Trois").internal


def test_edit_and_withdraw_pages(cast: Any, login: Any) -> None:
    req = _file(cast)
    client = login(cast.client_a)
    page = client.get(reverse("strategy:request_edit", args=[req.pk]))
    assert page.status_code == 200 and req.title in page.text
    bad = client.post(reverse("strategy:request_edit", args=[req.pk]), {"title": "x", "business_need": "y"})
    assert bad.status_code == 200 and "Choose an audience or describe" in bad.text
    ok = client.post(
        reverse("strategy:request_edit", args=[req.pk]),
        {"title": "Caristes", "business_need": "y", "population_description": "Caristes", "headcount": "12"},
    )
    assert ok.status_code == 302
    req.refresh_from_db()
    assert req.title == "Caristes" and req.headcount == 12
    assert client.get(reverse("strategy:request_withdraw", args=[req.pk])).status_code == 200
    assert client.post(reverse("strategy:request_withdraw", args=[req.pk])).status_code == 302
    req.refresh_from_db()
    assert req.status == S.DECLINED
    last = RequestTransition.objects.filter(request=req).order_by("-id").first()
    assert last is not None and last.by == cast.client_a
    assert client.get(reverse("strategy:request_edit", args=[req.pk])).status_code == 403


def test_accept_link_is_tolerant(cast: Any, login: Any) -> None:
    """The "Accept into a programme" link appears only when programmes provides the URL."""
    from django.urls import NoReverseMatch

    req = _file(cast)
    page = login(cast.ld).get(reverse("strategy:request_detail", args=[req.pk]))
    assert page.status_code == 200
    try:
        url = reverse("programmes:from_request", args=[req.pk])
    except NoReverseMatch:
        assert "Accept into a programme" not in page.text
    else:
        assert url in page.text
