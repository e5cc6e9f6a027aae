"""The xAPI document resources (state, activity profile, agent profile) and the small
read resources beside them: activities, agents (Person object) and about.

Parameters are checked to the letter: an unknown parameter (or one in the wrong case) is a
400 naming it, ``agent`` must be a JSON Agent with exactly one inverse functional
identifier, ``registration`` a UUID, ``since`` a timestamp. Errors carry the parameter as
their ``path``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date

from pilotage.lrs import documents, validation
from pilotage.lrs.documents import DocumentKey
from pilotage.lrs.errors import NotFoundError, XapiError
from pilotage.lrs.http import json_response, xapi_view
from pilotage.lrs.models import Activity, Agent, Document, LrsClient

# The versions /about lists. A 1.0.x client is answered with the 1.0 versions only: its
# conformance suite allows nothing else in the list and wants "1.0.1" in it (XAPI-00316,
# XAPI-00317); a 2.0 client (or one sending no version) also gets "2.0.0".
ABOUT_VERSIONS_1 = ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]
ABOUT_VERSIONS = [*ABOUT_VERSIONS_1, "2.0.0"]


# --- parameters --------------------------------------------------------------------------


def _params(request: HttpRequest, allowed: Iterable[str]) -> dict[str, str]:
    """The query parameters, refusing any this resource does not know (400, xAPI 3.2.s3.b7)."""
    allowed = set(allowed)
    params: dict[str, str] = {}
    for name in request.GET:
        if name not in allowed:
            expected = ", ".join(sorted(allowed))
            raise XapiError(
                f"Unknown parameter {name!r} for this resource (parameters are case-sensitive; expected: {expected}).",
                path=name,
                rule="parameters",
            )
        params[name] = request.GET[name]
    return params


def _required(params: dict[str, str], name: str) -> str:
    value = params.get(name, "")
    if not value:
        raise XapiError(f"The {name} parameter is required.", path=name, rule="parameters")
    return value


def _activity_iri(params: dict[str, str]) -> str:
    return validation.validate_iri(_required(params, "activityId"), path="activityId")


def _agent_json(params: dict[str, str], name: str = "agent") -> dict[str, Any]:
    raw = _required(params, name)
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise XapiError(f"The {name} parameter is not valid JSON: {exc}", path=name, rule="agent") from None
    if not isinstance(value, dict):
        raise XapiError(f"The {name} parameter must be a JSON Agent object.", path=name, rule="agent")
    return value


def _agent_ifi(agent: dict[str, Any], name: str = "agent") -> str:
    """The canonical IFI of the Agent (validated by the rules of statements' agents: one
    IFI exactly, no unknown property; a Group is refused)."""
    validation.validate_agent(agent, path=name)
    ifi = validation.agent_ifi(agent)
    assert ifi is not None  # an Agent has exactly one IFI once validated
    return ifi


def _registration(params: dict[str, str]) -> uuid.UUID | None:
    raw = params.get("registration")
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise XapiError(f"registration must be a UUID, not {raw!r}.", path="registration", rule="uuid") from None


def _since(params: dict[str, str], version: str) -> dt.datetime | None:
    raw = params.get("since")
    if raw is None:
        return None
    return validation.parse_timestamp(raw, path="since", version=version)


def _preconditions(request: HttpRequest) -> dict[str, str | None]:
    return {
        "if_match": request.headers.get("If-Match"),
        "if_none_match": request.headers.get("If-None-Match"),
    }


# --- responses ---------------------------------------------------------------------------


def _document_response(request: HttpRequest, doc: Document | None) -> HttpResponse:
    if doc is None:
        raise NotFoundError("No document with this id.", rule="document")
    body = bytes(doc.content)
    response = HttpResponse(b"" if request.method == "HEAD" else body, content_type=doc.content_type)
    response["ETag"] = f'"{doc.etag}"'
    response["Last-Modified"] = http_date(doc.updated.timestamp())
    response["Content-Length"] = str(len(body))
    return response


def _ids_response(request: HttpRequest, key: DocumentKey, since: dt.datetime | None) -> HttpResponse:
    ids = documents.document_ids(key=key, since=since)
    body = json.dumps(ids, ensure_ascii=False).encode()
    response = json_response(ids)
    response["ETag"] = f'"{documents.etag_of(body)}"'
    latest = key.queryset().order_by("-updated").values_list("updated", flat=True).first()
    if latest is not None:
        response["Last-Modified"] = http_date(latest.timestamp())
    if request.method == "HEAD":
        response.content = b""
    return response


def _written(doc: Document) -> HttpResponse:
    response = HttpResponse(status=204)
    response["ETag"] = f'"{doc.etag}"'
    return response


def _document_resource(
    request: HttpRequest,
    *,
    key: DocumentKey,
    id_param: str,
    params: dict[str, str],
    version: str,
    delete_all: bool = False,
) -> HttpResponse:
    """GET/HEAD, PUT, POST and DELETE of one kind of document under ``key``."""
    doc_id = params.get(id_param)
    method = request.method
    if method in ("GET", "HEAD"):
        if doc_id:
            if "since" in params:
                raise XapiError(
                    f"since applies to the list of ids, not with {id_param}.", path="since", rule="parameters"
                )
            return _document_response(request, documents.document_get(key=key, doc_id=doc_id))
        return _ids_response(request, key, _since(params, version))
    if method == "DELETE" and not doc_id and delete_all:
        documents.document_delete_all(key=key)
        return HttpResponse(status=204)
    doc_id = _required(params, id_param)
    content_type = request.META.get("CONTENT_TYPE", "")
    if method == "PUT":
        doc = documents.document_put(
            key=key,
            doc_id=doc_id,
            content=request.body,
            content_type=content_type,
            require_precondition=key.is_profile or version == "2.0.0",
            **_preconditions(request),
        )
        return _written(doc)
    if method == "POST":
        doc = documents.document_post(
            key=key, doc_id=doc_id, content=request.body, content_type=content_type, **_preconditions(request)
        )
        return _written(doc)
    documents.document_delete(key=key, doc_id=doc_id, **_preconditions(request))
    return HttpResponse(status=204)


def _state_scope(request: HttpRequest) -> list[str]:
    return [LrsClient.Scope.STATE]


def _profile_scope(request: HttpRequest) -> list[str]:
    return [LrsClient.Scope.PROFILE]


DOCUMENT_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")


# --- the resources -----------------------------------------------------------------------


@xapi_view(methods=DOCUMENT_METHODS, scope_for=_state_scope)
def activities_state(request: HttpRequest, *, client: LrsClient, version: str) -> HttpResponse:
    """/xapi/activities/state: a learner's state in an activity (SCORM-like suspend data)."""
    allowed = ["activityId", "agent", "registration", "stateId"]
    if request.method in ("GET", "HEAD"):
        allowed.append("since")
    params = _params(request, allowed)
    key = DocumentKey(
        kind=Document.Kind.STATE,
        activity_iri=_activity_iri(params),
        agent_ifi=_agent_ifi(_agent_json(params)),
        registration=_registration(params),
    )
    return _document_resource(request, key=key, id_param="stateId", params=params, version=version, delete_all=True)


@xapi_view(methods=DOCUMENT_METHODS, scope_for=_profile_scope)
def activities_profile(request: HttpRequest, *, client: LrsClient, version: str) -> HttpResponse:
    """/xapi/activities/profile: documents about an activity, shared by every learner."""
    allowed = ["activityId", "profileId"] + (["since"] if request.method in ("GET", "HEAD") else [])
    params = _params(request, allowed)
    key = DocumentKey(kind=Document.Kind.ACTIVITY_PROFILE, activity_iri=_activity_iri(params))
    return _document_resource(request, key=key, id_param="profileId", params=params, version=version)


@xapi_view(methods=DOCUMENT_METHODS, scope_for=_profile_scope)
def agents_profile(request: HttpRequest, *, client: LrsClient, version: str) -> HttpResponse:
    """/xapi/agents/profile: documents about an agent, across activities."""
    allowed = ["agent", "profileId"] + (["since"] if request.method in ("GET", "HEAD") else [])
    params = _params(request, allowed)
    key = DocumentKey(kind=Document.Kind.AGENT_PROFILE, agent_ifi=_agent_ifi(_agent_json(params)))
    return _document_resource(request, key=key, id_param="profileId", params=params, version=version)


@xapi_view(methods=("GET", "HEAD"))
def activities(request: HttpRequest, *, client: LrsClient, version: str) -> HttpResponse:
    """/xapi/activities: the Activity object with the definition merged from statements.

    An activity never seen is still answered with an Activity object carrying only its id
    (1.0.3 Communication 2.5: "SHOULD* still return an Activity Object when queried").
    """
    params = _params(request, ["activityId"])
    iri = _activity_iri(params)
    activity = Activity.objects.filter(iri=iri).only("iri", "definition").first()
    body: dict[str, Any] = {"objectType": "Activity", "id": iri}
    if activity is not None and activity.definition:
        body["definition"] = activity.definition
    return json_response(body)


def _ifi_properties(ifi: str) -> tuple[str, Any]:
    """``("mbox", "mailto:x@y")``, ``("account", {"homePage": ..., "name": ...})``... from
    the canonical IFI text of ``lrs.Agent``."""
    kind, _, rest = ifi.partition(":")
    if kind == "account":
        home_page, _, name = rest.partition("|")
        return kind, {"homePage": home_page, "name": name}
    return kind, rest


def person_for(agent: dict[str, Any], ifi: str) -> dict[str, Any]:
    """The Person object: every name and identifier known for this agent.

    The agent's own identifiers, those of the other agents linked to the same employee, and
    the employee's e-mail address and name (the LRS knows them from the HRIS).
    """
    person: dict[str, Any] = {"objectType": "Person"}
    names: list[str] = []
    identifiers: dict[str, list[Any]] = {"mbox": [], "mbox_sha1sum": [], "openid": [], "account": []}

    def add_name(name: str) -> None:
        if name and name not in names:
            names.append(name)

    def add_ifi(text: str) -> None:
        kind, value = _ifi_properties(text)
        if kind in identifiers and value not in identifiers[kind]:
            identifiers[kind].append(value)

    if isinstance(agent.get("name"), str):
        add_name(agent["name"])
    add_ifi(ifi)
    known = Agent.objects.filter(ifi=ifi).select_related("employee").first()
    if known is not None:
        add_name(known.name)
        employee = known.employee
        if employee is not None:
            for other in Agent.objects.filter(employee=employee).exclude(pk=known.pk).order_by("pk"):
                add_name(other.name)
                add_ifi(other.ifi)
            add_name(f"{employee.first_name} {employee.last_name}".strip())
            if employee.email:
                add_ifi(f"mbox:mailto:{employee.email.lower()}")
    if names:
        person["name"] = names
    for kind, values in identifiers.items():
        if values:
            person[kind] = values
    return person


@xapi_view(methods=("GET", "HEAD"))
def agents(request: HttpRequest, *, client: LrsClient, version: str) -> HttpResponse:
    """/xapi/agents: the Person object of an agent."""
    params = _params(request, ["agent"])
    agent = _agent_json(params)
    return json_response(person_for(agent, _agent_ifi(agent)))


@xapi_view(methods=("GET", "HEAD"), auth=False)
def about(request: HttpRequest, *, client: LrsClient | None, version: str) -> HttpResponse:
    """/xapi/about: the versions spoken (no credentials needed)."""
    _params(request, [])
    versions = ABOUT_VERSIONS_1 if version.startswith("1.") else ABOUT_VERSIONS
    return json_response({"version": versions, "extensions": {"urn:pilotage:product": {"name": "Pilotage"}}})


@xapi_view(methods=("GET", "HEAD", "POST", "PUT", "DELETE"), auth=False, consistent_through=True)
def unknown_resource(request: HttpRequest, *, client: LrsClient | None, version: str, rest: str) -> HttpResponse:
    """Any other path under /xapi/: a JSON 404 that still carries the xAPI headers (the LRS
    includes ``X-Experience-API-Version`` in every response, Communication 3.3; the ADL
    suite's waits read ``X-Experience-API-Consistent-Through`` from whatever they get)."""
    raise NotFoundError(f"There is no xAPI resource at /xapi/{rest}.", path="url")
