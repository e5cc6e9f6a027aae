from __future__ import annotations

from typing import Any

import pytest

from pilotage.people.models import OrgUnit, Role, User


def _names(response: Any) -> set[str]:
    return {row[0]["value"] for row in response.context["table"].rows}


def test_people_list_scoped_per_role(cast: Any, login: Any) -> None:
    all_active = {
        "Claire Martin",
        "Karim Benali",
        "Julie Petit",
        "Hugo Roux",
        "Léa Garnier",
        "Sophie Durand",
        "Marc Lefèvre",
    }
    assert _names(login(cast.dlm).get("/people/")) == all_active
    assert _names(login(cast.client_a).get("/people/")) == {"Karim Benali", "Julie Petit", "Hugo Roux", "Sophie Durand"}
    assert _names(login(cast.client_b).get("/people/")) == {"Léa Garnier", "Marc Lefèvre"}
    assert _names(login(cast.manager).get("/people/")) == {"Karim Benali", "Julie Petit", "Hugo Roux"}


@pytest.mark.parametrize("persona", ["learner", "vendor_a", "facilitator", "approver_it", "outsider"])
def test_people_list_forbidden_for_other_roles(cast: Any, login: Any, persona: str) -> None:
    assert login(getattr(cast, persona)).get("/people/").status_code == 403


def test_people_list_filters_and_search(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    assert _names(client.get("/people/", {"q": "petit"})) == {"Julie Petit"}
    assert _names(client.get("/people/", {"org_unit": cast.unit_a.pk})) == {
        "Karim Benali",
        "Julie Petit",
        "Hugo Roux",
        "Sophie Durand",
    }
    assert _names(client.get("/people/", {"site": cast.site_montreal.pk})) == {"Léa Garnier", "Marc Lefèvre"}
    assert _names(client.get("/people/", {"active": "0"})) == {"Paul Ancien"}
    assert _names(client.get("/people/", {"sort": "-hire_date", "job_role": cast.role_sales.pk}))


def test_people_list_htmx_returns_the_partial(cast: Any, login: Any) -> None:
    response = login(cast.dlm).get("/people/", {"q": "roux"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Hugo Roux" in body and "<html" not in body


def test_people_list_query_count_is_constant(cast: Any, login: Any, django_assert_max_num_queries: Any) -> None:
    client = login(cast.dlm)
    client.get("/people/")
    with django_assert_max_num_queries(12):
        client.get("/people/")


def test_person_page_and_out_of_scope_404(cast: Any, login: Any) -> None:
    learner = cast.employees["learner"]
    response = login(cast.client_a).get(f"/people/{learner.pk}/")
    assert response.status_code == 200
    assert [m.pk for m in response.context["chain"]] == [cast.employees["manager"].pk]  # the boss is out of A's scope
    assert login(cast.client_b).get(f"/people/{learner.pk}/").status_code == 404
    assert login(cast.learner).get(f"/people/{learner.pk}/").status_code == 200
    assert login(cast.learner).get(f"/people/{cast.employees['peer'].pk}/").status_code == 404
    assert login(cast.dlm).get("/people/999999/").status_code == 404


def test_org_chart_scoped(cast: Any, login: Any) -> None:
    response = login(cast.client_a).get("/people/org/")
    assert response.status_code == 200
    assert response.context["unit_count"] == 2  # Commercial and Ventes Nord
    assert login(cast.dlm).get("/people/org/").context["unit_count"] == 4


def test_admin_pages_dlm_only(cast: Any, login: Any) -> None:
    for url in ["/people/admin/users/", "/people/admin/org-units/", f"/people/admin/org-units/{cast.unit_a.pk}/"]:
        assert login(cast.dlm).get(url).status_code == 200
        assert login(cast.ld).get(url).status_code == 403
        assert login(cast.client_a).get(url).status_code == 403


def test_admin_move_subtree_through_the_page(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    url = f"/people/admin/org-units/{cast.unit_a.pk}/"
    response = client.post(url, {"action": "move", "move-parent": cast.unit_b.pk})
    assert response.status_code == 302
    assert OrgUnit.objects.get(pk=cast.unit_a1.pk).path.startswith(cast.unit_b.path)
    # Moving under its own child is not offered and refused with a message on the field.
    response = client.post(url, {"action": "move", "move-parent": cast.unit_a1.pk})
    assert response.status_code == 200
    assert response.context["move_form"].errors["parent"]


def test_admin_create_user_and_give_role(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    response = client.post(
        "/people/admin/users/new/",
        {
            "email": "contact@studio.fr",
            "display_name": "Contact Studio",
            "employee_number": "",
            "organisation": cast.vendor_org_a.pk,
            "language": "fr",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="contact@studio.fr")
    url = f"/people/admin/users/{user.pk}/"
    # A vendor contact without a vendor is refused, the message shown on the field.
    response = client.post(url, {"role": Role.VENDOR})
    assert response.status_code == 200 and response.context["form"].errors["organisation"]
    assert client.post(url, {"role": Role.VENDOR, "organisation": cast.vendor_org_a.pk}).status_code == 302
    assert user.role_assignments.get().organisation_id == cast.vendor_org_a.pk
    assert client.post(f"{url}roles/vendor/revoke/").status_code == 302
    assert not user.role_assignments.exists()
    assert client.get(f"{url}roles/vendor/revoke/").status_code == 405


def test_admin_create_user_unknown_employee(cast: Any, login: Any) -> None:
    response = login(cast.dlm).post(
        "/people/admin/users/new/", {"email": "x@example.com", "employee_number": "NOPE", "language": "fr"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["employee_number"]


def test_org_chart_counts_whole_subtrees(cast: Any, login: Any) -> None:
    tree = login(cast.dlm).get("/people/org/").context["tree"]
    root = tree[0]
    assert root["unit"].total == 7  # every active employee
    assert root["unit"].headcount == 1  # the boss alone sits at the top
    commercial = next(n for n in root["children"] if n["unit"].code == "COM")
    assert (commercial["unit"].headcount, commercial["unit"].total) == (1, 4)


def test_manager_org_chart_shows_the_units_of_their_team(cast: Any, login: Any) -> None:
    response = login(cast.manager).get("/people/org/")
    assert response.status_code == 200
    assert [node["unit"].code for node in response.context["tree"]] == ["COM-N"]
    assert response.context["tree"][0]["unit"].total == 3
