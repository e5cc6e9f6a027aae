"""The demo's year of learning activity (``pilotage demo-learning``, ``--size small``)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q
from django.test import override_settings
from django.urls import reverse

from pilotage.lrs import demo
from pilotage.lrs.models import Activity, Agent, LearnerProgress, LrsClient, Statement
from pilotage.people import demo as people_demo
from pilotage.people.models import User

V = "http://adlnet.gov/expapi/verbs/"


@pytest.fixture
def learning(db: Any) -> demo.DemoLearningSummary:
    people_demo.demo_company_create(actor="test", size="small")
    return demo.demo_learning_create(actor="test", size="small")


def test_volume_activities_and_learners(learning: demo.DemoLearningSummary) -> None:
    assert 3_000 <= learning.statements == Statement.objects.count() <= 3_300
    assert learning.voided >= 2 and Statement.objects.filter(voided=True).count() == learning.voided
    client = LrsClient.objects.get(name=demo.CLIENT_NAME)
    assert client.statement_count == learning.statements
    assert set(client.scopes) == {"statements/write", "statements/read/mine", "state"}
    # The campus: modules, micro-learnings, videos, quizzes (and their questions), classes.
    names = {a.definition["name"]["fr-FR"] for a in Activity.objects.all()}
    assert "Cybersécurité : les bons réflexes" in names and "RGPD au quotidien" in names
    cyber = Activity.objects.get(iri=f"{demo.CAMPUS}/activities/cybersecurite")
    assert cyber.definition["name"]["en-US"] == "Cybersecurity: the right reflexes"
    assert cyber.definition["type"] == "http://adlnet.gov/expapi/activities/course"
    questions = Activity.objects.filter(definition__interactionType="choice")
    assert questions.exists() and all(q.definition["choices"] for q in questions)
    # Learners are employees (matched by mbox or account), plus a few external trainees.
    matched = Agent.objects.filter(employee__isnull=False)
    assert matched.filter(ifi__startswith="mbox:").exists() and matched.filter(ifi__startswith="account:").exists()
    assert learning.learners > 100


def test_progress_and_funnels_are_plausible(learning: demo.DemoLearningSummary) -> None:
    assert LearnerProgress.objects.count() > 200
    assert LearnerProgress.objects.filter(completed_at__isnull=False).exists()
    assert LearnerProgress.objects.filter(success=False).exists() and LearnerProgress.objects.filter(success=True)
    counts = dict(Statement.objects.values_list("verb__iri").annotate(n=Count("id")))
    assert counts[V + "completed"] < counts[V + "launched"]
    assert counts[V + "passed"] > counts[V + "failed"]
    # Mandatory compliance modules are completed more often than optional ones.
    rates = {}
    for slug in ("cybersecurite", "excel-avance"):
        rows = LearnerProgress.objects.filter(activity__iri=f"{demo.CAMPUS}/activities/{slug}").aggregate(
            total=Count("id"), done=Count("id", filter=Q(completed_at__isnull=False))
        )
        rates[slug] = rows["done"] / rows["total"] if rows["total"] else 0
    assert rates["cybersecurite"] > rates["excel-avance"]
    # Spread over the year, in time order of storage.
    timestamps = list(Statement.objects.order_by("id").values_list("timestamp", flat=True))
    assert (max(timestamps) - min(timestamps)).days > 200
    assert timestamps == sorted(timestamps)


def test_same_seed_same_statements(db: Any) -> None:
    people_demo.demo_company_create(actor="test", size="small")
    learners = demo._learners(7)
    end = demo.timezone.now().replace(microsecond=0)

    def run() -> list[tuple[Any, ...]]:
        events = demo._Generator(seed=7, target=500, end=end, learners=learners, tz=demo.dt.UTC).run()
        return [(e.when, e.verb, e.obj, e.sid) for e in events]

    assert run() == run()


def test_browser_shows_the_demo_to_the_dlm(learning: demo.DemoLearningSummary, client: Any) -> None:
    dlm = User.objects.get(email=people_demo.PERSONAS[0].email)
    client.force_login(dlm)
    response = client.get(reverse("lrs:statement_list"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 50 and response.context["next_url"]
    catalogue = client.get(reverse("lrs:activity_list"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Cybersécurité : les bons réflexes" in catalogue.content.decode()


def test_command_runs_once_and_needs_the_company(db: Any) -> None:
    with pytest.raises(CommandError, match="pilotage demo"):
        call_command("demo-learning", "--size", "small", "--no-progress", stdout=StringIO())
    people_demo.demo_company_create(actor="test", size="small")
    out = StringIO()
    call_command("demo-learning", "--size", "small", "--no-progress", stdout=out)
    assert "statements" in out.getvalue() and demo.CLIENT_NAME in out.getvalue()
    with pytest.raises(CommandError, match="already"):
        call_command("demo-learning", "--size", "small", "--no-progress", stdout=StringIO())


@override_settings(PILOTAGE_ENV="production")
def test_never_in_production(db: Any) -> None:
    with pytest.raises(CommandError, match="production"):
        call_command("demo-learning", "--size", "small", "--no-progress", stdout=StringIO())
