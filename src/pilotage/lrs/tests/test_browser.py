"""The statement browser, the activity catalogue and the statement exports (web pages under
/lrs/): scoping per persona, filters, keyset pages, facets, exports, htmx partials and
bounded query counts."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from pilotage.lrs import selectors
from pilotage.lrs.models import Activity, Agent, Statement, Verb
from pilotage.lrs.services import statement_store

V = "http://adlnet.gov/expapi/verbs/"
COURSE = "https://elearning.example.com/courses/cyber"
QUIZ = "https://elearning.example.com/courses/excel"
REG = str(uuid.uuid4())


def statement(
    actor: dict[str, Any], verb: str, activity: str = COURSE, *, name: str = "Cybersécurité", **extra: Any
) -> dict[str, Any]:
    return {
        "actor": actor,
        "verb": {"id": V + verb, "display": {"en-US": verb, "fr-FR": f"a {verb}"}},
        "object": {
            "id": activity,
            "definition": {
                "name": {"fr-FR": name, "en-US": name + " (en)"},
                "type": "http://adlnet.gov/expapi/activities/module",
            },
        },
        **extra,
    }


def mbox(email: str, name: str = "") -> dict[str, Any]:
    return {"objectType": "Agent", "mbox": f"mailto:{email}", **({"name": name} if name else {})}


@pytest.fixture
def records(cast: Any) -> dict[str, Any]:
    """Statements of the learner (unit A1), a peer (A1, by account), the technician (unit
    B) and an external trainee no employee matches (whose name is a spreadsheet formula)."""
    learner = mbox(cast.employees["learner"].email)
    peer = {"objectType": "Agent", "account": {"homePage": settings.SITE_URL, "name": "E004"}}
    tech = mbox(cast.employees["tech"].email)
    external = mbox("trainee@partner.example", '=HYPERLINK("http://evil.example","x")')
    ids = statement_store(
        statements=[
            statement(learner, "launched", context={"registration": REG}),
            statement(learner, "completed", context={"registration": REG}),
            statement(
                learner,
                "passed",
                context={"registration": REG},
                result={"score": {"scaled": 0.8}, "success": True, "duration": "PT20M"},
            ),
            statement(peer, "launched"),
            statement(tech, "launched"),
            statement(tech, "failed", result={"score": {"scaled": 0.3}, "success": False}),
            statement(external, "launched", QUIZ, name="+SUM(1,2)"),
        ],
        client=None,
        version="2.0.0",
    )
    return {"ids": ids, "learner": ids[2], "tech": ids[5], "external": ids[6]}


def _list(client: Any, **params: Any) -> Any:
    return client.get(reverse("lrs:statement_list"), params)


# --- who sees what ----------------------------------------------------------------------------


def test_dlm_sees_every_statement_with_its_learner_linked(records: dict[str, Any], cast: Any, login: Any) -> None:
    response = _list(login(cast.dlm))
    assert response.status_code == 200
    html = response.content.decode()
    assert len(response.context["rows"]) == 7
    assert reverse("people:employee_detail", args=[cast.employees["learner"].pk]) in html
    assert "trainee@partner.example" not in html or "unmatched" in html
    assert "HYPERLINK" in html  # the external trainee is listed (escaped)


def test_ld_sees_everything_too(records: dict[str, Any], cast: Any, login: Any) -> None:
    assert len(_list(login(cast.ld)).context["rows"]) == 7


def test_client_a_sees_only_learners_of_scope_a(records: dict[str, Any], cast: Any, login: Any) -> None:
    rows = _list(login(cast.client_a)).context["rows"]
    numbers = {r["employee_number"] for r in rows}
    assert numbers == {"E003", "E004"}
    assert all(r["employee"] is not None for r in rows)  # nothing of unmatched actors


def test_manager_sees_the_team(records: dict[str, Any], cast: Any, login: Any) -> None:
    rows = _list(login(cast.manager)).context["rows"]
    assert {r["employee_number"] for r in rows} == {"E003", "E004"}


def test_client_b_gets_404_on_a_statement_of_scope_a(records: dict[str, Any], cast: Any, login: Any) -> None:
    url = reverse("lrs:statement_detail", args=[records["learner"]])
    assert login(cast.client_b).get(url).status_code == 404
    assert login(cast.client_a).get(url).status_code == 200
    external = reverse("lrs:statement_detail", args=[records["external"]])
    assert login(cast.client_a).get(external).status_code == 404


@pytest.mark.parametrize("persona", ["vendor_a", "learner", "facilitator", "approver_it", "outsider"])
def test_other_roles_are_refused(records: dict[str, Any], cast: Any, login: Any, persona: str) -> None:
    web = login(cast.users[persona])
    assert web.get(reverse("lrs:statement_list")).status_code == 403
    assert web.get(reverse("lrs:activity_list")).status_code == 403
    assert web.get(reverse("lrs:statement_export_csv")).status_code == 403


def test_navigation_points_to_the_browser(cast: Any, login: Any) -> None:
    url = reverse("lrs:statement_list")
    assert f'href="{url}"' in login(cast.client_a).get(reverse("home")).content.decode()
    assert f'href="{url}"' not in login(cast.vendor_a).get(reverse("home")).content.decode()


def test_tabs_follow_the_role(records: dict[str, Any], cast: Any, login: Any) -> None:
    dlm_html = _list(login(cast.dlm)).content.decode()
    assert reverse("lrs:client_list") in dlm_html and reverse("lrs:agent_unmatched") in dlm_html
    client_html = _list(login(cast.client_a)).content.decode()
    assert reverse("lrs:activity_list") in client_html
    assert reverse("lrs:client_list") not in client_html


# --- statement detail ----------------------------------------------------------------------


def test_statement_detail_shows_the_json_and_the_people(records: dict[str, Any], cast: Any, login: Any) -> None:
    response = login(cast.dlm).get(reverse("lrs:statement_detail", args=[records["learner"]]))
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("people:employee_detail", args=[cast.employees["learner"].pk]) in html
    assert "&quot;scaled&quot;: 0.8" in html  # the pretty JSON
    assert "Cybersécurité" in html
    assert "Voided" not in html


def test_voided_statement_is_marked_and_links_its_voider(records: dict[str, Any], cast: Any, login: Any) -> None:
    voider = statement_store(
        statements=[
            {
                "actor": mbox(cast.employees["learner"].email),
                "verb": {"id": V + "voided"},
                "object": {"objectType": "StatementRef", "id": records["learner"]},
            }
        ],
        client=None,
        version="2.0.0",
    )[0]
    html = login(cast.dlm).get(reverse("lrs:statement_detail", args=[records["learner"]])).content.decode()
    assert "Voided" in html and voider in html
    rows = _list(login(cast.dlm), voided="only").context["rows"]
    assert [str(r["statement_id"]) for r in rows] == [records["learner"]]
    assert len(_list(login(cast.dlm), voided="exclude").context["rows"]) == 7  # 8 minus the voided one


# --- filters ---------------------------------------------------------------------------------------


def test_filters(records: dict[str, Any], cast: Any, login: Any) -> None:
    web = login(cast.dlm)
    passed = Verb.objects.get(iri=V + "passed")
    assert len(_list(web, verb=passed.pk).context["rows"]) == 1
    assert len(_list(web, verb=V + "launched").context["rows"]) == 4  # an IRI works too
    quiz = Activity.objects.get(iri=QUIZ)
    assert len(_list(web, activity=quiz.pk).context["rows"]) == 1
    assert len(_list(web, registration=REG).context["rows"]) == 3
    assert len(_list(web, learner="Petit").context["rows"]) == 3  # employee search
    assert len(_list(web, learner="mailto:trainee@partner.example").context["rows"]) == 1  # an agent IFI
    assert len(_list(web, org_unit=cast.unit_b.pk).context["rows"]) == 2  # the subtree, via the employee
    assert len(_list(web, org_unit=cast.unit_a.pk).context["rows"]) == 4
    assert len(_list(web, employee=cast.employees["tech"].pk).context["rows"]) == 2
    assert len(_list(web, since="2000-01-01", until="2999-12-31").context["rows"]) == 7
    assert len(_list(web, until="2000-01-01").context["rows"]) == 0


def test_bad_filters_are_explained(records: dict[str, Any], cast: Any, login: Any) -> None:
    response = _list(login(cast.dlm), registration="nope", since="yesterday", verb="https://unknown.example/v")
    assert response.status_code == 200
    errors = response.context["filters"].errors
    assert set(errors) == {"registration", "since", "verb"}
    assert response.context["rows"] == []
    # An org unit outside the scope is refused, not silently widened.
    response = _list(login(cast.client_a), org_unit=cast.unit_b.pk)
    assert "org_unit" in response.context["filters"].errors and response.context["rows"] == []


# --- keyset pages ---------------------------------------------------------------------------------


def test_keyset_pages_walk_without_repeating(cast: Any, login: Any) -> None:
    learner = mbox(cast.employees["learner"].email)
    statement_store(
        statements=[statement(learner, "progressed", result={"score": {"raw": i}}) for i in range(120)],
        client=None,
        version="2.0.0",
    )
    web = login(cast.dlm)
    seen: list[str] = []
    response = _list(web)
    pages = 0
    while True:
        pages += 1
        seen += [str(r["statement_id"]) for r in response.context["rows"]]
        if not response.context["next_url"]:
            break
        response = web.get(reverse("lrs:statement_list") + response.context["next_url"])
    assert pages == 3 and len(seen) == 120 == len(set(seen))
    expected = [str(s) for s in Statement.objects.order_by("-id").values_list("statement_id", flat=True)]
    assert seen == expected  # newest first
    # Back from the last page: the previous page is the second one.
    previous = web.get(reverse("lrs:statement_list") + response.context["previous_url"])
    assert [str(r["statement_id"]) for r in previous.context["rows"]] == seen[50:100]
    assert previous.context["next_url"] and previous.context["previous_url"]
    first = _list(web)
    assert first.context["previous_url"] == ""


def test_facets_count_and_link_to_the_filtered_list(records: dict[str, Any], cast: Any, login: Any) -> None:
    response = _list(login(cast.dlm))
    facets = response.context["facets"]
    assert facets.complete and facets.sampled == 7
    verbs = {e.label: e.count for e in facets.verbs}
    assert verbs["launched"] == 4 or verbs.get("a launched") == 4
    launched = Verb.objects.get(iri=V + "launched")
    groups = dict(response.context["facet_groups"])
    links = [e["url"] for e in next(iter(groups.values()))]
    assert f"?verb={launched.pk}" in links
    assert len(_list(login(cast.dlm), verb=launched.pk).context["rows"]) == 4
    actors = {e.label: e.count for e in facets.actors}
    assert actors["Julie Petit"] == 3


def test_facets_are_bounded_by_the_sample(records: dict[str, Any], cast: Any) -> None:
    qs = selectors.statement_list(user=cast.dlm)
    facets = selectors.statement_facets(qs, sample=4)
    assert facets.sampled == 4 and not facets.complete
    assert sum(e.count for e in facets.verbs) == 4


def test_htmx_request_gets_the_results_partial(records: dict[str, Any], cast: Any, login: Any) -> None:
    response = login(cast.dlm).get(reverse("lrs:statement_list"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<form" not in html and "<html" not in html
    assert 'id="statements-table"' in html


def test_page_query_count_is_bounded(cast: Any, login: Any, django_assert_max_num_queries: Any) -> None:
    learner = mbox(cast.employees["learner"].email)
    tech = mbox(cast.employees["tech"].email)
    statement_store(
        statements=[
            statement(learner if i % 2 else tech, "progressed", f"{COURSE}/{i % 9}", name=f"Module {i % 9}")
            for i in range(200)
        ],
        client=None,
        version="2.0.0",
    )
    for user in (cast.dlm, cast.client_a):
        web = login(user)
        with django_assert_max_num_queries(18):
            assert web.get(reverse("lrs:statement_list")).status_code == 200
        with django_assert_max_num_queries(16):
            assert web.get(reverse("lrs:activity_list")).status_code == 200
        activity = Activity.objects.get(iri=f"{COURSE}/1")
        with django_assert_max_num_queries(16):
            assert web.get(reverse("lrs:activity_detail", args=[activity.pk])).status_code == 200


# --- exports ---------------------------------------------------------------------------------------


def _csv(response: Any) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_is_flat_scoped_and_formula_safe(records: dict[str, Any], cast: Any, login: Any) -> None:
    response = login(cast.dlm).get(reverse("lrs:statement_export_csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert len(rows) == 7
    passed = next(r for r in rows if r["statement_id"] == records["learner"])
    assert passed["employee_number"] == "E003"
    assert passed["verb_iri"] == V + "passed"
    assert passed["score_scaled"] == "0.8" and passed["success"] == "true" and passed["duration"] == "PT20M"
    assert passed["registration"] == REG and passed["activity_id"] == COURSE
    external = next(r for r in rows if r["statement_id"] == records["external"])
    assert external["actor_name"].startswith("'=HYPERLINK")  # neutralised
    assert external["activity_name"] == "'+SUM(1,2) (en)"  # names in the request's language
    assert external["employee_number"] == ""
    # Scoped and filtered like the page.
    scoped = _csv(login(cast.client_b).get(reverse("lrs:statement_export_csv")))
    assert {r["employee_number"] for r in scoped} == {"E005"}
    launched = _csv(login(cast.dlm).get(reverse("lrs:statement_export_csv"), {"verb": V + "launched"}))
    assert len(launched) == 4


def test_jsonl_export_is_the_stored_statements(records: dict[str, Any], cast: Any, login: Any) -> None:
    response = login(cast.client_a).get(reverse("lrs:statement_export_jsonl"))
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    statements = [json.loads(line) for line in lines]
    assert len(statements) == 4
    stored = Statement.objects.get(statement_id=records["learner"]).payload
    assert stored in statements


def test_export_chunks_walk_every_row(records: dict[str, Any], cast: Any) -> None:
    from pilotage.lrs import exports

    qs = selectors.statement_list(user=cast.dlm)
    chunks = list(exports.id_chunks(qs, size=3))
    assert [len(c) for c in chunks] == [3, 3, 1]
    assert [pk for c in chunks for pk in c] == list(qs.values_list("pk", flat=True))


# --- activity catalogue -------------------------------------------------------------------


def test_catalogue_counts_learners_completions_and_success(records: dict[str, Any], cast: Any, login: Any) -> None:
    response = login(cast.dlm).get(reverse("lrs:activity_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cybersécurité" in html  # the name in the user's language (fr)
    course = Activity.objects.get(iri=COURSE)
    stats = selectors.activity_stats(user=cast.dlm, activity_ids=[course.pk])[course.pk]
    assert stats.learners == 3 and stats.completed == 1
    assert stats.passed == 1 and stats.judged == 2 and stats.success_rate == 0.5
    # The client of A only counts A's learners; the catalogue lists only what they met.
    scoped = selectors.activity_stats(user=cast.client_a, activity_ids=[course.pk])[course.pk]
    assert scoped.learners == 2 and scoped.judged == 1
    client_html = login(cast.client_a).get(reverse("lrs:activity_list")).content.decode()
    assert "+SUM(1,2)" not in client_html  # the quiz only the external trainee took


def test_names_in_the_users_language(records: dict[str, Any], cast: Any, login: Any) -> None:
    web = login(cast.dlm)
    assert "Cybersécurité (en)" in web.get(reverse("lrs:activity_list")).content.decode()
    french = web.get(reverse("lrs:activity_list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Cybersécurité" in french and "Cybersécurité (en)" not in french
    rows = _csv(web.get(reverse("lrs:statement_export_csv"), HTTP_ACCEPT_LANGUAGE="fr"))
    assert {r["activity_name"] for r in rows} == {"Cybersécurité", "'+SUM(1,2)"}


def test_catalogue_search_and_htmx(records: dict[str, Any], cast: Any, login: Any) -> None:
    web = login(cast.dlm)
    response = web.get(reverse("lrs:activity_list"), {"q": "excel"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<form" not in response.content.decode()
    assert [a.iri for a in response.context["table"].page.object_list] == [QUIZ]


def test_activity_detail_progress_table(records: dict[str, Any], cast: Any, login: Any) -> None:
    course = Activity.objects.get(iri=COURSE)
    response = login(cast.dlm).get(reverse("lrs:activity_detail", args=[course.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("people:employee_detail", args=[cast.employees["learner"].pk]) in html
    assert "80 %" in html  # the learner's best score
    assert "20 min" in html  # time spent
    quiz = Activity.objects.get(iri=QUIZ)
    assert login(cast.client_a).get(reverse("lrs:activity_detail", args=[quiz.pk])).status_code == 404
    assert login(cast.client_b).get(reverse("lrs:activity_detail", args=[course.pk])).status_code == 200
    assert login(cast.vendor_a).get(reverse("lrs:activity_detail", args=[course.pk])).status_code == 403


def test_unmatched_agent_has_no_people_link(records: dict[str, Any], cast: Any, login: Any) -> None:
    agent = Agent.objects.get(ifi="mbox:mailto:trainee@partner.example")
    rows = _list(login(cast.dlm), agent=agent.pk).context["rows"]
    assert len(rows) == 1 and rows[0]["employee"] is None


def test_catalogue_sorts_by_name_in_either_case_and_accent(cast: Any, login: Any) -> None:
    from pilotage.lrs.services import statement_store

    names = {"https://c.example/b": {"fr-FR": "Écoute active"}, "https://c.example/a": {"en-US": "agile basics"}}
    names["https://c.example/c"] = {"en-US": "Zebra", "fr-FR": "Bureautique"}
    statement_store(
        statements=[
            {
                "actor": {"mbox": f"mailto:{cast.employees['learner'].email}"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                "object": {"id": iri, "definition": {"name": name}},
            }
            for iri, name in names.items()
        ],
        client=None,
        version="2.0.0",
    )
    assert dict(Activity.objects.values_list("iri", "sort_name")) == {
        "https://c.example/a": "agile basics",
        "https://c.example/b": "ecoute active",
        "https://c.example/c": "bureautique",  # French first
    }
    html = login(cast.dlm).get(reverse("lrs:activity_list"), {"sort": "name"}).content.decode()
    pks = dict(Activity.objects.values_list("iri", "pk"))
    urls = [reverse("lrs:activity_detail", args=[pks[f"https://c.example/{k}"]]) for k in "acb"]
    positions = [html.index(f'href="{url}"') for url in urls]
    assert positions == sorted(positions)
    # a new definition renames it
    statement_store(
        statements=[
            {
                "actor": {"mbox": f"mailto:{cast.employees['learner'].email}"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                "object": {"id": "https://c.example/a", "definition": {"name": {"fr-FR": "Méthodes agiles"}}},
            }
        ],
        client=None,
        version="2.0.0",
    )
    assert Activity.objects.get(iri="https://c.example/a").sort_name == "methodes agiles"
