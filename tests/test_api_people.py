"""The people endpoints of the REST API, per persona: same scope as the web UI."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from pilotage.people.models import Employee

EVERYONE = {"E001", "E002", "E003", "E004", "E005", "E006", "E007", "E008"}
SCOPES = {
    "dlm": EVERYONE,
    "ld": EVERYONE,
    "client_a": {"E002", "E003", "E004", "E006"},  # A and A1 (themselves included)
    "client_b": {"E005", "E007", "E008"},
    "manager": {"E002", "E003", "E004"},  # themselves and their team
}
NOT_PEOPLE_READERS = ["learner", "vendor_a", "facilitator", "approver_it", "outsider"]


def _numbers(body: dict[str, Any]) -> set[str]:
    return {p["employee_number"] for p in body["items"]}


def _id(number: str) -> int:
    return Employee.objects.get(employee_number=number).pk


# --- /people --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", sorted(SCOPES))
def test_people_list_is_scoped_like_the_web_ui(cast: Any, login: Any, persona: str) -> None:
    response = login(getattr(cast, persona)).get("/api/v1/people")
    assert response.status_code == 200
    body = response.json()
    assert _numbers(body) == SCOPES[persona]
    assert body["count"] == len(SCOPES[persona])
    assert (body["limit"], body["offset"]) == (50, 0)


@pytest.mark.parametrize("persona", NOT_PEOPLE_READERS)
@pytest.mark.parametrize("path", ["/api/v1/people", "/api/v1/org-units", "/api/v1/sites", "/api/v1/job-roles"])
def test_roles_that_cannot_read_people_get_403_on_lists(cast: Any, login: Any, persona: str, path: str) -> None:
    response = login(getattr(cast, persona)).get(path)
    assert response.status_code == 403
    assert response.json()["detail"]


@pytest.mark.parametrize("persona", sorted(SCOPES))
def test_people_detail_in_and_out_of_scope(cast: Any, login: Any, persona: str) -> None:
    client = login(getattr(cast, persona))
    for number in EVERYONE:
        response = client.get(f"/api/v1/people/{_id(number)}")
        if number in SCOPES[persona]:
            assert response.status_code == 200, number
            assert response.json()["employee_number"] == number
        else:
            assert response.status_code == 404, number
            assert response.json() == {"detail": "Not found."}


def test_learner_sees_only_themselves(cast: Any, login: Any) -> None:
    client = login(cast.learner)
    own = client.get(f"/api/v1/people/{cast.employees['learner'].pk}")
    assert own.status_code == 200
    assert own.json()["employee_number"] == "E003"
    assert client.get(f"/api/v1/people/{cast.employees['peer'].pk}").status_code == 404
    assert client.get(f"/api/v1/people/{cast.employees['manager'].pk}").status_code == 404


def test_vendor_sees_nobody(cast: Any, login: Any) -> None:
    client = login(cast.vendor_a)
    assert client.get(f"/api/v1/people/{cast.employees['boss'].pk}").status_code == 404
    assert client.get(f"/api/v1/org-units/{cast.root.pk}").status_code == 403


def test_unknown_employee_is_404_like_out_of_scope(cast: Any, login: Any) -> None:
    assert login(cast.dlm).get("/api/v1/people/999999").json() == {"detail": "Not found."}


def test_people_detail_shape(cast: Any, login: Any) -> None:
    body = login(cast.dlm).get(f"/api/v1/people/{cast.employees['learner'].pk}").json()
    assert body == {
        "id": cast.employees["learner"].pk,
        "employee_number": "E003",
        "first_name": "Julie",
        "last_name": "Petit",
        "full_name": "Julie Petit",
        "email": "julie.petit@example.com",
        "active": True,
        "hire_date": "2024-03-01",
        "language": "fr",
        "org_unit": {"id": cast.unit_a1.pk, "code": "COM-N", "name": "Ventes Nord"},
        "site": {"id": cast.site_lyon.pk, "code": "LYS", "name": "Lyon Part-Dieu"},
        "job_role": {"id": cast.role_sales.pk, "code": "SALES", "name": "Commercial terrain"},
        "manager": {"id": cast.employees["manager"].pk, "name": "Karim Benali"},
        "attributes": {},
    }


# --- filters, ordering, pagination ----------------------------------------------------------


def test_people_filters(cast: Any, login: Any) -> None:
    client = login(cast.dlm)

    def numbers(**params: Any) -> set[str]:
        response = client.get("/api/v1/people", params)
        assert response.status_code == 200, response.content
        return _numbers(response.json())

    assert numbers(org_unit=cast.unit_a.pk) == {"E002", "E003", "E004", "E006"}  # the subtree
    assert numbers(org_unit=cast.unit_a1.pk) == {"E002", "E003", "E004"}
    assert numbers(site=cast.site_montreal.pk) == {"E005", "E007"}
    assert numbers(job_role=cast.role_tech.pk) == {"E005", "E007", "E008"}
    assert numbers(active="false") == {"E008"}
    assert len(numbers(active="true")) == 7
    assert numbers(manager=cast.employees["manager"].pk) == {"E003", "E004"}
    assert numbers(q="petit") == {"E003"}
    assert numbers(q="E005") == {"E005"}
    assert numbers(q="@example.com", site=cast.site_lyon.pk, active="true") == {"E003", "E004"}


def test_filters_stay_within_scope(cast: Any, login: Any) -> None:
    client = login(cast.client_a)
    body = client.get("/api/v1/people", {"job_role": cast.role_sales.pk}).json()
    assert _numbers(body) == {"E002", "E003", "E004", "E006"}
    assert client.get("/api/v1/people", {"site": cast.site_montreal.pk}).json()["count"] == 0


def test_org_unit_filter_outside_scope_is_400_naming_the_field(cast: Any, login: Any) -> None:
    response = login(cast.client_a).get("/api/v1/people", {"org_unit": cast.unit_b.pk})
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == [
        {"field": "org_unit", "message": f"No org unit with id {cast.unit_b.pk} is visible to you."}
    ]
    assert body["detail"].startswith("org_unit:")


def test_ordering(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    by_name = [p["last_name"] for p in client.get("/api/v1/people").json()["items"]]
    assert by_name == sorted(by_name)
    desc = [
        p["employee_number"] for p in client.get("/api/v1/people", {"ordering": "-employee_number"}).json()["items"]
    ]
    assert desc == sorted(EVERYONE, reverse=True)
    hired = [p["hire_date"] for p in client.get("/api/v1/people", {"ordering": "hire_date"}).json()["items"]]
    assert hired == sorted(hired)


def test_pagination_envelope_and_pages_do_not_overlap(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    seen: list[str] = []
    for offset in (0, 3, 6):
        body = client.get("/api/v1/people", {"limit": 3, "offset": offset}).json()
        assert set(body) == {"count", "limit", "offset", "items"}
        assert (body["count"], body["limit"], body["offset"]) == (8, 3, offset)
        seen += [p["employee_number"] for p in body["items"]]
    assert len(seen) == 8 and set(seen) == EVERYONE
    past_the_end = client.get("/api/v1/people", {"offset": 100}).json()
    assert past_the_end["count"] == 8 and past_the_end["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"limit": "many"}, "limit"),
        ({"site": "paris"}, "site"),
        ({"active": "maybe"}, "active"),
        ({"ordering": "salary"}, "ordering"),
    ],
)
def test_malformed_parameters_are_422_naming_the_field(
    cast: Any, login: Any, params: dict[str, Any], field: str
) -> None:
    response = login(cast.dlm).get("/api/v1/people", params)
    assert response.status_code == 422
    body = response.json()
    assert [e["field"] for e in body["errors"]] == [field]
    assert body["errors"][0]["message"]
    assert body["detail"].startswith(f"{field}:")


def test_malformed_path_id_is_422(cast: Any, login: Any) -> None:
    response = login(cast.dlm).get("/api/v1/people/abc")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "employee_id"


# --- query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["dlm", "client_a", "manager"])
def test_people_list_costs_a_constant_number_of_queries(
    cast: Any, login: Any, persona: str, django_assert_max_num_queries: Any
) -> None:
    client = login(getattr(cast, persona))
    client.get("/api/v1/people")  # warm the session
    for i in range(30):
        Employee.objects.create(
            employee_number=f"X{i:03}",
            first_name="Extra",
            last_name=f"Person{i}",
            org_unit=cast.unit_a1,
            site=cast.site_paris,
            job_role=cast.role_sales,
            manager=cast.employees["manager"],
            manager_path=cast.employees["manager"].manager_path + f"{cast.employees['manager'].pk}/",
        )
    # session + user + roles + scope org units (x2 for clients/managers) + count + page
    with django_assert_max_num_queries(7):
        response = client.get("/api/v1/people", {"limit": 100})
    assert response.json()["count"] >= 30


@pytest.mark.parametrize("path", ["/api/v1/org-units", "/api/v1/sites", "/api/v1/job-roles"])
def test_reference_lists_cost_a_constant_number_of_queries(
    cast: Any, login: Any, path: str, django_assert_max_num_queries: Any
) -> None:
    client = login(cast.client_a)
    with django_assert_max_num_queries(7):
        assert client.get(path).status_code == 200


# --- org units, sites, job roles, me --------------------------------------------------------


def test_org_units_flat_list_is_scoped(cast: Any, login: Any) -> None:
    everything = login(cast.dlm).get("/api/v1/org-units").json()
    assert [u["code"] for u in everything["items"]] == ["GRP", "COM", "COM-N", "IND"]
    a1 = next(u for u in everything["items"] if u["code"] == "COM-N")
    assert a1 == {
        "id": cast.unit_a1.pk,
        "code": "COM-N",
        "name": "Ventes Nord",
        "parent_id": cast.unit_a.pk,
        "path": f"/{cast.root.pk}/{cast.unit_a.pk}/{cast.unit_a1.pk}/",
        "depth": 2,
    }
    scoped = Client()
    scoped.force_login(cast.client_a)
    assert [u["code"] for u in scoped.get("/api/v1/org-units").json()["items"]] == ["COM", "COM-N"]


def test_org_unit_detail_scoped(cast: Any, login: Any) -> None:
    client = login(cast.client_a)
    assert client.get(f"/api/v1/org-units/{cast.unit_a1.pk}").json()["code"] == "COM-N"
    assert client.get(f"/api/v1/org-units/{cast.unit_b.pk}").status_code == 404
    assert client.get(f"/api/v1/org-units/{cast.root.pk}").status_code == 404


def test_sites_and_job_roles(cast: Any, login: Any) -> None:
    client = login(cast.manager)
    sites = client.get("/api/v1/sites").json()
    assert sites["count"] == 3
    assert {s["code"] for s in sites["items"]} == {"PAR", "LYS", "MTL"}
    assert {"country", "city", "timezone"} <= set(sites["items"][0])
    roles = client.get("/api/v1/job-roles").json()
    assert [r["code"] for r in roles["items"]] == ["SALES", "TECH"]
    assert roles["items"][0]["family"] == "Ventes"


@pytest.mark.parametrize("persona", ["dlm", "client_a", "manager", "learner", "vendor_a", "outsider"])
def test_me_for_every_persona(cast: Any, login: Any, persona: str) -> None:
    user = getattr(cast, persona)
    body = login(user).get("/api/v1/me").json()
    assert body["id"] == user.pk and body["email"] == user.email
    assert body["auth"] == "session"
    expected_roles = {"dlm": ["dlm"], "client_a": ["client"], "manager": ["manager"], "learner": ["learner"]}
    expected_roles |= {"vendor_a": ["vendor"], "outsider": []}
    assert body["roles"] == expected_roles[persona]
    if user.employee_id:
        assert body["employee"]["id"] == user.employee_id
    else:
        assert body["employee"] is None
    if persona == "vendor_a":
        assert body["organisation"] == {"id": cast.vendor_org_a.pk, "name": "Studio Alpha"}


# --- OpenAPI and docs -----------------------------------------------------------------------


def test_openapi_schema_lists_the_routes(db: Any, client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in ["/me", "/people", "/people/{employee_id}", "/org-units", "/org-units/{org_unit_id}", "/sites"]:
        assert f"/api/v1{path}" in schema["paths"], path
    assert "/api/v1/job-roles" in schema["paths"]
    assert {"TokenBearer", "TokenHeader", "ActiveSessionAuth"} <= set(schema["components"]["securitySchemes"])
    page = schema["components"]["schemas"]["EmployeePage"]
    assert set(page["required"]) == {"count", "limit", "offset", "items"}
    params = {p["name"] for p in schema["paths"]["/api/v1/people"]["get"]["parameters"]}
    assert {"q", "org_unit", "site", "job_role", "active", "manager", "ordering", "limit", "offset"} <= params


def test_docs_render_offline_under_the_csp(cast: Any, login: Any) -> None:
    response = login(cast.dlm).get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert 'style="' not in html
    # The only inline <script> is a JSON data block, which the CSP does not execute.
    assert html.count("<script") == 3
    assert '<script type="application/json" id="swagger-settings">' in html
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_swagger_assets_are_served_from_our_static(db: Any, client: Client) -> None:
    from django.contrib.staticfiles import finders

    assert finders.find("ninja/swagger-ui-bundle.js")
    assert finders.find("ninja/swagger-ui.css")
    assert finders.find("ninja/swagger-ui-init.js")
