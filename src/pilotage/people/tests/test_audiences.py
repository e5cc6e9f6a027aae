"""Audiences: each rule against the cast, nesting, inclusion/exclusion, validation paths,
scoping, the builder pages and the REST API.

The cast (conftest.py), active unless said:
    E001 boss     root  Paris    —      hired 2020-01-06
    E002 manager  A1    Paris    sales  (boss)
    E003 learner  A1    Lyon     sales  (manager)  hired 2024-03-01
    E004 peer     A1    Lyon     sales  (manager)  English
    E005 tech     B     Montréal tech   (boss)     hired 2019-09-02
    E006 client_a A     Paris    sales  (boss)
    E007 client_b B     Montréal tech   (boss)     attributes {"contract": "CDI"}
    E008 gone     B     Lyon     tech   (boss)     INACTIVE
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pilotage.core.errors import PermissionDenied, ValidationFailed
from pilotage.core.models import AuditEvent
from pilotage.people import audiences
from pilotage.people.audiences import audience_create, audience_members, compile_rules, describe_rules
from pilotage.people.models import Audience, Employee


def rule(field: str, operator: str, value: Any) -> dict[str, Any]:
    return {"field": field, "operator": operator, "value": value}


def group(op: str, *rules: Any) -> dict[str, Any]:
    return {"op": op, "rules": list(rules)}


def numbers(qs: Any) -> set[str]:
    return set(qs.values_list("employee_number", flat=True))


def match(rules: Any) -> set[str]:
    return numbers(Employee.objects.filter(compile_rules(rules)))


def ids(cast: Any, *names: str) -> list[int]:
    return [cast.employees[n].pk for n in names]


# --------------------------------------------------------------------------- each rule


def test_org_unit_subtree(cast: Any) -> None:
    assert match(group("and", rule("org_unit", "in_subtree", [cast.unit_a.pk]))) == {"E002", "E003", "E004", "E006"}
    assert match(group("and", rule("org_unit", "in_subtree", [cast.unit_a1.pk]))) == {"E002", "E003", "E004"}
    # Inactive E008 (in B) is left out by default.
    assert match(group("and", rule("org_unit", "in_subtree", [cast.unit_b.pk]))) == {"E005", "E007"}
    assert len(match(group("and", rule("org_unit", "in_subtree", [cast.root.pk])))) == 7


def test_site_country_job_role_language(cast: Any) -> None:
    assert match(group("and", rule("site", "in", [cast.site_lyon.pk]))) == {"E003", "E004"}
    assert match(group("and", rule("country", "in", ["CA"]))) == {"E005", "E007"}
    assert match(group("and", rule("country", "in", ["fr"]))) == {"E001", "E002", "E003", "E004", "E006"}
    assert match(group("and", rule("job_role", "in", [cast.role_tech.pk]))) == {"E005", "E007"}
    assert match(group("and", rule("language", "in", ["en"]))) == {"E004"}


def test_hire_date_between(cast: Any) -> None:
    assert match(group("and", rule("hire_date", "between", {"to": "2019-12-31"}))) == {"E005"}
    assert match(group("and", rule("hire_date", "between", {"from": "2024-01-01", "to": "2024-12-31"}))) == {"E003"}
    assert match(group("and", rule("hire_date", "between", {"from": "2020-01-01"}))) == {
        "E001",
        "E002",
        "E003",
        "E004",
        "E006",
        "E007",
    }


def test_manager_chain_and_direct(cast: Any) -> None:
    boss, mgr = cast.employees["boss"].pk, cast.employees["manager"].pk
    assert match(group("and", rule("manager", "chain", boss))) == {"E002", "E003", "E004", "E005", "E006", "E007"}
    assert match(group("and", rule("manager", "chain", mgr))) == {"E003", "E004"}
    assert match(group("and", rule("manager", "direct", boss))) == {"E002", "E005", "E006", "E007"}


def test_attribute_equals_and_in(cast: Any) -> None:
    assert match(group("and", rule("attribute", "equals", {"key": "contract", "value": "CDI"}))) == {"E007"}
    assert match(group("and", rule("attribute", "in", {"key": "contract", "values": ["CDD", "CDI"]}))) == {"E007"}
    assert match(group("and", rule("attribute", "equals", {"key": "contract", "value": "CDD"}))) == set()
    # A key spelt like a lookup is still a key.
    assert match(group("and", rule("attribute", "in", {"key": "in", "values": ["x"]}))) == set()
    # Text matches a stored number by its text; JSON numbers and booleans match by type.
    Employee.objects.filter(pk=cast.employees["client_a"].pk).update(attributes={"level": 3, "remote": True})
    assert match(group("and", rule("attribute", "equals", {"key": "level", "value": "3"}))) == {"E006"}
    assert match(group("and", rule("attribute", "in", {"key": "level", "values": ["2", "3"]}))) == {"E006"}
    assert match(group("and", rule("attribute", "equals", {"key": "level", "value": 3}))) == {"E006"}
    assert match(group("and", rule("attribute", "equals", {"key": "remote", "value": True}))) == {"E006"}
    assert match(group("and", rule("attribute", "in", {"key": "level", "values": [1, 2]}))) == set()


def test_active_rule_replaces_the_default(cast: Any) -> None:
    assert match(group("and", rule("active", "is", False))) == {"E008"}
    assert len(match(group("and", rule("active", "is", True)))) == 7
    both = group("or", rule("active", "is", True), rule("active", "is", False))
    assert len(match(both)) == 8


def test_and_or_nesting(cast: Any) -> None:
    assert match(group("or", rule("country", "in", ["CA"]), rule("language", "in", ["en"]))) == {
        "E004",
        "E005",
        "E007",
    }
    nested = group(
        "and",
        rule("org_unit", "in_subtree", [cast.unit_a.pk]),
        group("or", rule("site", "in", [cast.site_paris.pk]), rule("language", "in", ["en"])),
    )
    assert match(nested) == {"E002", "E004", "E006"}
    # An active rule anywhere lifts the default: inactive E008 can be reached.
    deep = group(
        "or",
        group("and", rule("org_unit", "in_subtree", [cast.unit_b.pk]), rule("active", "is", False)),
        rule("language", "in", ["en"]),
    )
    assert match(deep) == {"E004", "E008"}


def test_empty_rules_match_nobody_and_empty_groups_are_ignored(cast: Any) -> None:
    assert match({}) == set()
    assert match(group("and")) == set()
    assert match(group("and", rule("language", "in", ["en"]), group("or"))) == {"E004"}


def test_inclusion_and_exclusion(cast: Any) -> None:
    audience = audience_create(
        actor=cast.dlm,
        name="Commercial",
        rules=group("and", rule("org_unit", "in_subtree", [cast.unit_a.pk])),
        included_ids=ids(cast, "tech", "gone"),
        excluded_ids=ids(cast, "manager", "tech"),
    )
    # Excluded wins over both the rules (E002) and the inclusion (E005); inclusion keeps inactive E008.
    assert numbers(audience_members(audience, user=cast.dlm)) == {"E003", "E004", "E006", "E008"}


def test_only_inclusions_when_no_rule(cast: Any) -> None:
    audience = audience_create(actor=cast.dlm, name="Hand-picked", rules={}, included_ids=ids(cast, "boss"))
    assert numbers(audience_members(audience, user=None)) == {"E001"}


# --------------------------------------------------------------------------- validation


def errors_of(rules: Any, **kw: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as info:
        compile_rules(rules, **kw)
    return info.value.errors


def test_validation_names_the_json_path(cast: Any) -> None:
    ok = rule("language", "in", ["en"])
    assert "rules.rules[2].field" in errors_of(group("and", ok, ok, rule("salary", "in", [1])))
    assert "rules.rules[0].operator" in errors_of(group("and", rule("site", "between", [1])))
    assert "rules.rules[1].value.from" in errors_of(
        group("and", ok, rule("hire_date", "between", {"from": "2024-13-01"}))
    )
    errs = errors_of(group("and", rule("org_unit", "in_subtree", [cast.unit_a.pk, 999_999])))
    assert "999999" in errs["rules.rules[0].value"][0]
    assert "rules.rules[0].value" in errors_of(group("and", rule("manager", "chain", 999_999)))
    assert "rules.rules[0].rules[1].value" in errors_of(
        group("and", group("or", ok, rule("site", "in", [cast.site_paris.pk, 424242])))
    )
    assert "rules.op" in errors_of({"op": "xor", "rules": [ok]})


def test_attribute_keys_are_identifiers(cast: Any) -> None:
    errs = errors_of(group("and", rule("attribute", "equals", {"key": "x') OR 1=1 --", "value": "a"})))
    assert list(errs) == ["rules.rules[0].value.key"]


def test_depth_and_rule_limits(cast: Any) -> None:
    ok = rule("language", "in", ["en"])
    tree: dict[str, Any] = group("and", ok)
    for _ in range(5):
        tree = group("and", tree)
    errs = errors_of(tree)
    assert any("5 levels" in m for msgs in errs.values() for m in msgs)
    assert "rules.rules[0].rules[0].rules[0].rules[0].rules[0]" in errs
    assert "rules" in errors_of(group("or", *[ok] * 101))
    compile_rules(group("or", *[ok] * 100))  # the limit itself is fine


def test_unknown_ids_outside_scope_look_absent(cast: Any) -> None:
    # client_a may not see unit B: to them it does not exist.
    errs = errors_of(group("and", rule("org_unit", "in_subtree", [cast.unit_b.pk])), user=cast.client_a)
    assert "rules.rules[0].value" in errs
    compile_rules(group("and", rule("org_unit", "in_subtree", [cast.unit_b.pk])), user=cast.dlm)


def test_describe_rules_in_words(cast: Any) -> None:
    lines = describe_rules(
        group(
            "and",
            rule("org_unit", "in_subtree", [cast.unit_a.pk]),
            group("or", rule("country", "in", ["ca"]), rule("manager", "chain", cast.employees["boss"].pk)),
        )
    )
    assert "Org unit: Commercial (and below)" in lines
    assert "    Country: CA" in lines
    assert "    Whole team of Claire Martin (any depth)" in lines
    assert lines[-1] == "Active employees only"


# --------------------------------------------------------------------------- services, scoping


def test_services_audit_and_permissions(cast: Any) -> None:
    audience = audience_create(actor=cast.ld, name=" Sales ", rules=group("and", rule("language", "in", ["en"])))
    assert audience.name == "Sales" and audience.owner == cast.ld
    audiences.audience_update(
        actor=cast.dlm, audience=audience, name="Sales EN", rules=audience.rules, included_ids=ids(cast, "boss")
    )
    events = list(AuditEvent.objects.filter(object_type="people.audience", object_id=str(audience.pk)))
    assert [e.action for e in events] == ["update", "create"]
    assert events[0].changes["included"] == ["", "E001"]
    with pytest.raises(PermissionDenied):
        audience_create(actor=cast.vendor_a, name="No", rules={})
    with pytest.raises(ValidationFailed) as info:
        audience_create(actor=cast.dlm, name="", rules={})
    assert "name" in info.value.errors
    with pytest.raises(ValidationFailed) as info:
        audience_create(actor=cast.client_a, name="x", rules={}, included_ids=ids(cast, "tech"))
    assert "included_ids" in info.value.errors  # E005 is outside client_a's scope
    audiences.audience_delete(actor=cast.dlm, audience=audience)
    assert not Audience.objects.filter(pk=audience.pk).exists()
    assert AuditEvent.objects.filter(object_id=str(audience.pk), action="delete").exists()


def test_members_are_limited_to_the_viewers_scope(cast: Any) -> None:
    audience = audience_create(actor=cast.dlm, name="France", rules=group("and", rule("country", "in", ["FR"])))
    assert numbers(audience_members(audience, user=cast.dlm)) == {"E001", "E002", "E003", "E004", "E006"}
    assert numbers(audience_members(audience, user=cast.client_a)) == {"E002", "E003", "E004", "E006"}
    assert numbers(audience_members(audience, user=cast.client_b)) == set()


def test_count_and_first_page_cost_constant_queries(cast: Any, django_assert_max_num_queries: Any) -> None:
    audience = audience_create(
        actor=cast.dlm,
        name="Mixed",
        rules=group(
            "or",
            rule("org_unit", "in_subtree", [cast.unit_a.pk]),
            rule("attribute", "in", {"key": "contract", "values": ["CDI"]}),
            rule("manager", "chain", cast.employees["boss"].pk),
        ),
        included_ids=ids(cast, "gone"),
        excluded_ids=ids(cast, "boss"),
    )

    def evaluate(user: Any) -> int:
        with CaptureQueriesContext(connection) as ctx:
            qs = audience_members(audience, user=user)
            qs.count()
            list(qs[:20])
        return len(ctx.captured_queries)

    cast.dlm._pilotage_roles = None
    small_dlm, small_client = evaluate(cast.dlm), evaluate(cast.client_a)
    Employee.objects.bulk_create(
        Employee(
            employee_number=f"X{i:04}",
            first_name="Extra",
            last_name=f"N{i}",
            org_unit=cast.unit_a1,
            manager=cast.employees["manager"],
            manager_path=f"/{cast.employees['boss'].pk}/{cast.employees['manager'].pk}/",
            hire_date=dt.date(2021, 1, 1),
        )
        for i in range(60)
    )
    assert evaluate(cast.dlm) <= small_dlm and evaluate(cast.client_a) <= small_client
    with django_assert_max_num_queries(2):  # count + page, once the roles are known
        qs = audience_members(audience, user=cast.dlm)
        assert qs.count() == 7 + 60  # E002–E007 by the rules, E008 included, E001 excluded
        assert len(list(qs[:20])) == 20
    with django_assert_max_num_queries(4):  # + the client's scope (org units, their paths)
        qs = audience_members(audience, user=cast.client_a)
        qs.count()
        list(qs[:20])


# --------------------------------------------------------------------------- web pages


def builder_post(**fields: Any) -> dict[str, Any]:
    """A builder form: root group "and" plus the given fields."""
    data: dict[str, Any] = {"name": "Builder test", "description": "", "included": "", "excluded": ""}
    data.update({"node": ["r"], "r-kind": "group", "r-op": "and"})
    for key, value in fields.items():
        data[key] = value
    return data


def test_list_and_detail_pages(cast: Any, login: Any) -> None:
    mine = audience_create(actor=cast.client_a, name="Mine", rules=group("and", rule("country", "in", ["FR"])))
    audience_create(actor=cast.dlm, name="The DLM's", rules={})
    client = login(cast.client_a)
    response = client.get(reverse("people:audience_list"))
    assert response.status_code == 200
    rows = response.context["table"].rows
    assert [r[0]["value"] for r in rows] == ["Mine"]
    assert rows[0][2]["value"] == 4  # live count inside client_a's scope
    response = client.get(reverse("people:audience_detail", args=[mine.pk]))
    assert response.status_code == 200
    assert response.context["table"].count == 4
    assert "Country: FR" in response.content.decode()


def test_other_clients_audience_is_404_and_vendor_is_403(cast: Any, login: Any) -> None:
    mine = audience_create(actor=cast.client_a, name="Mine", rules={})
    client = login(cast.client_b)
    for name in ("people:audience_detail", "people:audience_edit", "people:audience_delete"):
        assert client.get(reverse(name, args=[mine.pk])).status_code == 404
    assert client.post(reverse("people:audience_delete", args=[mine.pk])).status_code == 404
    client = login(cast.vendor_a)
    assert client.get(reverse("people:audience_list")).status_code == 403
    assert client.get(reverse("people:audience_create")).status_code == 403
    assert login(cast.manager).get(reverse("people:audience_list")).status_code == 403
    # DLM and L&D see and edit everyone's audiences.
    assert login(cast.ld).get(reverse("people:audience_edit", args=[mine.pk])).status_code == 200


def test_builder_htmx_add_rule_returns_the_partial(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    data = builder_post(**{"node": ["r", "r.0"], "r.0-kind": "rule", "r.0-field": "language", "r.0-choices": ["en"]})
    data["action"] = "add_rule:r"
    response = client.post(reverse("people:audience_create"), data, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="rule-builder"' in body
    assert 'id="node-r.1"' in body and 'value="en" selected' in body
    # add a group, then remove the first rule: the rest is renumbered
    data["action"] = "add_group:r"
    body = client.post(reverse("people:audience_create"), data, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="node-r.1.0"' in body
    data.update({"node": ["r", "r.0", "r.1"], "r.1-kind": "rule", "r.1-field": "hire_date", "action": "remove:r.0"})
    body = client.post(reverse("people:audience_create"), data, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="node-r.0"' in body and 'id="node-r.1"' not in body
    assert 'value="en" selected' not in body and 'name="r.0-from"' in body


def test_builder_without_js_re_renders_the_whole_page(cast: Any, login: Any) -> None:
    data = builder_post(**{"node": ["r", "r.0"], "r.0-kind": "rule", "r.0-field": "hire_date", "action": "refresh"})
    response = login(cast.dlm).post(reverse("people:audience_create"), data)
    body = response.content.decode()
    assert "<html" in body and 'name="r.0-from"' in body and 'type="date"' in body


def test_builder_preview_counts(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    data = builder_post(
        **{
            "node": ["r", "r.0"],
            "r.0-kind": "rule",
            "r.0-field": "org_unit",
            "r.0-operator": "in_subtree",
            "r.0-choices": [str(cast.unit_a.pk)],
            "excluded": "E002",
        }
    )
    response = client.post(reverse("people:audience_preview"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.context["preview"]["count"] == 3
    assert "<html" not in response.content.decode()
    # Without htmx the same endpoint answers the whole builder page.
    response = client.post(reverse("people:audience_preview"), data)
    assert "<html" in response.content.decode() and response.context["preview"]["count"] == 3
    # An invalid row: the preview lists the error by row number.
    data.update({"r.0-field": "manager", "r.0-employee": "NOPE"})
    response = client.post(reverse("people:audience_preview"), data, HTTP_HX_REQUEST="true")
    assert response.context["preview"] == {"valid": False}
    assert "Rule 1: No employee with number NOPE" in response.content.decode()


def test_builder_save_and_edit_round_trip(cast: Any, login: Any) -> None:
    client = login(cast.client_a)
    data = builder_post(
        **{
            "node": ["r", "r.0", "r.1", "r.1.0", "r.1.1"],
            "r.0-kind": "rule",
            "r.0-field": "manager",
            "r.0-operator": "chain",
            "r.0-employee": "E002",
            "r.1-kind": "group",
            "r.1-op": "or",
            "r.1.0-kind": "rule",
            "r.1.0-field": "language",
            "r.1.0-operator": "in",
            "r.1.0-choices": ["en"],
            "r.1.1-kind": "rule",
            "r.1.1-field": "hire_date",
            "r.1.1-operator": "between",
            "r.1.1-from": "2024-01-01",
            "included": "E006",
            "action": "save",
        }
    )
    response = client.post(reverse("people:audience_create"), data)
    audience = Audience.objects.get(name="Builder test")
    assert response.status_code == 302 and response["Location"] == reverse("people:audience_detail", args=[audience.pk])
    assert audience.owner == cast.client_a
    assert audience.rules == group(
        "and",
        rule("manager", "chain", cast.employees["manager"].pk),
        group("or", rule("language", "in", ["en"]), rule("hire_date", "between", {"from": "2024-01-01"})),
    )
    assert numbers(audience_members(audience, user=cast.client_a)) == {"E003", "E004", "E006"}
    body = client.get(reverse("people:audience_edit", args=[audience.pk])).content.decode()
    assert 'value="E002"' in body and 'value="2024-01-01"' in body and "E006" in body
    # An edit that breaks a rule comes back with the error on the row, nothing saved.
    data["r.1.1-from"] = "2024-12-31"
    data["r.1.1-to"] = "2024-01-01"
    response = client.post(reverse("people:audience_edit", args=[audience.pk]), data)
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    audience.refresh_from_db()
    assert audience.rules["rules"][1]["rules"][1]["value"] == {"from": "2024-01-01"}


def test_builder_save_errors_name_the_fields(cast: Any, login: Any) -> None:
    data = builder_post(**{"name": "", "included": "E001 UNKNOWN", "action": "save"})
    response = login(cast.dlm).post(reverse("people:audience_create"), data)
    assert response.status_code == 200
    assert "UNKNOWN" in response.context["errors"]["included"][0]
    assert not Audience.objects.exists()


def test_delete_asks_then_deletes(cast: Any, login: Any) -> None:
    audience = audience_create(actor=cast.client_a, name="Old", rules={})
    client = login(cast.client_a)
    response = client.get(reverse("people:audience_delete", args=[audience.pk]))
    assert response.status_code == 200 and 'method="post"' in response.content.decode()
    response = client.post(reverse("people:audience_delete", args=[audience.pk]))
    assert response.status_code == 302 and not Audience.objects.filter(pk=audience.pk).exists()


# --------------------------------------------------------------------------- REST API


def api(client: Any, method: str, url: str, body: Any = None) -> Any:
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
    return getattr(client, method)(f"/api/v1{url}", **kwargs)


def test_api_crud_members_and_preview(cast: Any, login: Any) -> None:
    client = login(cast.client_a)
    payload = {
        "name": "API",
        "rules": group("and", rule("country", "in", ["FR"])),
        "excluded_ids": ids(cast, "learner"),
    }
    response = api(client, "post", "/audiences", payload)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["rules_text"][0] == "Country: FR" and created["owner"] == "client_a@example.com"
    pk = created["id"]
    listed = api(client, "get", "/audiences").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == pk
    members = api(client, "get", f"/audiences/{pk}/members?limit=2").json()
    assert members["count"] == 3 and len(members["items"]) == 2  # E002, E004, E006 in scope A
    payload["name"] = "API renamed"
    assert api(client, "put", f"/audiences/{pk}", payload).json()["name"] == "API renamed"
    preview = api(client, "post", "/audiences/preview", {"rules": group("and", rule("language", "in", ["en"]))})
    assert preview.status_code == 200 and preview.json()["count"] == 1
    assert preview.json()["items"][0]["employee_number"] == "E004"
    assert api(login(cast.client_b), "get", f"/audiences/{pk}").status_code == 404
    assert api(login(cast.client_b), "delete", f"/audiences/{pk}").status_code == 404
    assert api(login(cast.client_a), "delete", f"/audiences/{pk}").status_code == 204
    assert not Audience.objects.filter(pk=pk).exists()


def test_api_errors_name_the_json_path(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    bad = {"rules": group("and", rule("language", "in", ["en"]), rule("hire_date", "between", {"from": "soon"}))}
    response = api(client, "post", "/audiences/preview", bad)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "rules.rules[1].value.from"
    response = api(client, "post", "/audiences", {"name": "x", **bad})
    assert response.status_code == 400 and not Audience.objects.exists()
    assert api(login(cast.vendor_a), "get", "/audiences").status_code == 403
    assert api(login(cast.vendor_a), "post", "/audiences/preview", {"rules": {}}).status_code == 403


def test_api_members_query_count(cast: Any, login: Any, django_assert_max_num_queries: Any) -> None:
    audience = audience_create(actor=cast.dlm, name="All FR", rules=group("and", rule("country", "in", ["FR"])))
    client = login(cast.dlm)
    # session + user + roles + audience + count + page
    with django_assert_max_num_queries(7):
        assert api(client, "get", f"/audiences/{audience.pk}/members").json()["count"] == 5


def test_sparse_and_dense_member_orders_agree(cast: Any, monkeypatch: Any) -> None:
    audience = audience_create(actor=cast.dlm, name="All", rules=group("and", rule("active", "is", True)))
    qs = audience_members(audience, user=cast.dlm)
    sparse = [e.employee_number for e in audiences.order_members(qs, count=7)]
    monkeypatch.setattr(audiences, "SPARSE_MEMBERS", 1)
    dense = [e.employee_number for e in audiences.order_members(qs, count=7)]
    # Benali, Durand, Garnier, Lefèvre, Martin, Petit, Roux
    assert sparse == dense == ["E002", "E006", "E005", "E007", "E001", "E003", "E004"]
    count, page = audiences.members_page(qs, limit=3, offset=1)
    assert count == 7 and [e.last_name for e in page] == ["Durand", "Garnier", "Lefèvre"]
