"""xAPI statement validation: realistic statements accepted, and a bad-input corpus of the
MUST / MUST NOT rules of xAPI 1.0.3 and 2.0, each answered with the JSON path and rule."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from pilotage.lrs.errors import XapiError
from pilotage.lrs.validation import (
    agent_ifi,
    canonical_json,
    comparison_form,
    is_language_tag,
    loads_strict,
    normalise_context_activities,
    parse_duration,
    parse_timestamp,
    statements_equivalent,
    validate_statement,
    validate_statements,
)

V2 = "2.0.0"
V1 = "1.0.x"
BOTH = (V1, V2)

REGISTRATION = "ec531277-b57b-4c15-8d91-d292c5b2b8f7"
COURSE = "https://lms.example.com/courses/fire-safety"
AU = "https://lms.example.com/courses/fire-safety/au/1"
CMI5_CATEGORY = {"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5", "objectType": "Activity"}
LEARNER = {
    "objectType": "Agent",
    "name": "Léa Martin",
    "account": {"homePage": "https://lms.example.com", "name": "lmartin"},
}
SHA256 = "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"


def verb(name: str) -> dict[str, Any]:
    return {"id": f"http://adlnet.gov/expapi/verbs/{name}", "display": {"en-US": name}}


def cmi5(name: str = "launched", **extra: Any) -> dict[str, Any]:
    """A cmi5-like statement about the assignable unit."""
    statement: dict[str, Any] = {
        "id": "2a41c918-b88b-4220-20a5-a4c32391a240",
        "actor": copy.deepcopy(LEARNER),
        "verb": verb(name),
        "object": {
            "id": AU,
            "objectType": "Activity",
            "definition": {
                "name": {"en-US": "Fire safety", "fr-FR": "Sécurité incendie"},
                "type": "http://adlnet.gov/expapi/activities/lesson",
            },
        },
        "context": {
            "registration": REGISTRATION,
            "contextActivities": {"category": [dict(CMI5_CATEGORY)], "grouping": [{"id": COURSE}]},
            "extensions": {"https://w3id.org/xapi/cmi5/context/extensions/sessionid": "458240298378231"},
        },
        "timestamp": "2024-03-01T09:30:00.123Z",
    }
    statement.update(extra)
    return statement


def completed() -> dict[str, Any]:
    return cmi5(
        "completed",
        result={
            "score": {"scaled": 0.85, "raw": 85, "min": 0, "max": 100},
            "success": True,
            "completion": True,
            "duration": "PT12M30.5S",
        },
    )


def answered() -> dict[str, Any]:
    return {
        "actor": {"mbox": "mailto:lea.martin@example.com", "name": "Léa Martin"},
        "verb": verb("answered"),
        "object": {
            "id": "https://lms.example.com/courses/fire-safety/q1",
            "definition": {
                "description": {"en-US": "Which extinguisher for an electrical fire?"},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "interactionType": "choice",
                "correctResponsesPattern": ["co2"],
                "choices": [
                    {"id": "water", "description": {"en-US": "Water"}},
                    {"id": "co2", "description": {"en-US": "CO2"}},
                    {"id": "foam", "description": {"en-US": "Foam"}},
                ],
            },
        },
        "result": {"response": "co2", "success": True},
        "context": {"contextActivities": {"parent": [{"id": AU}]}},
        "timestamp": "2024-03-01T09:35:12+01:00",
    }


def attended() -> dict[str, Any]:
    return {
        "actor": {"mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975", "objectType": "Agent"},
        "verb": verb("attended"),
        "object": {"id": "https://pilotage.example.com/sessions/2024-03-07-lyon", "objectType": "Activity"},
        "context": {
            "instructor": {"name": "Paul Durand", "mbox": "mailto:paul.durand@example.com"},
            "team": {
                "objectType": "Group",
                "name": "Lyon site",
                "member": [{"mbox": "mailto:a@example.com"}, {"openid": "https://openid.example.org/b"}],
            },
            "platform": "Classroom",
            "revision": "2024-1",
            "language": "fr-FR",
            "statement": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
        },
        "result": {"duration": "PT3H", "completion": True},
    }


def voiding() -> dict[str, Any]:
    return {
        "actor": {"account": {"homePage": "https://pilotage.example.com", "name": "dlm-1"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": "E05AA883-ACAF-40AD-BF54-02C8CE485FB0"},
    }


def substatement() -> dict[str, Any]:
    return {
        "actor": copy.deepcopy(LEARNER),
        "verb": {"id": "http://adlnet.gov/expapi/verbs/planned", "display": {"en-US": "planned"}},
        "object": {
            "objectType": "SubStatement",
            "actor": copy.deepcopy(LEARNER),
            "verb": verb("attended"),
            "object": {"id": "https://pilotage.example.com/sessions/2024-04-02"},
            "context": {"platform": "Teams", "registration": REGISTRATION},
            "timestamp": "2024-04-02T08:00:00Z",
        },
    }


def group_actor() -> dict[str, Any]:
    return {
        "actor": {
            "objectType": "Group",
            "name": "Project team",
            "account": {"homePage": "https://pilotage.example.com", "name": "team-42"},
            "member": [{"mbox": "mailto:a@example.com"}, {"mbox": "mailto:b@example.com", "objectType": "Agent"}],
        },
        "verb": verb("completed"),
        "object": {"id": COURSE},
    }


def anonymous_group_actor() -> dict[str, Any]:
    return {
        "actor": {"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]},
        "verb": verb("attempted"),
        "object": {"id": COURSE},
    }


def with_attachment() -> dict[str, Any]:
    return cmi5(
        "passed",
        attachments=[
            {
                "usageType": "http://id.tincanapi.com/attachment/certificate-of-completion",
                "display": {"en-US": "Certificate"},
                "description": {"es-MX": "Certificado"},
                "contentType": "application/pdf",
                "length": 65536,
                "sha2": SHA256,
                "fileUrl": "https://pilotage.example.com/certificates/1.pdf",
            }
        ],
    )


def interaction(interaction_type: str, **components: Any) -> dict[str, Any]:
    statement = answered()
    definition = {"interactionType": interaction_type, "correctResponsesPattern": ["x"], **components}
    statement["object"]["definition"] = definition
    return statement


def agent_object() -> dict[str, Any]:
    return {
        "actor": {"openid": "https://openid.example.org/mentor"},
        "verb": {"id": "http://id.tincanapi.com/verb/mentored", "display": {"en-GB": "mentored"}},
        "object": {"objectType": "Agent", "mbox": "mailto:mentee@example.com"},
    }


def context_agents() -> dict[str, Any]:
    statement = cmi5("initialized")
    statement["context"]["contextAgents"] = [
        {
            "objectType": "contextAgent",
            "agent": {"mbox": "mailto:coach@example.com"},
            "relevantTypes": ["https://pilotage.example.com/roles/coach"],
        }
    ]
    statement["context"]["contextGroups"] = [
        {"objectType": "contextGroup", "group": {"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]}}
    ]
    return statement


def changed(statement: dict[str, Any], path: str, value: Any = None, *, delete: bool = False) -> dict[str, Any]:
    """A deep copy of ``statement`` with the element at ``path`` (dots, [i]) set or deleted."""
    result = copy.deepcopy(statement)
    parts: list[str | int] = []
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        parts.append(int(token[1:-1]) if token.startswith("[") else token)
    target: Any = result
    for part in parts[:-1]:
        target = target[part]
    if delete:
        del target[parts[-1]]
    else:
        target[parts[-1]] = value
    return result


DELETE = object()


def c(base: Any, path: str, value: Any = DELETE) -> dict[str, Any]:
    return changed(base(), path, delete=True) if value is DELETE else changed(base(), path, value)


# --------------------------------------------------------------------------- accepted

GOOD: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("cmi5 launched, account actor", cmi5("launched"), BOTH),
    ("cmi5 initialized", cmi5("initialized"), BOTH),
    ("completed with score and duration", completed(), BOTH),
    ("answered a choice interaction", answered(), BOTH),
    ("attended with instructor, team, platform, language", attended(), BOTH),
    ("voiding statement with upper-case StatementRef id", voiding(), BOTH),
    ("SubStatement as object", substatement(), BOTH),
    ("identified group actor with members", group_actor(), BOTH),
    ("anonymous group actor", anonymous_group_actor(), BOTH),
    ("attachment with fileUrl", with_attachment(), BOTH),
    ("Agent as object", agent_object(), BOTH),
    (
        "minimal statement",
        {"actor": {"mbox": "mailto:x@example.com"}, "verb": {"id": "urn:x:v"}, "object": {"id": "urn:x:o"}},
        BOTH,
    ),
    ("contextActivities as single objects", c(cmi5, "context.contextActivities", {"parent": {"id": COURSE}}), BOTH),
    ("2.0 contextAgents and contextGroups", context_agents(), (V2,)),
    ("1.0.x timestamp without time zone read as UTC", c(cmi5, "timestamp", "2024-03-01T09:30:00"), (V1,)),
    ("version 1.0.3 under 2.0", c(cmi5, "version", "1.0.3"), BOTH),
    ("version 1.0 under 1.0.x", c(cmi5, "version", "1.0"), (V1,)),
    ("version 2.0.0 under 2.0", c(cmi5, "version", "2.0.0"), (V2,)),
    ("extension value null", c(cmi5, "context.extensions", {"https://example.com/x": None}), BOTH),
    ("matching interaction", interaction("matching", source=[{"id": "a"}], target=[{"id": "1"}]), BOTH),
    ("likert interaction", interaction("likert", scale=[{"id": "1", "description": {"sr-Latn-RS": "x"}}]), BOTH),
    ("performance interaction", interaction("performance", steps=[{"id": "s1"}, {"id": "s2"}]), BOTH),
    ("sequencing interaction", interaction("sequencing", choices=[{"id": "a"}, {"id": "b"}]), BOTH),
    ("true-false without components", interaction("true-false"), BOTH),
    ("long-fill-in", interaction("long-fill-in"), BOTH),
    (
        "OAuth authority: anonymous group of two agents",
        c(
            cmi5,
            "authority",
            {
                "objectType": "Group",
                "member": [
                    {"account": {"homePage": "https://example.com/oauth", "name": "app"}},
                    {"mbox": "mailto:u@example.com"},
                ],
            },
        ),
        BOTH,
    ),
    (
        "stored and authority sent by the client",
        changed(c(cmi5, "stored", "2024-03-01T09:30:01Z"), "authority", {"mbox": "mailto:lrs@example.com"}),
        BOTH,
    ),
    (
        "language tags zh-Hant, tlh, i-klingon, x-private",
        c(cmi5, "verb.display", {"zh-Hant": "a", "tlh": "b", "i-klingon": "c", "x-whatever": "d", "es-419": "e"}),
        BOTH,
    ),
    ("basic-format timestamp with offset", c(cmi5, "timestamp", "20240301T093000+0530"), BOTH),
    ("RFC 3339 timestamp with a space", c(cmi5, "timestamp", "2008-09-15 15:53:00.601+00:00"), BOTH),
    ("duration in weeks", c(completed, "result.duration", "P4W"), BOTH),
    ("duration with all units", c(completed, "result.duration", "P3Y1M29DT4H35M59.14S"), BOTH),
    ("empty definition object", c(cmi5, "object.definition", {}), BOTH),
    ("identified group without members", c(group_actor, "actor.member"), BOTH),
    ("raw without min and max", c(completed, "result.score", {"raw": -12.5}), BOTH),
    (
        "instructor is a Group",
        c(attended, "context.instructor", {"objectType": "Group", "mbox": "mailto:trainers@example.com"}),
        BOTH,
    ),
]


@pytest.mark.parametrize(
    ("description", "statement", "version"),
    [(d, s, v) for d, s, versions in GOOD for v in versions],
    ids=[f"{d} [{v}]" for d, _s, versions in GOOD for v in versions],
)
def test_valid_statement_is_accepted(description: str, statement: dict[str, Any], version: str) -> None:
    before = copy.deepcopy(statement)
    validate_statement(statement, version=version)
    assert statement == before  # validation never changes the statement


# ------------------------------------------------------------------- bad-input corpus

S = "statement"
BAD: list[tuple[str, Any, tuple[str, ...], str, str]] = [
    # Statement level
    ("statement not an object", ["x"], BOTH, S, "type-object"),
    ("unknown top-level property", c(cmi5, "comment", "x"), BOTH, f"{S}.comment", "unknown-property"),
    ("key in the wrong case (Actor)", c(cmi5, "Actor", LEARNER), BOTH, f"{S}.Actor", "unknown-property"),
    ("missing actor", c(cmi5, "actor"), BOTH, f"{S}.actor", "required"),
    ("missing verb", c(cmi5, "verb"), BOTH, f"{S}.verb", "required"),
    ("missing object", c(cmi5, "object"), BOTH, f"{S}.object", "required"),
    ("null result", c(cmi5, "result", None), BOTH, f"{S}.result", "null-value"),
    ("id not a UUID", c(cmi5, "id", "not-a-uuid"), BOTH, f"{S}.id", "uuid"),
    ("id with too many digits", c(cmi5, "id", "AA97B177-9383-4934-8543-0F91A7A028368"), BOTH, f"{S}.id", "uuid"),
    ("id with a non-hex letter", c(cmi5, "id", "MA97B177-9383-4934-8543-0F91A7A02836"), BOTH, f"{S}.id", "uuid"),
    ("id a number", c(cmi5, "id", 12345), BOTH, f"{S}.id", "type-string"),
    ("id empty string", c(cmi5, "id", ""), BOTH, f"{S}.id", "uuid"),
    ("version 0.9.9", c(cmi5, "version", "0.9.9"), BOTH, f"{S}.version", "version"),
    ("version 1.1.0", c(cmi5, "version", "1.1.0"), BOTH, f"{S}.version", "version"),
    ("version 2.0.0 under 1.0.x", c(cmi5, "version", "2.0.0"), (V1,), f"{S}.version", "version"),
    ("version a number", c(cmi5, "version", 1.0), BOTH, f"{S}.version", "type-string"),
    ("stored not a timestamp", c(cmi5, "stored", "yesterday"), BOTH, f"{S}.stored", "timestamp"),
    # Timestamps
    ("timestamp free text", c(cmi5, "timestamp", "should fail"), BOTH, f"{S}.timestamp", "timestamp"),
    ("timestamp US date", c(cmi5, "timestamp", "01/011/2015"), BOTH, f"{S}.timestamp", "timestamp"),
    ("timestamp -00 offset", c(cmi5, "timestamp", "2008-09-15T15:53:00.601-00"), BOTH, f"{S}.timestamp", "timestamp"),
    (
        "timestamp -0000 offset",
        c(cmi5, "timestamp", "2008-09-15T15:53:00.601-0000"),
        BOTH,
        f"{S}.timestamp",
        "timestamp",
    ),
    (
        "timestamp -00:00 offset",
        c(cmi5, "timestamp", "2008-09-15T15:53:00.601-00:00"),
        BOTH,
        f"{S}.timestamp",
        "timestamp",
    ),
    (
        "timestamp without zone in 2.0",
        c(cmi5, "timestamp", "2024-03-01T09:30:00"),
        (V2,),
        f"{S}.timestamp",
        "timestamp-timezone",
    ),
    ("timestamp date only", c(cmi5, "timestamp", "2024-03-01"), BOTH, f"{S}.timestamp", "timestamp"),
    ("timestamp impossible date", c(cmi5, "timestamp", "2024-02-30T10:00:00Z"), BOTH, f"{S}.timestamp", "timestamp"),
    ("timestamp a number", c(cmi5, "timestamp", 1709285400), BOTH, f"{S}.timestamp", "type-string"),
    # Actor / Agent
    ("actor objectType wrong", c(cmi5, "actor.objectType", "Person"), BOTH, f"{S}.actor.objectType", "object-type"),
    ("actor objectType wrong case", c(cmi5, "actor.objectType", "agent"), BOTH, f"{S}.actor.objectType", "object-type"),
    ("agent without IFI", c(cmi5, "actor", {"name": "Léa"}), BOTH, f"{S}.actor", "ifi-missing"),
    ("agent with two IFIs", c(cmi5, "actor.mbox", "mailto:lea@example.com"), BOTH, f"{S}.actor", "ifi-multiple"),
    ("mbox without mailto", c(answered, "actor.mbox", "lea.martin@example.com"), BOTH, f"{S}.actor.mbox", "mbox"),
    ("mbox without address", c(answered, "actor.mbox", "mailto:lea.martin"), BOTH, f"{S}.actor.mbox", "mbox"),
    ("mbox with a space", c(answered, "actor.mbox", "mailto:lea martin@example.com"), BOTH, f"{S}.actor.mbox", "mbox"),
    ("mbox a number", c(answered, "actor.mbox", 42), BOTH, f"{S}.actor.mbox", "type-string"),
    (
        "mbox_sha1sum too short",
        c(attended, "actor.mbox_sha1sum", "cd9b00a5611f"),
        BOTH,
        f"{S}.actor.mbox_sha1sum",
        "mbox-sha1sum",
    ),
    ("openid not a URI", c(agent_object, "actor.openid", "not a uri"), BOTH, f"{S}.actor.openid", "openid"),
    (
        "account without homePage",
        c(cmi5, "actor.account", {"name": "lmartin"}),
        BOTH,
        f"{S}.actor.account.homePage",
        "required",
    ),
    (
        "account without name",
        c(cmi5, "actor.account", {"homePage": "https://lms.example.com"}),
        BOTH,
        f"{S}.actor.account.name",
        "required",
    ),
    (
        "account homePage not an IRL",
        c(cmi5, "actor.account.homePage", "lms.example.com"),
        BOTH,
        f"{S}.actor.account.homePage",
        "irl",
    ),
    (
        "account name an object",
        c(cmi5, "actor.account.name", {"key": "x"}),
        BOTH,
        f"{S}.actor.account.name",
        "type-string",
    ),
    ("account unknown property", c(cmi5, "actor.account.id", "x"), BOTH, f"{S}.actor.account.id", "unknown-property"),
    ("agent name a number", c(cmi5, "actor.name", 12), BOTH, f"{S}.actor.name", "type-string"),
    ("agent name null", c(cmi5, "actor.name", None), BOTH, f"{S}.actor.name", "null-value"),
    (
        "agent with member",
        c(cmi5, "actor.member", [{"mbox": "mailto:a@example.com"}]),
        BOTH,
        f"{S}.actor.member",
        "unknown-property",
    ),
    # Groups
    (
        "anonymous group without member",
        c(anonymous_group_actor, "actor.member"),
        BOTH,
        f"{S}.actor.member",
        "group-member-required",
    ),
    (
        "anonymous group with empty member",
        c(anonymous_group_actor, "actor.member", []),
        BOTH,
        f"{S}.actor.member",
        "group-member-required",
    ),
    (
        "group member not an array",
        c(anonymous_group_actor, "actor.member", {"mbox": "mailto:a@example.com"}),
        BOTH,
        f"{S}.actor.member",
        "type-array",
    ),
    (
        "group member is a Group",
        c(group_actor, "actor.member[1]", {"objectType": "Group", "mbox": "mailto:g@example.com"}),
        BOTH,
        f"{S}.actor.member[1]",
        "group-member-agent",
    ),
    (
        "group member without IFI",
        c(group_actor, "actor.member[0]", {"name": "x"}),
        BOTH,
        f"{S}.actor.member[0]",
        "ifi-missing",
    ),
    (
        "group with two IFIs",
        c(group_actor, "actor.mbox", "mailto:team@example.com"),
        BOTH,
        f"{S}.actor",
        "ifi-multiple",
    ),
    (
        "team is an Agent",
        c(attended, "context.team", {"mbox": "mailto:a@example.com"}),
        BOTH,
        f"{S}.context.team",
        "team-group",
    ),
    (
        "instructor is a string",
        c(attended, "context.instructor", "Paul"),
        BOTH,
        f"{S}.context.instructor",
        "type-object",
    ),
    (
        "authority group of three",
        c(
            cmi5,
            "authority",
            {
                "objectType": "Group",
                "member": [
                    {"mbox": "mailto:a@example.com"},
                    {"mbox": "mailto:b@example.com"},
                    {"mbox": "mailto:c@example.com"},
                ],
            },
        ),
        BOTH,
        f"{S}.authority",
        "authority-group",
    ),
    (
        "authority group of one",
        c(cmi5, "authority", {"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]}),
        BOTH,
        f"{S}.authority",
        "authority-group",
    ),
    (
        "authority identified group",
        c(
            cmi5,
            "authority",
            {
                "objectType": "Group",
                "openid": "http://openid.example.org/12345",
                "member": [{"mbox": "mailto:a@example.com"}, {"mbox": "mailto:b@example.com"}],
            },
        ),
        BOTH,
        f"{S}.authority",
        "authority-group",
    ),
    ("authority a string", c(cmi5, "authority", "LRS"), BOTH, f"{S}.authority", "type-object"),
    # Verb
    ("verb without id", c(cmi5, "verb.id"), BOTH, f"{S}.verb.id", "required"),
    ("verb id not an IRI", c(cmi5, "verb.id", "completed"), BOTH, f"{S}.verb.id", "iri"),
    ("verb id with an invalid scheme", c(cmi5, "verb.id", "ab=c://should.fail.com"), BOTH, f"{S}.verb.id", "iri"),
    ("verb id empty", c(cmi5, "verb.id", ""), BOTH, f"{S}.verb.id", "iri"),
    ("verb display not a map", c(cmi5, "verb.display", "launched"), BOTH, f"{S}.verb.display", "type-object"),
    (
        "verb display invalid language tag",
        c(cmi5, "verb.display", {"something": "besucht"}),
        BOTH,
        f'{S}.verb.display["something"]',
        "language-tag",
    ),
    (
        "verb display null value",
        c(cmi5, "verb.display", {"en-US": None}),
        BOTH,
        f'{S}.verb.display["en-US"]',
        "null-value",
    ),
    (
        "verb display number value",
        c(cmi5, "verb.display", {"en-US": 1}),
        BOTH,
        f'{S}.verb.display["en-US"]',
        "type-string",
    ),
    ("verb unknown property", c(cmi5, "verb.name", "x"), BOTH, f"{S}.verb.name", "unknown-property"),
    # Object
    (
        "object objectType unknown",
        c(cmi5, "object.objectType", "Course"),
        BOTH,
        f"{S}.object.objectType",
        "object-type",
    ),
    (
        "object objectType wrong case",
        c(cmi5, "object.objectType", "activity"),
        BOTH,
        f"{S}.object.objectType",
        "object-type",
    ),
    ("activity without id", c(cmi5, "object.id"), BOTH, f"{S}.object.id", "required"),
    ("activity id not an IRI", c(cmi5, "object.id", "fire safety"), BOTH, f"{S}.object.id", "iri"),
    (
        "agent object without objectType",
        c(agent_object, "object.objectType"),
        BOTH,
        f"{S}.object.mbox",
        "unknown-property",
    ),
    # A language map holds at least one entry (the ADL suite's Data 4.0 tests).
    ("verb display empty", c(cmi5, "verb.display", {}), BOTH, f"{S}.verb.display", "language-map-empty"),
    (
        "definition name empty",
        c(cmi5, "object.definition.name", {}),
        BOTH,
        f"{S}.object.definition.name",
        "language-map-empty",
    ),
    (
        "definition description empty",
        c(cmi5, "object.definition.description", {}),
        BOTH,
        f"{S}.object.definition.description",
        "language-map-empty",
    ),
    (
        "attachment display empty",
        c(with_attachment, "attachments[0].display", {}),
        BOTH,
        f"{S}.attachments[0].display",
        "language-map-empty",
    ),
    (
        "sub-statement verb display empty",
        c(substatement, "object.verb.display", {}),
        BOTH,
        f"{S}.object.verb.display",
        "language-map-empty",
    ),
    (
        "definition name invalid language",
        c(cmi5, "object.definition.name", {"en-GB": "x", "something": "y"}),
        BOTH,
        f'{S}.object.definition.name["something"]',
        "language-tag",
    ),
    (
        "duplicate extension singleton in language tag",
        c(cmi5, "object.definition.name", {"zh-z-aaa-z-bbb-c-ccc": "x"}),
        BOTH,
        f'{S}.object.definition.name["zh-z-aaa-z-bbb-c-ccc"]',
        "language-tag",
    ),
    (
        "definition type not an IRI",
        c(cmi5, "object.definition.type", "lesson"),
        BOTH,
        f"{S}.object.definition.type",
        "iri",
    ),
    (
        "definition moreInfo null",
        c(cmi5, "object.definition.moreInfo", None),
        BOTH,
        f"{S}.object.definition.moreInfo",
        "null-value",
    ),
    (
        "definition moreInfo not an IRL",
        c(cmi5, "object.definition.moreInfo", "info page"),
        BOTH,
        f"{S}.object.definition.moreInfo",
        "irl",
    ),
    (
        "definition unknown property",
        c(cmi5, "object.definition.duration", "PT1H"),
        BOTH,
        f"{S}.object.definition.duration",
        "unknown-property",
    ),
    (
        "definition extension key not an IRI",
        c(cmi5, "object.definition.extensions", {"color": "red"}),
        BOTH,
        f'{S}.object.definition.extensions["color"]',
        "iri",
    ),
    (
        "interactionType wrong case",
        c(answered, "object.definition.interactionType", "choiCe"),
        BOTH,
        f"{S}.object.definition.interactionType",
        "interaction-type",
    ),
    (
        "interactionType unknown",
        c(answered, "object.definition.interactionType", "essay"),
        BOTH,
        f"{S}.object.definition.interactionType",
        "interaction-type",
    ),
    (
        "correctResponsesPattern without interactionType",
        c(answered, "object.definition.interactionType"),
        BOTH,
        f"{S}.object.definition.interactionType",
        "interaction-type-required",
    ),
    (
        "correctResponsesPattern not an array",
        c(answered, "object.definition.correctResponsesPattern", "co2"),
        BOTH,
        f"{S}.object.definition.correctResponsesPattern",
        "type-array",
    ),
    (
        "correctResponsesPattern with a number",
        c(answered, "object.definition.correctResponsesPattern", [1]),
        BOTH,
        f"{S}.object.definition.correctResponsesPattern[0]",
        "type-string",
    ),
    (
        "choices with a likert interaction",
        c(answered, "object.definition.interactionType", "likert"),
        BOTH,
        f"{S}.object.definition.choices",
        "interaction-component",
    ),
    (
        "scale with a choice interaction",
        c(answered, "object.definition.scale", [{"id": "1"}]),
        BOTH,
        f"{S}.object.definition.scale",
        "interaction-component",
    ),
    (
        "interaction component without id",
        c(answered, "object.definition.choices[1]", {"description": {"en-US": "CO2"}}),
        BOTH,
        f"{S}.object.definition.choices[1].id",
        "required",
    ),
    (
        "interaction component duplicate id",
        c(answered, "object.definition.choices[2].id", "water"),
        BOTH,
        f"{S}.object.definition.choices[2].id",
        "interaction-component-id",
    ),
    (
        "interaction component id a number",
        c(answered, "object.definition.choices[0].id", 1),
        BOTH,
        f"{S}.object.definition.choices[0].id",
        "type-string",
    ),
    (
        "interaction component not an object",
        c(answered, "object.definition.choices[0]", "water"),
        BOTH,
        f"{S}.object.definition.choices[0]",
        "type-object",
    ),
    (
        "interaction component unknown property",
        c(answered, "object.definition.choices[0].name", "x"),
        BOTH,
        f"{S}.object.definition.choices[0].name",
        "unknown-property",
    ),
    ("StatementRef without id", c(voiding, "object.id"), BOTH, f"{S}.object.id", "required"),
    ("StatementRef id not a UUID", c(voiding, "object.id", "should fail"), BOTH, f"{S}.object.id", "uuid"),
    (
        "StatementRef with definition",
        c(voiding, "object.definition", {}),
        BOTH,
        f"{S}.object.definition",
        "unknown-property",
    ),
    (
        "voiding with an Activity object",
        c(voiding, "object", {"id": COURSE}),
        BOTH,
        f"{S}.object",
        "voiding-statementref",
    ),
    # SubStatement
    (
        "SubStatement with id",
        c(substatement, "object.id", "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"),
        BOTH,
        f"{S}.object.id",
        "substatement-property",
    ),
    (
        "SubStatement with stored",
        c(substatement, "object.stored", "2024-03-01T09:30:00Z"),
        BOTH,
        f"{S}.object.stored",
        "substatement-property",
    ),
    (
        "SubStatement with version",
        c(substatement, "object.version", "1.0.3"),
        BOTH,
        f"{S}.object.version",
        "substatement-property",
    ),
    (
        "SubStatement with authority",
        c(substatement, "object.authority", {"mbox": "mailto:a@example.com"}),
        BOTH,
        f"{S}.object.authority",
        "substatement-property",
    ),
    (
        "nested SubStatement",
        c(
            substatement,
            "object.object",
            {"objectType": "SubStatement", "actor": LEARNER, "verb": verb("x"), "object": {"id": COURSE}},
        ),
        BOTH,
        f"{S}.object.object.objectType",
        "substatement-nested",
    ),
    ("SubStatement without verb", c(substatement, "object.verb"), BOTH, f"{S}.object.verb", "required"),
    (
        "SubStatement invalid timestamp",
        c(substatement, "object.timestamp", "2008-09-15T15:53:00.601-00:00"),
        BOTH,
        f"{S}.object.timestamp",
        "timestamp",
    ),
    (
        "SubStatement context platform with Agent object",
        c(substatement, "object.object", {"objectType": "Agent", "mbox": "mailto:a@example.com"}),
        BOTH,
        f"{S}.object.context.platform",
        "context-activity-only",
    ),
    # Result
    ("result not an object", c(cmi5, "result", "passed"), BOTH, f"{S}.result", "type-object"),
    ("success a string", c(completed, "result.success", "true"), BOTH, f"{S}.result.success", "type-boolean"),
    ("completion a number", c(completed, "result.completion", 1), BOTH, f"{S}.result.completion", "type-boolean"),
    ("response a number", c(completed, "result.response", 3), BOTH, f"{S}.result.response", "type-string"),
    ("scaled above 1", c(completed, "result.score.scaled", 1.5), BOTH, f"{S}.result.score.scaled", "score-scaled"),
    ("scaled below -1", c(completed, "result.score.scaled", -1.01), BOTH, f"{S}.result.score.scaled", "score-scaled"),
    ("scaled a boolean", c(completed, "result.score.scaled", True), BOTH, f"{S}.result.score.scaled", "type-number"),
    ("max a string of digits", c(completed, "result.score.max", "100"), BOTH, f"{S}.result.score.max", "type-number"),
    ("min equal to max", c(completed, "result.score.min", 100), BOTH, f"{S}.result.score.max", "score-min-max"),
    ("raw above max", c(completed, "result.score.raw", 101), BOTH, f"{S}.result.score.raw", "score-raw"),
    ("raw below min", c(completed, "result.score.raw", -1), BOTH, f"{S}.result.score.raw", "score-raw"),
    (
        "score unknown property",
        c(completed, "result.score.percent", 85),
        BOTH,
        f"{S}.result.score.percent",
        "unknown-property",
    ),
    ("duration invalid", c(completed, "result.duration", "PA1H0M0S"), BOTH, f"{S}.result.duration", "duration"),
    (
        "duration mixing weeks and days",
        c(completed, "result.duration", "P4W1D"),
        BOTH,
        f"{S}.result.duration",
        "duration",
    ),
    ("duration a number", c(completed, "result.duration", 750), BOTH, f"{S}.result.duration", "type-string"),
    ("duration P alone", c(completed, "result.duration", "P"), BOTH, f"{S}.result.duration", "duration"),
    ("duration T without time", c(completed, "result.duration", "P1DT"), BOTH, f"{S}.result.duration", "duration"),
    (
        "result extensions not an object",
        c(completed, "result.extensions", ["x"]),
        BOTH,
        f"{S}.result.extensions",
        "type-object",
    ),
    # Context
    (
        "registration not a UUID",
        c(cmi5, "context.registration", "should fail"),
        BOTH,
        f"{S}.context.registration",
        "uuid",
    ),
    ("registration null", c(cmi5, "context.registration", None), BOTH, f"{S}.context.registration", "null-value"),
    (
        "contextActivities a string",
        c(cmi5, "context.contextActivities", "should fail"),
        BOTH,
        f"{S}.context.contextActivities",
        "type-object",
    ),
    (
        "contextActivities empty",
        c(cmi5, "context.contextActivities", {}),
        BOTH,
        f"{S}.context.contextActivities",
        "context-activities-empty",
    ),
    (
        "contextActivities unknown key",
        c(cmi5, "context.contextActivities.sibling", [{"id": COURSE}]),
        BOTH,
        f"{S}.context.contextActivities.sibling",
        "unknown-property",
    ),
    (
        "contextActivities entry not an Activity",
        c(cmi5, "context.contextActivities.other", [{"id": COURSE}, {"key": "should fail"}]),
        BOTH,
        f"{S}.context.contextActivities.other[1].key",
        "unknown-property",
    ),
    (
        "contextActivities Agent",
        c(cmi5, "context.contextActivities.parent", {"objectType": "Agent", "mbox": "mailto:a@example.com"}),
        BOTH,
        f"{S}.context.contextActivities.parent.mbox",
        "unknown-property",
    ),
    (
        "revision with an Agent object",
        c(agent_object, "context", {"revision": "1"}),
        BOTH,
        f"{S}.context.revision",
        "context-activity-only",
    ),
    (
        "platform with a StatementRef object",
        c(voiding, "context", {"platform": "x"}),
        BOTH,
        f"{S}.context.platform",
        "context-activity-only",
    ),
    (
        "platform with a SubStatement object",
        c(substatement, "context", {"platform": "x"}),
        BOTH,
        f"{S}.context.platform",
        "context-activity-only",
    ),
    ("revision a number", c(attended, "context.revision", 12345), BOTH, f"{S}.context.revision", "type-string"),
    ("language invalid", c(attended, "context.language", "something"), BOTH, f"{S}.context.language", "language-tag"),
    (
        "language an object",
        c(attended, "context.language", {"a12345": "x"}),
        BOTH,
        f"{S}.context.language",
        "type-string",
    ),
    (
        "context statement without objectType",
        c(attended, "context.statement", {"id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}),
        BOTH,
        f"{S}.context.statement.objectType",
        "object-type",
    ),
    (
        "context statement objectType wrong case",
        c(attended, "context.statement", {"objectType": "statementref"}),
        BOTH,
        f"{S}.context.statement.objectType",
        "object-type",
    ),
    ("context unknown property", c(cmi5, "context.course", COURSE), BOTH, f"{S}.context.course", "unknown-property"),
    (
        "context extension key not an IRI",
        c(cmi5, "context.extensions", {"sessionid": "1"}),
        BOTH,
        f'{S}.context.extensions["sessionid"]',
        "iri",
    ),
    # xAPI 2.0 context agents and groups
    ("contextAgents under 1.0.x", context_agents(), (V1,), f"{S}.context.contextAgents", "xapi-2.0-only"),
    (
        "contextAgents not an array",
        c(context_agents, "context.contextAgents", {"objectType": "contextAgent"}),
        (V2,),
        f"{S}.context.contextAgents",
        "type-array",
    ),
    (
        "contextAgent wrong objectType",
        c(context_agents, "context.contextAgents[0].objectType", "Should fail"),
        (V2,),
        f"{S}.context.contextAgents[0].objectType",
        "object-type",
    ),
    (
        "contextAgent invalid agent",
        c(context_agents, "context.contextAgents[0].agent", {"key": "Should fail"}),
        (V2,),
        f"{S}.context.contextAgents[0].agent.key",
        "unknown-property",
    ),
    (
        "contextAgent agent is a Group",
        c(context_agents, "context.contextAgents[0].agent", {"objectType": "Group", "mbox": "mailto:g@example.com"}),
        (V2,),
        f"{S}.context.contextAgents[0].agent.objectType",
        "agent-not-group",
    ),
    (
        "contextAgent empty relevantTypes",
        c(context_agents, "context.contextAgents[0].relevantTypes", []),
        (V2,),
        f"{S}.context.contextAgents[0].relevantTypes",
        "relevant-types-empty",
    ),
    (
        "contextAgent relevantTypes not IRIs",
        c(context_agents, "context.contextAgents[0].relevantTypes", ["abc"]),
        (V2,),
        f"{S}.context.contextAgents[0].relevantTypes[0]",
        "iri",
    ),
    (
        "contextGroup group is an Agent",
        c(context_agents, "context.contextGroups[0].group", {"mbox": "mailto:a@example.com"}),
        (V2,),
        f"{S}.context.contextGroups[0].group.objectType",
        "object-type",
    ),
    (
        "contextGroup without group",
        c(context_agents, "context.contextGroups[0].group"),
        (V2,),
        f"{S}.context.contextGroups[0].group",
        "required",
    ),
    # Attachments
    ("attachments not an array", c(with_attachment, "attachments", {}), BOTH, f"{S}.attachments", "type-array"),
    (
        "attachment without usageType",
        c(with_attachment, "attachments[0].usageType"),
        BOTH,
        f"{S}.attachments[0].usageType",
        "required",
    ),
    (
        "attachment without display",
        c(with_attachment, "attachments[0].display"),
        BOTH,
        f"{S}.attachments[0].display",
        "required",
    ),
    (
        "attachment without sha2",
        c(with_attachment, "attachments[0].sha2"),
        BOTH,
        f"{S}.attachments[0].sha2",
        "required",
    ),
    (
        "attachment usageType not an IRI",
        c(with_attachment, "attachments[0].usageType", "certificate"),
        BOTH,
        f"{S}.attachments[0].usageType",
        "iri",
    ),
    (
        "attachment display invalid language",
        c(with_attachment, "attachments[0].display", {"en-US": "a", "something": "b"}),
        BOTH,
        f'{S}.attachments[0].display["something"]',
        "language-tag",
    ),
    (
        "attachment length a string",
        c(with_attachment, "attachments[0].length", "65536"),
        BOTH,
        f"{S}.attachments[0].length",
        "type-integer",
    ),
    (
        "attachment length a decimal",
        c(with_attachment, "attachments[0].length", 1.5),
        BOTH,
        f"{S}.attachments[0].length",
        "type-integer",
    ),
    (
        "attachment negative length",
        c(with_attachment, "attachments[0].length", -1),
        BOTH,
        f"{S}.attachments[0].length",
        "attachment-length",
    ),
    (
        "attachment sha2 not hex",
        c(with_attachment, "attachments[0].sha2", "not a hash"),
        BOTH,
        f"{S}.attachments[0].sha2",
        "sha2",
    ),
    (
        "attachment contentType not a media type",
        c(with_attachment, "attachments[0].contentType", "pdf"),
        BOTH,
        f"{S}.attachments[0].contentType",
        "media-type",
    ),
    (
        "attachment fileUrl not an IRL",
        c(with_attachment, "attachments[0].fileUrl", "certificate.pdf"),
        BOTH,
        f"{S}.attachments[0].fileUrl",
        "irl",
    ),
    (
        "attachment unknown property",
        c(with_attachment, "attachments[0].name", "x"),
        BOTH,
        f"{S}.attachments[0].name",
        "unknown-property",
    ),
]


@pytest.mark.parametrize(
    ("description", "statement", "version", "path", "rule"),
    [(d, s, v, p, r) for d, s, versions, p, r in BAD for v in versions],
    ids=[f"{d} [{v}]" for d, _s, versions, _p, _r in BAD for v in versions],
)
def test_invalid_statement_is_rejected_with_path_and_rule(
    description: str, statement: Any, version: str, path: str, rule: str
) -> None:
    with pytest.raises(XapiError) as caught:
        validate_statement(statement, version=version)
    error = caught.value
    assert (error.path, error.rule) == (path, rule), error.message
    assert error.status == 400
    assert error.as_json() == {"error": error.message, "path": path, "rule": rule}
    assert error.message.startswith(path)


def test_corpus_size() -> None:
    assert len(BAD) >= 80
    assert len(GOOD) >= 20


# ------------------------------------------------------------------------------ batches


def test_validate_statements_accepts_one_object_or_an_array() -> None:
    single = completed()
    assert validate_statements(single, version=V2) == [single]
    batch = [completed(), answered()]
    assert validate_statements(batch, version=V2) is batch


def test_batch_error_names_the_statement_index() -> None:
    batch = [completed(), answered(), c(answered, "actor.mbox", "nobody")]
    with pytest.raises(XapiError) as caught:
        validate_statements(batch, version=V2)
    assert (caught.value.path, caught.value.rule) == ("statements[2].actor.mbox", "mbox")


def test_empty_batch_is_rejected() -> None:
    with pytest.raises(XapiError) as caught:
        validate_statements([], version=V1)
    assert caught.value.rule == "batch-empty"
    assert caught.value.status == 400


@pytest.mark.parametrize("payload", ["statement", 42, None, True])
def test_body_neither_object_nor_array_is_rejected(payload: Any) -> None:
    with pytest.raises(XapiError) as caught:
        validate_statements(payload, version=V2)
    assert caught.value.rule == "type-object"


def test_same_id_twice_in_a_batch_is_rejected_whatever_its_case() -> None:
    first = cmi5("launched")
    second = cmi5("initialized", id=first["id"].upper())
    with pytest.raises(XapiError) as caught:
        validate_statements([first, second], version=V2)
    assert (caught.value.path, caught.value.rule) == ("statements[1].id", "batch-duplicate-id")
    assert "statements[0]" in caught.value.message


# ---------------------------------------------------------------- timestamps, durations


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01T09:30:00Z", datetime(2024, 3, 1, 9, 30, tzinfo=UTC)),
        ("2024-03-01T09:30:00.123456789+01:00", datetime(2024, 3, 1, 8, 30, 0, 123456, tzinfo=UTC)),
        ("20240301T093000-0500", datetime(2024, 3, 1, 14, 30, tzinfo=UTC)),
        ("2024-03-01 09:30+05:30", datetime(2024, 3, 1, 4, 0, tzinfo=UTC)),
        ("2024-03-01t09:30:00z", datetime(2024, 3, 1, 9, 30, tzinfo=UTC)),
        ("2024-03-01T09:30:00,5+00", datetime(2024, 3, 1, 9, 30, 0, 500000, tzinfo=UTC)),
    ],
)
def test_parse_timestamp_gives_the_instant(value: str, expected: datetime) -> None:
    parsed = parse_timestamp(value, path="statement.timestamp")
    assert parsed == expected
    assert parsed.tzinfo is not None


def test_parse_timestamp_keeps_the_offset() -> None:
    parsed = parse_timestamp("2024-03-01T09:30:00+02:00", path="t")
    assert parsed.utcoffset() == timedelta(hours=2)
    assert parsed.tzinfo == timezone(timedelta(hours=2))


def test_naive_timestamp_is_utc_in_1_0_and_refused_in_2_0() -> None:
    assert parse_timestamp("2024-03-01T09:30:00", path="t", version=V1) == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    with pytest.raises(XapiError) as caught:
        parse_timestamp("2024-03-01T09:30:00", path="statements[0].timestamp", version=V2)
    assert (caught.value.path, caught.value.rule) == ("statements[0].timestamp", "timestamp-timezone")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("PT1H", 3600.0),
        ("PT12M30.5S", 750.5),
        ("PT16559.14S", 16559.14),
        ("PT4H35M59.14S", 16559.14),
        ("P1D", 86400.0),
        ("P2W", 14 * 86400.0),
        ("P1Y", 365 * 86400.0),
        ("P1M", 30 * 86400.0),
        ("PT0S", 0.0),
        ("PT1,5M", 90.0),
        ("P1DT1H", 90000.0),
    ],
)
def test_parse_duration_in_seconds(value: str, seconds: float) -> None:
    assert parse_duration(value, path="d") == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["", "P", "PT", "1H", "PT1.5H30M", "P1W2D", "PT1H-5M", "pt1h", "P1Y2Y", "PT1HM"])
def test_parse_duration_rejects(value: str) -> None:
    with pytest.raises(XapiError) as caught:
        parse_duration(value, path="statement.result.duration")
    assert (caught.value.path, caught.value.rule) == ("statement.result.duration", "duration")


# --------------------------------------------------------------------- language tags


@pytest.mark.parametrize(
    "tag",
    [
        "en",
        "de",
        "en-US",
        "zh-Hant",
        "zh-Hans-CN",
        "sr-Latn-RS",
        "sr-Cyrl",
        "tlh",
        "cmn",
        "ase",
        "es-419",
        "de-CH-1901",
        "en-a-bbb-x-a-ccc",
        "x-whatever",
        "i-klingon",
        "zh-min-nan",
        "zh-yue-HK",
        "EN-us",
    ],
)
def test_language_tags_accepted(tag: str) -> None:
    assert is_language_tag(tag)


@pytest.mark.parametrize(
    "tag",
    [
        "",
        "something",
        "a12345",
        "e",
        "en-",
        "en--US",
        "zh-z-aaa-z-bbb-c-ccc",
        "de-1901-1901",
        "en_US",
        "123",
        "en-US-x",
    ],
)
def test_language_tags_refused(tag: str) -> None:
    assert not is_language_tag(tag)


# ------------------------------------------------------------------------------ IFIs


@pytest.mark.parametrize(
    ("agent", "ifi"),
    [
        ({"mbox": "mailto:Lea.Martin@Example.com"}, "mbox:mailto:Lea.Martin@Example.com"),
        ({"mbox": "MAILTO:lea@example.com"}, "mbox:mailto:lea@example.com"),
        (
            {"mbox_sha1sum": "CD9B00A5611F94EAA7B1661EDAB976068E364975"},
            "mbox_sha1sum:cd9b00a5611f94eaa7b1661edab976068e364975",
        ),
        ({"openid": "https://openid.example.org/lea"}, "openid:https://openid.example.org/lea"),
        (
            {"account": {"homePage": "https://lms.example.com", "name": "lmartin"}},
            "account:https://lms.example.com|lmartin",
        ),
        ({"objectType": "Group", "mbox": "mailto:team@example.com", "member": []}, "mbox:mailto:team@example.com"),
        ({"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]}, None),
    ],
)
def test_agent_ifi(agent: dict[str, Any], ifi: str | None) -> None:
    assert agent_ifi(agent) == ifi


def test_upper_case_mailto_scheme_is_valid() -> None:
    validate_statement(c(answered, "actor.mbox", "MAILTO:lea@example.com"), version=V2)


# --------------------------------------------------------------- comparison and hashes


def test_canonical_json_sorts_keys_without_spaces() -> None:
    assert canonical_json({"b": 1, "a": {"d": [1, 2], "c": "é"}}) == '{"a":{"c":"é","d":[1,2]},"b":1}'


def test_re_sent_statement_with_lrs_properties_is_equivalent() -> None:
    sent = completed()
    stored = copy.deepcopy(sent)
    stored.update(
        {
            "stored": "2024-03-01T09:30:01.000Z",
            "authority": {"objectType": "Agent", "account": {"homePage": "https://pilotage.example.com", "name": "k"}},
            "version": "2.0.0",
            "timestamp": "2024-03-01T10:30:00.123+01:00",  # same instant, other zone
        }
    )
    stored["context"]["contextActivities"]["grouping"] = {"id": COURSE}  # single vs array
    stored["context"]["registration"] = REGISTRATION.upper()
    assert statements_equivalent(stored, sent)
    assert canonical_json(comparison_form(stored)) == canonical_json(comparison_form(sent))


def test_language_map_order_definition_and_verb_display_do_not_count() -> None:
    a = cmi5("launched")
    b = cmi5("launched")
    b["object"]["definition"] = {"name": {"fr-FR": "Sécurité incendie", "en-US": "Fire safety"}}
    b["verb"]["display"] = {"fr-FR": "lancé"}
    assert statements_equivalent(a, b)


def test_group_member_order_does_not_count() -> None:
    a = group_actor()
    b = group_actor()
    b["actor"]["member"].reverse()
    assert statements_equivalent(a, b)


def test_missing_timestamp_on_one_side_does_not_count() -> None:
    stored = completed()
    resent = c(completed, "timestamp")
    assert statements_equivalent(stored, resent)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("result.score.raw", 84),
        ("result.success", False),
        ("actor.account.name", "someone-else"),
        ("verb.id", "http://adlnet.gov/expapi/verbs/passed"),
        ("object.id", COURSE),
        ("context.registration", "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"),
        ("timestamp", "2024-03-01T09:30:01.123Z"),
        ("context.contextActivities.grouping", [{"id": AU}]),
    ],
)
def test_different_content_is_not_equivalent(path: str, value: Any) -> None:
    assert not statements_equivalent(completed(), c(completed, path, value))


@pytest.mark.parametrize(
    ("sent", "resent", "same"),
    [
        ("P1DT12H36M0.12S", "P1DT12H36M0.1237S", True),  # the ADL suite's 4.2.7 case
        ("PT1.2S", "PT1.20S", True),
        ("PT5S", "PT5.009S", True),
        ("PT05S", "PT5S", True),
        ("PT1,25S", "PT1.259S", True),
        ("PT1.2S", "PT1.21S", False),
        ("PT1.12S", "PT1.13S", False),
        ("PT1M", "PT1M0.01S", False),
        ("PT1H", "PT60M", False),  # equal lengths, but only the seconds' precision is left out
    ],
)
def test_durations_compared_to_the_hundredth(sent: str, resent: str, same: bool) -> None:
    """2.0 4.2.7: precision beyond 0.01 s is not part of a comparison (re-sends, signatures)."""
    a = c(completed, "result.duration", sent)
    b = c(completed, "result.duration", resent)
    assert statements_equivalent(a, b) is same
    sub_a = c(substatement, "object.result", {"duration": sent})
    sub_b = c(substatement, "object.result", {"duration": resent})
    assert statements_equivalent(sub_a, sub_b) is same


def test_substatement_timestamp_compared_as_instant() -> None:
    a = substatement()
    b = c(substatement, "object.timestamp", "2024-04-02T10:00:00+02:00")
    assert statements_equivalent(a, b)
    assert not statements_equivalent(a, c(substatement, "object.timestamp", "2024-04-02T10:00:00Z"))


# --------------------------------------------------------------------------- strict JSON


@pytest.mark.parametrize(
    "text",
    [
        '{"actor": {"mbox": "mailto:a@example.com", "mbox": "mailto:b@example.com"}}',
        '{"actor":{"mbox":"mailto:a@example.com","mbox":"mailto:b@example.com"}}',  # compact
        '{"actor": {"mbox" : "mailto:a@example.com", "mbox": "x"}}',  # a blank before a colon
        '{\n  "a": {\n    "k": 1,\n    "k"\n: 2\n  }\n}',  # pretty-printed, a line break before one
        '{"a":"x\\":y","a":1}',  # an escaped quote then a colon inside a string
    ],
)
def test_loads_strict_rejects_duplicate_keys(text: str) -> None:
    with pytest.raises(XapiError) as caught:
        loads_strict(text)
    assert caught.value.rule == "duplicate-key"


@pytest.mark.parametrize("text", ['{"raw": NaN}', '{"raw": Infinity}', "{not json}"])
def test_loads_strict_rejects_invalid_json(text: str) -> None:
    with pytest.raises(XapiError) as caught:
        loads_strict(text)
    assert caught.value.rule == "json"


def test_loads_strict_parses_statements() -> None:
    assert loads_strict('[{"a": 1}, {"b": [1, 2]}]') == [{"a": 1}, {"b": [1, 2]}]


def test_normalise_context_activities_makes_arrays_in_statement_and_substatement() -> None:
    statement = c(cmi5, "context.contextActivities", {"parent": {"id": AU}, "grouping": [{"id": COURSE}]})
    statement["object"] = substatement()["object"]
    statement["object"]["context"]["contextActivities"] = {"other": {"id": COURSE}}
    validate_statement(statement, version=V2)
    assert normalise_context_activities(statement) is statement
    assert statement["context"]["contextActivities"] == {"parent": [{"id": AU}], "grouping": [{"id": COURSE}]}
    assert statement["object"]["context"]["contextActivities"] == {"other": [{"id": COURSE}]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b'{"a":1,"b":{"c":"x\\":y","d":[{"e":1}]}}', {"a": 1, "b": {"c": 'x":y', "d": [{"e": 1}]}}),
        (b'{"big": 123456789012345678901234567890}', {"big": 123456789012345678901234567890}),
        ('{"é": "ü", "n": -1.5e3}', {"é": "ü", "n": -1500.0}),
        (b'{"s":"\\ud800"}', {"s": "\ud800"}),
        (b'{"t":"\\u0022:x", "u": "a\\" : b"}', {"t": '":x', "u": 'a" : b'}),
    ],
)
def test_strict_json_fast_path_keeps_the_standard_result(text: Any, expected: Any) -> None:
    from pilotage.lrs.validation import loads_strict

    assert loads_strict(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        b'{"a":1,"a":2}',
        b'{"a":"\\"a\\":","a":2}',
        b'[1, {"k" : "v", "k":3}]',
        b'{"x": {"y": 1, "y": 1}}',
        b'{"q":"\\u0022:","q":1}',
        b'{"q":"\\" :","q":1, "r": "\\":"}',
    ],
)
def test_strict_json_fast_path_still_names_a_duplicate_key(text: bytes) -> None:
    from pilotage.lrs.errors import XapiError
    from pilotage.lrs.validation import loads_strict

    with pytest.raises(XapiError, match="appears twice"):
        loads_strict(text)
