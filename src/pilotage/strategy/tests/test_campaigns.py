"""Needs campaigns: the status machine, the managers' needs, arbitration, invitations, export."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from pilotage.core.errors import PermissionDenied, ValidationFailed
from pilotage.core.models import Job
from pilotage.people.models import Audience
from pilotage.strategy import services_campaigns as svc
from pilotage.strategy.models import Need, NeedsCampaign, RequestTransition, TrainingRequest

TODAY = timezone.localdate()


def managers_audience(cast: Any, *employees: Any) -> Audience:
    audience = Audience.objects.create(name="Managers", owner=cast.dlm, rules={})
    audience.included.add(*(employees or [cast.employees["manager"]]))
    return audience


def make_campaign(cast: Any, status: str = "draft", **kw: Any) -> NeedsCampaign:
    campaign = svc.campaign_create(
        actor=cast.dlm,
        title=kw.pop("title", "Recueil 2027"),
        instructions="Vos besoins pour 2027",
        opens_on=TODAY,
        closes_on=TODAY + dt.timedelta(days=30),
        audience=kw.pop("audience", None) or managers_audience(cast),
    )
    if status != "draft":
        NeedsCampaign.objects.filter(pk=campaign.pk).update(status=status)
        campaign.refresh_from_db()
    return campaign


def make_need(cast: Any, campaign: NeedsCampaign, **kw: Any) -> Need:
    values = {
        "title": "Négociation",
        "description": "Mieux négocier",
        "theme": "Vente",
        "headcount": 8,
        "priority": "high",
        "wished_quarter": "2027-Q2",
        "estimated_cost": Decimal("4000"),
    }
    values.update(kw)
    return Need.objects.create(campaign=campaign, manager=cast.manager, org_unit=cast.unit_a1, **values)


# --- campaigns: creation, dates, transitions ----------------------------------------------------


def test_create_refuses_bad_dates_with_the_field_named(cast: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        svc.campaign_create(actor=cast.dlm, title="X", opens_on=TODAY, closes_on=TODAY - dt.timedelta(days=1))
    assert "closes_on" in exc.value.errors
    assert "before the opening date" in exc.value.errors["closes_on"][0]
    with pytest.raises(ValidationFailed) as exc:
        svc.campaign_create(actor=cast.dlm, title=" ", opens_on=None, closes_on=TODAY)
    assert set(exc.value.errors) == {"title", "opens_on"}
    assert not NeedsCampaign.objects.exists()


def test_only_the_ld_team_runs_campaigns(cast: Any) -> None:
    with pytest.raises(PermissionDenied):
        svc.campaign_create(actor=cast.manager, title="X", opens_on=TODAY, closes_on=TODAY)


def test_open_invites_the_managers_by_email_from_a_job(cast: Any, django_capture_on_commit_callbacks: Any) -> None:
    campaign = make_campaign(cast)
    with django_capture_on_commit_callbacks(execute=True):
        campaign, job = svc.campaign_transition(actor=cast.dlm, campaign=campaign, to_status="open")
    assert campaign.status == "open"
    assert job is not None
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.result["sent"] == 1
    assert [m.to for m in mail.outbox] == [[cast.manager.email]]
    assert "Recueil 2027" in mail.outbox[0].subject
    assert reverse("strategy:campaign_detail", args=[campaign.pk]) in mail.outbox[0].body


def test_invalid_transitions_are_refused_with_a_clear_message(cast: Any) -> None:
    campaign = make_campaign(cast)
    with pytest.raises(ValidationFailed) as exc:
        svc.campaign_transition(actor=cast.dlm, campaign=campaign, to_status="arbitrated")
    assert exc.value.errors["to_status"] == ["A campaign that is draft cannot become arbitrated."]
    with pytest.raises(ValidationFailed) as exc:
        svc.campaign_transition(actor=cast.dlm, campaign=campaign, to_status="bogus")
    assert "Unknown status" in exc.value.errors["to_status"][0]
    campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_opening_needs_an_audience_and_a_future_closing_date(cast: Any) -> None:
    campaign = make_campaign(cast)
    NeedsCampaign.objects.filter(pk=campaign.pk).update(audience=None)
    with pytest.raises(ValidationFailed) as exc:
        svc.campaign_transition(actor=cast.dlm, campaign=campaign, to_status="open")
    assert "audience" in exc.value.errors
    NeedsCampaign.objects.filter(pk=campaign.pk).update(
        audience=managers_audience(cast), opens_on=TODAY - dt.timedelta(days=9), closes_on=TODAY - dt.timedelta(days=1)
    )
    with pytest.raises(ValidationFailed) as exc:
        svc.campaign_transition(actor=cast.dlm, campaign=campaign, to_status="open")
    assert "closes_on" in exc.value.errors


def test_arbitrated_needs_every_need_decided(cast: Any) -> None:
    campaign = make_campaign(cast, "closed")
    need = make_need(cast, campaign)
    with pytest.raises(ValidationFailed) as exc:
        svc.campaign_transition(actor=cast.dlm, campaign=campaign, to_status="arbitrated")
    assert "1 need(s) are still to arbitrate" in exc.value.errors["to_status"][0]
    svc.need_decide(actor=cast.dlm, need=need, decision="postponed", note="Budget 2028")
    campaign, job = svc.campaign_transition(actor=cast.dlm, campaign=campaign, to_status="arbitrated")
    assert campaign.status == "arbitrated" and job is None


# --- needs ---------------------------------------------------------------------------------------


def test_invited_manager_submits_and_edits_a_need_while_open(cast: Any) -> None:
    campaign = make_campaign(cast, "open")
    need = svc.need_create(
        actor=cast.manager,
        campaign=campaign,
        title="Prospection",
        theme="Vente",
        headcount="6",
        priority="medium",
        wished_quarter="2027-q3",
        estimated_cost="1500.5",
    )
    assert need.org_unit == cast.unit_a1
    assert need.wished_quarter == "2027-Q3"
    assert need.estimated_cost == Decimal("1500.50")
    svc.need_update(actor=cast.manager, need=need, title="Prospection", headcount=6, wished_quarter="2028-T1")
    need.refresh_from_db()
    assert need.wished_quarter == "2028-Q1"
    svc.need_update(actor=cast.manager, need=need, title="Prospection B2B", headcount=7, priority="high")
    need.refresh_from_db()
    assert (need.title, need.headcount, need.priority) == ("Prospection B2B", 7, "high")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("wished_quarter", "2027-Q5", "2027-Q2"),
        ("wished_quarter", "Q2 2027", "2027-Q2"),
        ("headcount", 0, "people concerned"),
        ("title", "", "few words"),
        ("priority", "urgent", "priority"),
        ("estimated_cost", "beaucoup", "estimated cost"),
    ],
)
def test_bad_need_input_names_the_field(cast: Any, field: str, value: Any, message: str) -> None:
    campaign = make_campaign(cast, "open")
    data = {"title": "Prospection", "headcount": 3, "wished_quarter": "2027-Q2", field: value}
    with pytest.raises(ValidationFailed) as exc:
        svc.need_create(actor=cast.manager, campaign=campaign, **data)
    assert field in exc.value.errors
    assert message in exc.value.errors[field][0]
    assert not Need.objects.exists()


def test_needs_only_while_open_and_only_from_invited_managers(cast: Any) -> None:
    closed = make_campaign(cast, "closed")
    with pytest.raises(ValidationFailed) as exc:
        svc.need_create(actor=cast.manager, campaign=closed, title="X", headcount=1)
    assert "only while it is open" in exc.value.message
    need = make_need(cast, closed)
    with pytest.raises(ValidationFailed):
        svc.need_update(actor=cast.manager, need=need, title="Y", headcount=1)
    other = make_campaign(cast, "open", audience=managers_audience(cast, cast.employees["tech"]))
    with pytest.raises(PermissionDenied):
        svc.need_create(actor=cast.manager, campaign=other, title="X", headcount=1)
    with pytest.raises(PermissionDenied):
        svc.need_create(actor=cast.dlm, campaign=other, title="X", headcount=1)


def test_needs_refused_once_the_closing_date_is_past(cast: Any) -> None:
    campaign = make_campaign(cast, "open")
    NeedsCampaign.objects.filter(pk=campaign.pk).update(
        opens_on=TODAY - dt.timedelta(days=20), closes_on=TODAY - dt.timedelta(days=1)
    )
    with pytest.raises(ValidationFailed) as exc:
        svc.need_create(actor=cast.manager, campaign=campaign, title="X", headcount=1)
    assert "closed on" in exc.value.message


# --- arbitration --------------------------------------------------------------------------------


def test_a_retained_need_takes_the_next_free_reference_on_a_clash(cast: Any, monkeypatch: Any) -> None:
    from pilotage.strategy import services_requests

    taken = TrainingRequest.objects.create(
        reference=f"DEM-{TODAY.year}-0001", title="Filed meanwhile", business_need="x", requester=cast.client_a
    )
    numbers = iter([1, 2])  # a concurrent filing took number 1 after it was read
    monkeypatch.setattr(services_requests, "next_reference_number", lambda year: next(numbers))
    need = make_need(cast, make_campaign(cast, "closed"))
    _need, request = svc.need_decide(actor=cast.dlm, need=need, decision="retained", create_request=True)
    assert request is not None and request.reference == f"DEM-{TODAY.year}-0002"
    assert TrainingRequest.objects.exclude(pk=taken.pk).get() == request


def test_retained_need_becomes_a_request_under_review(cast: Any) -> None:
    campaign = make_campaign(cast, "closed")
    need = make_need(cast, campaign)
    need, request = svc.need_decide(actor=cast.dlm, need=need, decision="retained", note="", create_request=True)
    assert need.decision == "retained" and need.decided_by == cast.dlm and need.decided_at
    assert request is not None
    assert request.status == TrainingRequest.Status.UNDER_REVIEW
    assert request.requester == cast.manager
    assert request.campaign_need == need
    assert request.reference.startswith(f"DEM-{TODAY.year}-")
    assert request.wished_date == dt.date(2027, 4, 1)
    assert request.budget_indication == Decimal("4000")
    assert RequestTransition.objects.filter(request=request, to_status="under_review").exists()
    # A second "retained" makes no second request; another decision is refused.
    _need, again = svc.need_decide(actor=cast.dlm, need=need, decision="retained", create_request=True)
    assert again == request and TrainingRequest.objects.count() == 1
    with pytest.raises(ValidationFailed) as exc:
        svc.need_decide(actor=cast.dlm, need=need, decision="rejected", note="Non")
    assert request.reference in exc.value.errors["decision"][0]


def test_decisions_need_a_note_and_a_closed_campaign(cast: Any) -> None:
    campaign = make_campaign(cast, "closed")
    need = make_need(cast, campaign)
    with pytest.raises(ValidationFailed) as exc:
        svc.need_decide(actor=cast.dlm, need=need, decision="rejected")
    assert "note" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        svc.need_decide(actor=cast.dlm, need=need, decision="merged", note="x", create_request=True)
    assert "create_request" in exc.value.errors
    NeedsCampaign.objects.filter(pk=campaign.pk).update(status="open")
    with pytest.raises(ValidationFailed) as exc:
        svc.need_decide(actor=cast.dlm, need=need, decision="retained")
    assert "decision" in exc.value.errors
    need.refresh_from_db()
    assert need.decision == "pending"


def test_a_failing_request_creation_leaves_the_decision_unchanged(cast: Any, monkeypatch: Any) -> None:
    campaign = make_campaign(cast, "closed")
    need = make_need(cast, campaign)

    def boom(**kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(svc, "_request_from_need", boom)
    with pytest.raises(RuntimeError):
        svc.need_decide(actor=cast.dlm, need=need, decision="retained", create_request=True)
    need.refresh_from_db()
    assert need.decision == "pending" and not TrainingRequest.objects.exists()


def test_totals_per_theme_and_filters(cast: Any) -> None:
    campaign = make_campaign(cast, "closed")
    make_need(cast, campaign, theme="Vente", headcount=8, estimated_cost=Decimal("4000"))
    make_need(cast, campaign, theme="Vente", headcount=2, estimated_cost=None, priority="low")
    make_need(cast, campaign, theme="Sécurité", headcount=30, estimated_cost=Decimal("9000"))
    totals = svc.need_totals(campaign.needs.all())
    assert totals["overall"] == {"needs": 3, "people": 40, "cost": Decimal("13000")}
    assert [(t["theme"], t["needs"], t["people"]) for t in totals["by_theme"]] == [
        ("Sécurité", 1, 30),
        ("Vente", 2, 10),
    ]
    filtered, kept = svc.need_filter(campaign.needs.all(), {"theme": "vente", "priority": "low", "decision": "bogus"})
    assert filtered.count() == 1 and kept == {"theme": "vente", "priority": "low"}
    by_unit, _kept = svc.need_filter(campaign.needs.all(), {"org_unit": str(cast.unit_a.pk)})
    assert by_unit.count() == 3  # A1 is under A
    by_b, _kept = svc.need_filter(campaign.needs.all(), {"org_unit": str(cast.unit_b.pk)})
    assert by_b.count() == 0


# --- web ----------------------------------------------------------------------------------------


def test_dlm_creates_and_opens_a_campaign_on_the_web(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    audience = managers_audience(cast)
    response = client.post(
        reverse("strategy:campaign_create"),
        {
            "title": "Recueil 2027",
            "instructions": "Avant fin mars",
            "opens_on": TODAY.isoformat(),
            "closes_on": (TODAY + dt.timedelta(days=10)).isoformat(),
            "audience": audience.pk,
        },
    )
    campaign = NeedsCampaign.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "strategy:campaign_detail", args=[campaign.pk]
    )
    response = client.post(reverse("strategy:campaign_transition", args=[campaign.pk]), {"to_status": "open"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "open"
    page = client.get(reverse("strategy:campaign_detail", args=[campaign.pk]))
    assert page.status_code == 200
    assert "Close the campaign" in page.content.decode()


def test_bad_dates_come_back_next_to_the_field(cast: Any, login: Any) -> None:
    response = login(cast.dlm).post(
        reverse("strategy:campaign_create"),
        {"title": "X", "opens_on": TODAY.isoformat(), "closes_on": (TODAY - dt.timedelta(days=2)).isoformat()},
    )
    assert response.status_code == 200
    assert "before the opening date" in response.content.decode()
    assert not NeedsCampaign.objects.exists()


def test_invalid_transition_on_the_web_shows_the_message(cast: Any, login: Any) -> None:
    campaign = make_campaign(cast)
    client = login(cast.dlm)
    response = client.post(
        reverse("strategy:campaign_transition", args=[campaign.pk]), {"to_status": "closed"}, follow=True
    )
    assert "A campaign that is draft cannot become closed." in response.content.decode()


def test_manager_sees_the_campaign_and_submits_a_need(cast: Any, login: Any) -> None:
    campaign = make_campaign(cast, "open")
    client = login(cast.manager)
    assert "Recueil 2027" in client.get(reverse("strategy:campaign_list")).content.decode()
    response = client.post(
        reverse("strategy:need_create", args=[campaign.pk]),
        {"title": "Prospection", "headcount": "5", "priority": "high", "wished_quarter": "2027-Q9"},
    )
    assert response.status_code == 200
    assert "2027-Q2" in response.content.decode()  # the example in the message
    response = client.post(
        reverse("strategy:need_create", args=[campaign.pk]),
        {"title": "Prospection", "headcount": "5", "priority": "high", "wished_quarter": "2027-Q1"},
    )
    assert response.status_code == 302
    need = Need.objects.get()
    page = client.get(reverse("strategy:campaign_detail", args=[campaign.pk])).content.decode()
    assert reverse("strategy:need_edit", args=[need.pk]) in page


def test_other_managers_need_is_404_and_draft_campaign_invisible(cast: Any, login: Any) -> None:
    campaign = make_campaign(cast, "open")
    need = Need.objects.create(campaign=campaign, manager=cast.dlm, title="Autre", headcount=1)
    client = login(cast.manager)
    assert client.get(reverse("strategy:need_edit", args=[need.pk])).status_code == 404
    draft = make_campaign(cast, title="Brouillon")
    assert client.get(reverse("strategy:campaign_detail", args=[draft.pk])).status_code == 404
    assert login(cast.learner).get(reverse("strategy:campaign_list")).status_code == 403


def test_arbitration_table_inline_decision_with_htmx_and_fallback(cast: Any, login: Any) -> None:
    campaign = make_campaign(cast, "closed")
    need = make_need(cast, campaign)
    other = make_need(cast, campaign, title="Sécurité machines", theme="Sécurité")
    client = login(cast.dlm)
    page = client.get(reverse("strategy:campaign_arbitrate", args=[campaign.pk]), {"theme": "Vente"})
    body = page.content.decode()
    assert page.status_code == 200 and "Négociation" in body and "Sécurité machines" not in body
    url = reverse("strategy:need_decide", args=[need.pk])
    response = client.post(
        url, {f"n{need.pk}-decision": "retained", f"n{need.pk}-create_request": "on"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert f'id="need-{need.pk}"' in response.content.decode()
    assert "<html" not in response.content.decode()
    need.refresh_from_db()
    assert need.decision == "retained" and need.request.status == "under_review"
    # Plain form: a missing note comes back as a message, nothing saved.
    response = client.post(
        reverse("strategy:need_decide", args=[other.pk]), {f"n{other.pk}-decision": "rejected"}, follow=True
    )
    assert "the manager reads it" in response.content.decode()
    other.refresh_from_db()
    assert other.decision == "pending"
    # htmx with an error: the row comes back with the message next to the field.
    response = client.post(
        reverse("strategy:need_decide", args=[other.pk]),
        {f"n{other.pk}-decision": "rejected"},
        headers={"HX-Request": "true"},
    )
    assert "the manager reads it" in response.content.decode()


def test_decide_is_staff_only(cast: Any, login: Any) -> None:
    campaign = make_campaign(cast, "closed")
    need = make_need(cast, campaign)
    response = login(cast.manager).post(
        reverse("strategy:need_decide", args=[need.pk]), {f"n{need.pk}-decision": "retained"}
    )
    assert response.status_code == 403
    assert login(cast.manager).get(reverse("strategy:need_decide", args=[need.pk])).status_code == 405


def test_export_is_protected_against_formulas(cast: Any, login: Any) -> None:
    from openpyxl import load_workbook

    campaign = make_campaign(cast, "closed")
    make_need(cast, campaign, title='=HYPERLINK("http://evil")', theme="Vente")
    make_need(cast, campaign, title="Sécurité", theme="+Sécurité", estimated_cost=None)
    response = login(cast.dlm).get(reverse("strategy:campaign_export", args=[campaign.pk]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    needs = wb.worksheets[0]
    titles = [row[0].value for row in needs.iter_rows(min_row=2)]
    assert '\'=HYPERLINK("http://evil")' in titles
    themes = [row[0].value for row in wb.worksheets[1].iter_rows(min_row=2)]
    assert "'+Sécurité" in themes and themes[-1] == "Total"
    assert wb.worksheets[1].cell(row=wb.worksheets[1].max_row, column=2).value == 2
