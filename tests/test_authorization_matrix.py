"""The authorization matrix: every URL of the project × every persona, with the answer expected.

``MATRIX`` below is the table to read and to extend. One line is one request: a URL name, an
HTTP method, a *target* (how to fill the URL's arguments, and the body, from the cast) and
the expected status for each persona. ``test_every_url_has_a_row`` walks the resolver (web
pages, the /api/v1/ routes per HTTP method, Django's admin through a prefix rule) and fails
when a URL has no row, so a new URL cannot slip through unchecked.

Reading a status:
- anonymous on a web page → 302 to the login page; on the API → 401;
- 302 for a signed-in persona is a redirect *after* the action (never to the login page);
- 403: the role is not allowed at all; 404: absent or outside the persona's scope;
- 405: wrong method.

Each (row × persona) is its own test, named after both, e.g.
``test_matrix[people:employee_detail GET emp_learner | client_b]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import Cast, build_cast
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from pilotage.core.models import ApiToken, Job
from pilotage.lrs.models import Agent, LrsClient
from pilotage.people.models import Audience, PeopleImport, Role
from tests.authz import Filler, Target, someone_else

# Column order of the table; the abbreviation is the cast's user name, except "anon".
PERSONAS: dict[str, str | None] = {
    "anon": None,
    "dlm": "dlm",
    "ld": "ld",
    "cla": "client_a",
    "clb": "client_b",
    "mgr": "manager",
    "lrn": "learner",
    "fac": "facilitator",
    "ait": "approver_it",
    "apu": "approver_purchasing",
    "afi": "approver_finance",
    "vna": "vendor_a",
    "vnb": "vendor_b",
    "out": "outsider",
}

# fmt: off
MATRIX = """
# name                              method target        anon dlm ld  cla clb mgr lrn fac ait apu afi vna vnb out
# --- shell -------------------------------------------------------------------------------------------------
home                                GET    -             302  200 200 200 200 200 200 200 200 200 200 200 200 200
login                               GET    -             200  302 302 302 302 302 302 302 302 302 302 302 302 302
logout                              GET    -             405  405 405 405 405 405 405 405 405 405 405 405 405 405
logout                              POST   -             302  302 302 302 302 302 302 302 302 302 302 302 302 302
password_reset                      GET    -             200  200 200 200 200 200 200 200 200 200 200 200 200 200
password_reset                      POST   reset_email   302  302 302 302 302 302 302 302 302 302 302 302 302 302
password_reset_done                 GET    -             200  200 200 200 200 200 200 200 200 200 200 200 200 200
password_reset_confirm              GET    reset_bogus   200  200 200 200 200 200 200 200 200 200 200 200 200 200
password_reset_complete             GET    -             200  200 200 200 200 200 200 200 200 200 200 200 200 200
set_language                        POST   lang_en       302  302 302 302 302 302 302 302 302 302 302 302 302 302
javascript-catalog                  GET    -             200  200 200 200 200 200 200 200 200 200 200 200 200 200
# --- own account: tokens and jobs ----------------------------------------------------------------------------
account                             GET    -             302  200 200 200 200 200 200 200 200 200 200 200 200 200
account                             POST   -             302  405 405 405 405 405 405 405 405 405 405 405 405 405
api_token_create                    GET    -             302  405 405 405 405 405 405 405 405 405 405 405 405 405
api_token_create                    POST   token_new     302  200 200 200 200 200 200 200 200 200 200 200 200 200
api_token_revoke                    GET    token_own     302  200 200 200 200 200 200 200 200 200 200 200 200 200
api_token_revoke                    POST   token_own     302  302 302 302 302 302 302 302 302 302 302 302 302 302
api_token_revoke                    GET    token_other   302  404 404 404 404 404 404 404 404 404 404 404 404 404
api_token_revoke                    POST   token_other   302  404 404 404 404 404 404 404 404 404 404 404 404 404
job_progress                        GET    job_own       302  200 200 200 200 200 200 200 200 200 200 200 200 200
job_progress                        GET    job_other     302  404 404 404 404 404 404 404 404 404 404 404 404 404
# --- people directory ----------------------------------------------------------------------------------------
people:employee_list                GET    -             302  200 200 200 200 200 403 403 403 403 403 403 403 403
people:employee_detail              GET    emp_learner   302  200 200 200 404 200 200 404 404 404 404 404 404 404
people:employee_detail              GET    emp_tech      302  200 200 404 200 404 404 404 404 404 404 404 404 404
people:employee_detail              GET    emp_missing   302  404 404 404 404 404 404 404 404 404 404 404 404 404
people:org_chart                    GET    -             302  200 200 200 200 200 403 403 403 403 403 403 403 403
# --- audiences -----------------------------------------------------------------------------------------------
people:audience_list                GET    -             302  200 200 200 200 403 403 403 403 403 403 403 403 403
people:audience_create              GET    -             302  200 200 200 200 403 403 403 403 403 403 403 403 403
people:audience_create              POST   aud_form      302  302 302 302 302 403 403 403 403 403 403 403 403 403
people:audience_preview             GET    -             302  405 405 405 405 405 405 405 405 405 405 405 405 405
people:audience_preview             POST   aud_form      302  200 200 200 200 403 403 403 403 403 403 403 403 403
people:audience_detail              GET    aud_cla       302  200 200 200 404 403 403 403 403 403 403 403 403 403
people:audience_detail              GET    aud_missing   302  404 404 404 404 403 403 403 403 403 403 403 403 403
people:audience_edit                GET    aud_cla       302  200 200 200 404 403 403 403 403 403 403 403 403 403
people:audience_edit                POST   aud_cla       302  302 302 302 404 403 403 403 403 403 403 403 403 403
people:audience_delete              GET    aud_cla       302  200 200 200 404 403 403 403 403 403 403 403 403 403
people:audience_delete              POST   aud_cla       302  302 302 302 404 403 403 403 403 403 403 403 403 403
# --- HRIS import: the DLM only; exports: people readers ---------------------------------------------------
people:import_start                 GET    -             302  200 403 403 403 403 403 403 403 403 403 403 403 403
people:import_start                 POST   -             302  200 403 403 403 403 403 403 403 403 403 403 403 403
people:import_detail                GET    import        302  200 403 403 403 403 403 403 403 403 403 403 403 403
people:import_detail                GET    import_gone   302  404 403 403 403 403 403 403 403 403 403 403 403 403
people:import_mapping               GET    import        302  200 403 403 403 403 403 403 403 403 403 403 403 403
people:import_apply                 GET    import        302  405 405 405 405 405 405 405 405 405 405 405 405 405
people:import_apply                 POST   import        302  302 403 403 403 403 403 403 403 403 403 403 403 403
people:import_recheck               GET    import        302  405 405 405 405 405 405 405 405 405 405 405 405 405
people:import_recheck               POST   import        302  302 403 403 403 403 403 403 403 403 403 403 403 403
people:people_export_csv            GET    -             302  200 200 200 200 200 403 403 403 403 403 403 403 403
people:people_export_xlsx           GET    -             302  200 200 200 200 200 403 403 403 403 403 403 403 403
# --- people administration: the DLM only --------------------------------------------------------------------
people:admin_user_list              GET    -             302  200 403 403 403 403 403 403 403 403 403 403 403 403
people:admin_user_create            GET    -             302  200 403 403 403 403 403 403 403 403 403 403 403 403
people:admin_user_create            POST   -             302  200 403 403 403 403 403 403 403 403 403 403 403 403
people:admin_user_detail            GET    user_learner  302  200 403 403 403 403 403 403 403 403 403 403 403 403
people:admin_user_detail            GET    user_missing  302  404 403 403 403 403 403 403 403 403 403 403 403 403
people:admin_user_detail            POST   user_learner  302  200 403 403 403 403 403 403 403 403 403 403 403 403
people:admin_user_role_revoke       GET    role_learner  302  405 405 405 405 405 405 405 405 405 405 405 405 405
people:admin_user_role_revoke       POST   role_learner  302  302 403 403 403 403 403 403 403 403 403 403 403 403
people:admin_user_toggle_active     GET    user_learner  302  405 405 405 405 405 405 405 405 405 405 405 405 405
people:admin_user_toggle_active     POST   user_learner  302  302 403 403 403 403 403 403 403 403 403 403 403 403
people:admin_org_units              GET    -             302  200 403 403 403 403 403 403 403 403 403 403 403 403
people:admin_org_unit_detail        GET    unit_a        302  200 403 403 403 403 403 403 403 403 403 403 403 403
people:admin_org_unit_detail        GET    unit_missing  302  404 403 403 403 403 403 403 403 403 403 403 403 403
# --- REST API ------------------------------------------------------------------------------------------------
api:api-root                        GET    -             404  404 404 404 404 404 404 404 404 404 404 404 404 404
api:openapi-json                    GET    -             200  200 200 200 200 200 200 200 200 200 200 200 200 200
api:openapi-view                    GET    -             200  200 200 200 200 200 200 200 200 200 200 200 200 200
api:me                              GET    -             401  200 200 200 200 200 200 200 200 200 200 200 200 200
api:people_list                     GET    -             401  200 200 200 200 200 403 403 403 403 403 403 403 403
api:people_detail                   GET    api_learner   401  200 200 200 404 200 200 404 404 404 404 404 404 404
api:people_detail                   GET    api_tech      401  200 200 404 200 404 404 404 404 404 404 404 404 404
api:org_unit_list                   GET    -             401  200 200 200 200 200 403 403 403 403 403 403 403 403
api:org_unit_detail                 GET    api_unit_a1   401  200 200 200 404 200 403 403 403 403 403 403 403 403
api:site_list                       GET    -             401  200 200 200 200 200 403 403 403 403 403 403 403 403
api:job_role_list                   GET    -             401  200 200 200 200 200 403 403 403 403 403 403 403 403
api:token_list                      GET    -             401  200 200 200 200 200 200 200 200 200 200 200 200 200
api:token_revoke                    DELETE api_token_own 401  200 200 200 200 200 200 200 200 200 200 200 200 200
api:token_revoke                    DELETE api_token_oth 401  404 404 404 404 404 404 404 404 404 404 404 404 404
api:list_audiences                  GET    -             401  200 200 200 200 403 403 403 403 403 403 403 403 403
api:create_audience                 POST   api_aud_new   401  201 201 201 201 403 403 403 403 403 403 403 403 403
api:get_audience                    GET    api_aud_cla   401  200 200 200 404 403 403 403 403 403 403 403 403 403
api:update_audience                 PUT    api_aud_cla   401  200 200 200 404 403 403 403 403 403 403 403 403 403
api:delete_audience                 DELETE api_aud_cla   401  204 204 204 404 403 403 403 403 403 403 403 403 403
api:audience_members                GET    api_aud_cla   401  200 200 200 404 403 403 403 403 403 403 403 403 403
api:preview_audience                POST   api_preview   401  200 200 200 200 403 403 403 403 403 403 403 403 403
api:lrs_statement_list              GET    -             401  200 200 200 200 200 403 403 403 403 403 403 403 403
api:lrs_statement_detail            GET    api_stmt_lrn  401  200 200 200 404 200 403 403 403 403 403 403 403 403
api:lrs_statement_detail            GET    api_stmt_tech 401  200 200 404 200 404 403 403 403 403 403 403 403 403
api:lrs_activity_list               GET    -             401  200 200 200 200 200 403 403 403 403 403 403 403 403
api:lrs_activity_detail             GET    api_act_lrn   401  200 200 200 404 200 403 403 403 403 403 403 403 403
api:lrs_progress_list               GET    -             401  200 200 200 200 200 403 403 403 403 403 403 403 403
# --- xAPI statements: HTTP Basic with LRS client credentials only; a web session is no credential ----------
xapi:statements                     GET    -             401  401 401 401 401 401 401 401 401 401 401 401 401 401
xapi:statements                     PUT    -             401  401 401 401 401 401 401 401 401 401 401 401 401 401
xapi:statements                     POST   -             401  401 401 401 401 401 401 401 401 401 401 401 401 401
xapi:statements_more                GET    xapi_cursor   401  401 401 401 401 401 401 401 401 401 401 401 401 401
# --- xAPI documents, activities, agents: Basic credentials only; about and unknown paths (404) are public -
xapi:activities_state               GET    -             401  401 401 401 401 401 401 401 401 401 401 401 401 401
xapi:activities_profile             GET    -             401  401 401 401 401 401 401 401 401 401 401 401 401 401
xapi:agents_profile                 GET    -             401  401 401 401 401 401 401 401 401 401 401 401 401 401
xapi:activities                     GET    -             401  401 401 401 401 401 401 401 401 401 401 401 401 401
xapi:agents                         GET    -             401  401 401 401 401 401 401 401 401 401 401 401 401 401
xapi:about                          GET    -             200  200 200 200 200 200 200 200 200 200 200 200 200 200
xapi:unknown_resource               GET    xapi_unknown  404  404 404 404 404 404 404 404 404 404 404 404 404 404
# --- LRS clients: the DLM manages, the L&D team reads; learner identity: the DLM only ----------------------
lrs:client_list                     GET    -             302  200 200 403 403 403 403 403 403 403 403 403 403 403
lrs:client_create                   GET    -             302  200 403 403 403 403 403 403 403 403 403 403 403 403
lrs:client_create                   POST   lrs_new       302  200 403 403 403 403 403 403 403 403 403 403 403 403
lrs:client_revoke                   GET    lrs_client    302  200 403 403 403 403 403 403 403 403 403 403 403 403
lrs:client_revoke                   POST   lrs_client    302  302 403 403 403 403 403 403 403 403 403 403 403 403
lrs:client_revoke                   POST   lrs_missing   302  404 403 403 403 403 403 403 403 403 403 403 403 403
lrs:agent_unmatched                 GET    -             302  200 403 403 403 403 403 403 403 403 403 403 403 403
lrs:agent_link                      GET    lrs_agent     302  200 403 403 403 403 403 403 403 403 403 403 403 403
lrs:agent_link                      POST   lrs_agent     302  302 403 403 403 403 403 403 403 403 403 403 403 403
lrs:agent_link                      GET    lrs_missing   302  404 403 403 403 403 403 403 403 403 403 403 403 403
lrs:projections_recompute           GET    -             302  405 405 405 405 405 405 405 405 405 405 405 405 405
lrs:projections_recompute           POST   -             302  302 403 403 403 403 403 403 403 403 403 403 403 403
# --- statement browser, activity catalogue, exports: DLM/L&D all; clients and managers their scope ---------
lrs:statement_list                  GET    -             302  200 200 200 200 200 403 403 403 403 403 403 403 403
lrs:statement_detail                GET    lrs_stmt_lrn  302  200 200 200 404 200 403 403 403 403 403 403 403 403
lrs:statement_detail                GET    lrs_stmt_tech 302  200 200 404 200 404 403 403 403 403 403 403 403 403
lrs:statement_detail                GET    lrs_stmt_miss 302  404 404 404 404 404 403 403 403 403 403 403 403 403
lrs:statement_export_csv            GET    -             302  200 200 200 200 200 403 403 403 403 403 403 403 403
lrs:statement_export_jsonl          GET    -             302  200 200 200 200 200 403 403 403 403 403 403 403 403
lrs:activity_list                   GET    -             302  200 200 200 200 200 403 403 403 403 403 403 403 403
lrs:activity_detail                 GET    lrs_act_lrn   302  200 200 200 404 200 403 403 403 403 403 403 403 403
lrs:activity_detail                 GET    lrs_missing   302  404 404 404 404 404 403 403 403 403 403 403 403 403
# --- LMS export import: the DLM only -------------------------------------------------------------------------
lrs:lms_import_start                GET    -             302  200 403 403 403 403 403 403 403 403 403 403 403 403
lrs:lms_import_start                POST   -             302  200 403 403 403 403 403 403 403 403 403 403 403 403
lrs:lms_import_detail               GET    lms_import    302  200 403 403 403 403 403 403 403 403 403 403 403 403
lrs:lms_import_detail               GET    lms_gone      302  404 403 403 403 403 403 403 403 403 403 403 403 403
lrs:lms_import_mapping              GET    lms_import    302  200 403 403 403 403 403 403 403 403 403 403 403 403
lrs:lms_import_apply                GET    lms_import    302  405 405 405 405 405 405 405 405 405 405 405 405 405
lrs:lms_import_apply                POST   lms_import    302  302 403 403 403 403 403 403 403 403 403 403 403 403
# --- Django's admin (prefix rule: every /admin/ URL is staff only; nobody in the cast is staff) ---------------
admin:index                         GET    -             302  302 302 302 302 302 302 302 302 302 302 302 302 302
"""
# fmt: on

# URL prefixes answered by one rule instead of one row per URL: Django's admin has dozens of
# generated URLs, all behind the same staff check (tested by the admin:index row above).
PREFIX_RULES = {"admin/": "admin:index"}


# --- targets: how a row fills the URL's arguments and the body --------------------------


_someone_else = someone_else


def _token(user: Any) -> ApiToken:
    return ApiToken.objects.create(
        user=user, name="matrix", prefix="plt_matrix", key_hash=f"{user.pk:064d}", scope=ApiToken.Scope.READ
    )


def _job(user: Any) -> Job:
    return Job.objects.create(kind="matrix", label="matrix job", created_by=user)


def _owner_or_other(user: Any) -> Any:
    return user if user is not None else _someone_else()


def _audience_of(cast: Cast, persona: str) -> Audience:
    return Audience.objects.create(name=f"Audience of {persona}", owner=cast.users[persona], rules={})


def _people_import(cast: Cast) -> PeopleImport:
    """A checked import with no bad row (its file is never read: tasks run on commit only)."""
    return PeopleImport.objects.create(
        file="imports/matrix.csv",
        original_name="matrix.csv",
        status=PeopleImport.Status.VALIDATED,
        summary={"file": {"headers": ["employee_number", "last_name"]}},
        created_by=cast.dlm,
    )


def _lms_import(cast: Cast) -> Any:
    """A checked LMS import with no bad line (its file is never read: tasks run on commit only)."""
    from pilotage.lrs.models import LmsImport

    return LmsImport.objects.create(
        file="lms-imports/matrix.csv",
        original_name="matrix.csv",
        status=LmsImport.Status.VALIDATED,
        summary={"file": {"headers": ["matricule", "cours", "statut", "date"]}},
        created_by=cast.dlm,
    )


def _lrs_client() -> LrsClient:
    from pilotage.lrs.credentials import lrs_client_create

    return lrs_client_create(actor="matrix", name="Matrix tool", scopes=["state"])[0]


def _lrs_statement(cast: Cast, who: str, activity: str = "https://matrix.example/course") -> str:
    """A statement of an employee of the cast (matched by e-mail), stored by Pilotage itself."""
    from pilotage.lrs.services import statement_store

    return statement_store(
        statements=[
            {
                "actor": {"mbox": f"mailto:{cast.employees[who].email}"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                "object": {"id": activity},
            }
        ],
        client=None,
        version="2.0.0",
    )[0]


def _lrs_activity(cast: Cast) -> int:
    """An activity only the learner (unit A1) met."""
    from pilotage.lrs.models import Activity

    _lrs_statement(cast, "learner", "https://matrix.example/learner-only")
    return Activity.objects.get(iri="https://matrix.example/learner-only").pk


def _lrs_agent() -> Agent:
    return Agent.objects.create(ifi="mbox:mailto:matrix@personal.example", name="Matrix learner")


TARGETS: dict[str, Filler] = {
    "-": lambda cast, user: Target(),
    "reset_email": lambda cast, user: Target(data={"email": cast.learner.email}),
    "reset_bogus": lambda cast, user: Target(kwargs={"uidb64": "MQ", "token": "set-password"}),
    "lang_en": lambda cast, user: Target(data={"language": "en", "next": "/"}),
    "token_new": lambda cast, user: Target(data={"name": "laptop", "scope": "read"}),
    "token_own": lambda cast, user: Target(kwargs={"pk": _token(_owner_or_other(user)).pk}),
    "token_other": lambda cast, user: Target(kwargs={"pk": _token(_someone_else()).pk}),
    "job_own": lambda cast, user: Target(kwargs={"pk": _job(_owner_or_other(user)).pk}),
    "job_other": lambda cast, user: Target(kwargs={"pk": _job(_someone_else()).pk}),
    "emp_learner": lambda cast, user: Target(kwargs={"pk": cast.employees["learner"].pk}),
    "emp_tech": lambda cast, user: Target(kwargs={"pk": cast.employees["tech"].pk}),
    "emp_missing": lambda cast, user: Target(kwargs={"pk": 987654}),
    "user_learner": lambda cast, user: Target(kwargs={"pk": cast.learner.pk}),
    "user_missing": lambda cast, user: Target(kwargs={"pk": 987654}),
    "role_learner": lambda cast, user: Target(kwargs={"pk": cast.learner.pk, "role": Role.LEARNER}),
    "unit_a": lambda cast, user: Target(kwargs={"pk": cast.unit_a.pk}),
    "unit_missing": lambda cast, user: Target(kwargs={"pk": 987654}),
    "api_learner": lambda cast, user: Target(kwargs={"employee_id": cast.employees["learner"].pk}),
    "api_tech": lambda cast, user: Target(kwargs={"employee_id": cast.employees["tech"].pk}),
    "api_unit_a1": lambda cast, user: Target(kwargs={"org_unit_id": cast.unit_a1.pk}),
    "api_token_own": lambda cast, user: Target(kwargs={"token_id": _token(_owner_or_other(user)).pk}),
    "api_token_oth": lambda cast, user: Target(kwargs={"token_id": _token(_someone_else()).pk}),
    "api_aud_new": lambda cast, user: Target(json={"name": "New hires", "rules": {}}),
    "api_aud_cla": lambda cast, user: Target(
        kwargs={"audience_id": _audience_of(cast, "client_a").pk}, json={"name": "Renamed", "rules": {}}
    ),
    "api_preview": lambda cast, user: Target(json={"rules": {}}),
    "lrs_new": lambda cast, user: Target(data={"name": "Storyline", "scopes": ["statements/write", "state"]}),
    "lrs_client": lambda cast, user: Target(kwargs={"pk": _lrs_client().pk}),
    "lrs_agent": lambda cast, user: Target(kwargs={"pk": _lrs_agent().pk}, data={"employee_number": "E003"}),
    "lrs_missing": lambda cast, user: Target(kwargs={"pk": 987654}),
    "lrs_stmt_lrn": lambda cast, user: Target(kwargs={"statement_id": _lrs_statement(cast, "learner")}),
    "lrs_stmt_tech": lambda cast, user: Target(kwargs={"statement_id": _lrs_statement(cast, "tech")}),
    "lrs_stmt_miss": lambda cast, user: Target(kwargs={"statement_id": "0b9b8f3e-8e7e-4c1c-9a59-6f1f2b3c4d5e"}),
    "lrs_act_lrn": lambda cast, user: Target(kwargs={"pk": _lrs_activity(cast)}),
    "api_stmt_lrn": lambda cast, user: Target(kwargs={"statement_id": _lrs_statement(cast, "learner")}),
    "api_stmt_tech": lambda cast, user: Target(kwargs={"statement_id": _lrs_statement(cast, "tech")}),
    "api_act_lrn": lambda cast, user: Target(kwargs={"activity_id": _lrs_activity(cast)}),
    "aud_form": lambda cast, user: Target(data={"name": "Sales people", "action": "save"}),
    "aud_cla": lambda cast, user: Target(
        kwargs={"pk": _audience_of(cast, "client_a").pk}, data={"name": "Renamed", "action": "save"}
    ),
    "aud_missing": lambda cast, user: Target(kwargs={"pk": 987654}),
    "import": lambda cast, user: Target(kwargs={"pk": _people_import(cast).pk}),
    "import_gone": lambda cast, user: Target(kwargs={"pk": 987654}),
    "lms_import": lambda cast, user: Target(kwargs={"pk": _lms_import(cast).pk}),
    "lms_gone": lambda cast, user: Target(kwargs={"pk": 987654}),
    "xapi_cursor": lambda cast, user: Target(kwargs={"cursor": "not-a-cursor"}),
    "xapi_unknown": lambda cast, user: Target(kwargs={"rest": "no/such/resource"}),
}


# --- the table, parsed -------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    target: str
    expected: dict[str, int]

    @property
    def label(self) -> str:
        return f"{self.name} {self.method} {self.target}"


def _parse(text: str) -> list[Row]:
    rows = []
    for line in text.strip().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, method, target, *codes = line.split()
        assert len(codes) == len(PERSONAS), f"{name} {method}: {len(codes)} statuses for {len(PERSONAS)} personas"
        assert target in TARGETS, f"{name} {method}: unknown target {target!r}"
        rows.append(Row(name, method, target, dict(zip(PERSONAS, map(int, codes), strict=True))))
    return rows


def _area_tables() -> tuple[str, dict[str, Filler]]:
    """Rows and targets of the other areas: each ``tests/matrix_<area>.py`` module defines its
    own ``MATRIX`` text (same columns as above) and ``TARGETS`` fillers."""
    import importlib
    import pkgutil
    from pathlib import Path

    text, targets = "", {}
    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda i: i.name):
        if info.name.startswith("matrix_"):
            module = importlib.import_module(f"tests.{info.name}")
            text += "\n" + module.MATRIX
            clash = set(module.TARGETS) & (set(TARGETS) | set(targets))
            assert not clash, f"{info.name}: targets defined twice: {sorted(clash)}"
            targets.update(module.TARGETS)
    return text, targets


_AREA_MATRIX, _AREA_TARGETS = _area_tables()
TARGETS.update(_AREA_TARGETS)
ROWS = _parse(MATRIX + _AREA_MATRIX)


# --- the URLs the project answers ----------------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str
    name: str | None
    methods: frozenset[str] | None  # the API's operations declare theirs; Django views do not


def _api_methods(pattern: URLPattern) -> frozenset[str] | None:
    """The HTTP methods of a django-ninja operation behind this pattern (None: not ninja)."""
    callback = pattern.callback
    for cell in getattr(callback, "__closure__", None) or ():
        path_view = cell.cell_contents
        operations = getattr(path_view, "operations", None)
        if operations is None:
            continue
        mine = [op for op in operations if (getattr(op, "url_name", None) or op.view_func.__name__) == pattern.name]
        methods = {m for op in (mine or operations) for m in op.methods}
        return frozenset(methods - {"HEAD", "OPTIONS"})
    return None


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield Route(prefix + str(pattern.pattern), name, _api_methods(pattern))


def project_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def test_every_url_has_a_row() -> None:
    covered = {(row.name, row.method) for row in ROWS}
    covered_names = {row.name for row in ROWS}
    missing = []
    for route in project_routes():
        rule = next((name for prefix, name in PREFIX_RULES.items() if route.route.startswith(prefix)), None)
        if rule is not None:
            assert rule in covered_names, f"the prefix rule for {route.route} needs a row named {rule}"
            continue
        if route.name is None:
            missing.append(f"/{route.route} (no URL name: name it)")
        elif route.methods is not None:
            missing += [
                f"{route.name} {m} (/{route.route})" for m in sorted(route.methods) if (route.name, m) not in covered
            ]
        elif route.name not in covered_names:
            missing.append(f"{route.name} (/{route.route})")
    assert not missing, "URLs without a row in the authorization matrix:\n  " + "\n  ".join(missing)


def test_every_row_names_a_url() -> None:
    names = {route.name for route in project_routes()}
    stale = sorted({row.name for row in ROWS} - names)
    assert not stale, f"rows for URLs that no longer exist: {stale}"


# --- the requests ------------------------------------------------------------------------------


@dataclass
class MatrixCast:
    cast: Cast
    sessions: dict[str, str]  # persona → session key, signed in once for the whole module


@pytest.fixture(scope="module")
def matrix_cast(django_db_setup: Any, django_db_blocker: Any) -> Iterator[MatrixCast]:
    """One cast for the whole module, like ``setUpTestData``: each test runs in a savepoint
    inside this transaction, so what a request changes (a session ended, a row deleted) is
    rolled back after it. Each persona's session is opened once, here."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        cast = build_cast()
        sessions = {}
        for username, user in cast.users.items():
            client = Client()
            client.force_login(user)
            sessions[username] = client.cookies[settings.SESSION_COOKIE_NAME].value
    try:
        yield MatrixCast(cast, sessions)
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _request(client: Client, method: str, url: str, target: Target, api: bool) -> Any:
    if api and target.json is not None:
        return client.generic(method, url, json.dumps(target.json), content_type="application/json")
    if method == "GET":
        return client.get(url)
    if method == "POST":
        return client.post(url, target.data or {})
    return client.generic(method, url)


# Rows whose 302 for an anonymous visitor is the page's own redirect, not "log in first".
PUBLIC_REDIRECTS = {"logout", "password_reset", "set_language"}

CASES = [pytest.param(row, persona, id=f"{row.label} | {persona}") for row in ROWS for persona in PERSONAS]


@pytest.mark.parametrize(("row", "persona"), CASES)
def test_matrix(row: Row, persona: str, matrix_cast: MatrixCast, db: Any, client: Client) -> None:
    username = PERSONAS[persona]
    user = matrix_cast.cast.users[username] if username else None
    if username is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = matrix_cast.sessions[username]
    target = TARGETS[row.target](matrix_cast.cast, user)
    url = reverse(row.name, kwargs=target.kwargs or None)
    api = url.startswith("/api/")

    response = _request(client, row.method, url, target, api)

    expected = row.expected[persona]
    assert response.status_code == expected, (
        f"{row.method} {url} as {username or 'anonymous'}: expected {expected}, got {response.status_code}"
    )
    if response.status_code == 302:
        location = response["Location"]
        if row.name.startswith("admin:"):
            assert location.startswith(reverse("admin:login")), location
        elif user is None and row.name not in PUBLIC_REDIRECTS:
            assert location.startswith(reverse("login")), f"anonymous should be sent to log in, not to {location}"
        else:
            assert not location.startswith(reverse("login")) or row.name in {"logout"}, (
                f"{username} was sent to the login page: a signed-in persona is refused with 403/404"
            )


def test_the_matrix_covers_every_persona_of_the_cast(matrix_cast: MatrixCast, db: Any) -> None:
    assert set(matrix_cast.cast.users) == {u for u in PERSONAS.values() if u}
