"""Validation of xAPI statements to the letter of xAPI 1.0.3 and xAPI 2.0 (IEEE 9274.1.1).

Pure Python, no database: the storage service calls ``validate_statements`` on the parsed
request body and gets either the list of statements or an ``XapiError`` (400) naming the
JSON path of the first offending element (``statement.actor.mbox``,
``statements[3].context.contextActivities.parent[0].id``) and a short rule id
(``mbox``, ``unknown-property``...), so that a client can act on it.

Choices where the two versions or the texts leave room, each checked against the ADL LRS
conformance test suite (the judge of conformance for this LRS):

- ``version``: an LRS answering 1.0.x accepts "1.0" and "1.0.x"; answering 2.0 it accepts
  those and "2.0"/"2.0.x" (the 2.0 suite posts 1.0.3 statements and expects 200).
- ``contextActivities``: a single Activity or an array of Activities in both versions (2.0
  only says providers SHOULD send arrays; its suite posts single objects and expects 200).
- Timestamps: ISO 8601 date-time (extended or basic, "T" or a space); the offsets "-00",
  "-0000" and "-00:00" are rejected in both versions (both suites test it); 2.0 requires a
  time zone, 1.0.x reads a timestamp without one as UTC.
- Empty objects are a SHOULD NOT for providers, so they are accepted, except an empty
  ``contextActivities`` (XAPI-00095). ``null`` is rejected everywhere except as an
  extension value (XAPI-00001).
- Interaction components are only accepted with their interaction type (choices with
  choice/sequencing, scale with likert, source/target with matching, steps with
  performance), and correctResponsesPattern or components require an interactionType.
- A Group authority must be an anonymous Group of exactly two Agents (OAuth 3-legged).

Speed matters (the ingest target is 10,000 statements/s with storage): regular expressions
are compiled once, language tags are checked through a small cache, nothing is copied.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from pilotage.lrs import fastjson
from pilotage.lrs.errors import XapiError

VERSION_2 = "2.0.0"
VERSION_1 = "1.0.x"
VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"

# ---------------------------------------------------------------------------- patterns

_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
# An absolute IRI: a scheme (RFC 3987: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )), a colon
# and at least one character, no white space or characters IRIs exclude.
_IRI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f]+\Z")
_MBOX_RE = re.compile(r"(?i:mailto):[^@\s/?#<>\"]+@[^@\s/?#<>\"]+\Z")
_SHA1_RE = re.compile(r"[0-9a-fA-F]{40}\Z")
_HEX_RE = re.compile(r"[0-9a-fA-F]+\Z")
_SHA2_LENGTHS = frozenset((56, 64, 96, 128))  # SHA-224, SHA-256, SHA-384, SHA-512 in hex
_MIME_RE = re.compile(r"[A-Za-z0-9!#$&^_.+\-]+/[A-Za-z0-9!#$&^_.+\-]+(?:\s*;.*)?\Z", re.DOTALL)
_VERSION_1_RE = re.compile(r"1\.0(?:\.\d+)?\Z")
_VERSION_2_RE = re.compile(r"(?:1|2)\.0(?:\.\d+)?\Z")

# ISO 8601 date-time, calendar date, extended or basic format, with a time.
_TIMESTAMP_RE = re.compile(
    r"\d{4}(?:-\d{2}-\d{2}|\d{4})[Tt ]"
    r"(?:\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?|\d{4}(?:\d{2}(?:[.,]\d+)?)?)"
    r"(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?\Z"
)
_NEGATIVE_ZERO_OFFSETS = ("-00", "-0000", "-00:00")

_NUM = r"(\d+(?:[.,]\d+)?)"
_DURATION_RE = re.compile(
    rf"P(?!\Z)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}D)?(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?\Z"
)
_DURATION_WEEKS_RE = re.compile(rf"P{_NUM}W\Z")
# Seconds per unit, in the order of the duration groups. Years and months have no fixed
# length; 365 and 30 days are the usual reading for learning time.
_DURATION_UNITS = (365 * 86400.0, 30 * 86400.0, 86400.0, 3600.0, 60.0, 1.0)

# RFC 5646 language tags (well-formed), with the grandfathered tags of its section 2.2.8.
_GRANDFATHERED = (
    "en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao|i-tay|"
    "i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|"
    "zh-min-nan|zh-xiang"
)
_LANGUAGE_TAG_RE = re.compile(
    r"(?:"
    r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})"  # language and extlang
    r"(?:-[a-z]{4})?"  # script
    r"(?:-(?:[a-z]{2}|\d{3}))?"  # region
    r"(?P<variants>(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*)"
    r"(?P<extensions>(?:-[a-wyz\d](?:-[a-z\d]{2,8})+)*)"
    r"(?:-x(?:-[a-z\d]{1,8})+)?"  # private use
    r"|x(?:-[a-z\d]{1,8})+"
    rf"|(?:{_GRANDFATHERED})"
    r")\Z",
    re.IGNORECASE,
)

# ------------------------------------------------------------------------ vocabulary

STATEMENT_PROPERTIES = frozenset(
    ("id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version", "attachments")
)
SUBSTATEMENT_PROPERTIES = frozenset(
    ("objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments")
)
# Tuples where the order of checks matters: the first violation reported must not depend
# on hash randomisation.
SUBSTATEMENT_FORBIDDEN = ("id", "stored", "version", "authority")
AGENT_PROPERTIES = frozenset(("objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"))
GROUP_PROPERTIES = AGENT_PROPERTIES | {"member"}
IFI_PROPERTIES = ("mbox", "mbox_sha1sum", "openid", "account")
ACCOUNT_PROPERTIES = frozenset(("homePage", "name"))
VERB_PROPERTIES = frozenset(("id", "display"))
ACTIVITY_PROPERTIES = frozenset(("objectType", "id", "definition"))
STATEMENT_REF_PROPERTIES = frozenset(("objectType", "id"))
DEFINITION_PROPERTIES = frozenset(
    (
        "name",
        "description",
        "type",
        "moreInfo",
        "extensions",
        "interactionType",
        "correctResponsesPattern",
        "choices",
        "scale",
        "source",
        "target",
        "steps",
    )
)
INTERACTION_COMPONENT_PROPERTIES = frozenset(("id", "description"))
INTERACTION_COMPONENTS: dict[str, frozenset[str]] = {
    "true-false": frozenset(),
    "choice": frozenset(("choices",)),
    "fill-in": frozenset(),
    "long-fill-in": frozenset(),
    "matching": frozenset(("source", "target")),
    "performance": frozenset(("steps",)),
    "sequencing": frozenset(("choices",)),
    "likert": frozenset(("scale",)),
    "numeric": frozenset(),
    "other": frozenset(),
}
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
RESULT_PROPERTIES = frozenset(("score", "success", "completion", "response", "duration", "extensions"))
SCORE_PROPERTIES = frozenset(("scaled", "raw", "min", "max"))
CONTEXT_PROPERTIES_1 = frozenset(
    (
        "registration",
        "instructor",
        "team",
        "contextActivities",
        "revision",
        "platform",
        "language",
        "statement",
        "extensions",
    )
)
CONTEXT_PROPERTIES_2_ONLY = ("contextAgents", "contextGroups")
CONTEXT_PROPERTIES_2 = CONTEXT_PROPERTIES_1 | frozenset(CONTEXT_PROPERTIES_2_ONLY)
CONTEXT_ACTIVITY_KEYS = frozenset(("parent", "grouping", "category", "other"))
CONTEXT_AGENT_PROPERTIES = frozenset(("objectType", "agent", "relevantTypes"))
CONTEXT_GROUP_PROPERTIES = frozenset(("objectType", "group", "relevantTypes"))
ATTACHMENT_PROPERTIES = frozenset(("usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"))
OBJECT_TYPES = frozenset(("Activity", "Agent", "Group", "SubStatement", "StatementRef"))


# --------------------------------------------------------------------- small checks


def _fail(message: str, path: str, rule: str) -> XapiError:
    return XapiError(f"{path}: {message}", path=path, rule=rule)


def _key_path(path: str, key: str) -> str:
    """Path of a free-form key (extension IRI, language tag): bracketed, quoted."""
    return f"{path}[{json.dumps(key)}]"


def _check_keys(obj: dict[str, Any], allowed: frozenset[str], path: str, what: str) -> None:
    """Unknown properties (including keys in the wrong case) and ``null`` values."""
    if allowed.issuperset(obj) and None not in obj.values():
        return  # the usual case, in two C-level passes
    for key, value in obj.items():
        if key not in allowed:
            raise _fail(
                f"'{key}' is not a property of {what} (names are case-sensitive).", f"{path}.{key}", "unknown-property"
            )
        if value is None:
            raise _fail("null is not allowed here.", f"{path}.{key}", "null-value")


def _object(value: Any, path: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(f"{what} must be a JSON object.", path, "type-object")
    return value


def _list(value: Any, path: str, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(f"{what} must be a JSON array.", path, "type-array")
    return value


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _fail("must be a string.", path, "type-string")
    return value


def _number(value: Any, path: str) -> float:
    # bool is an int in Python: true/false are not numbers in JSON.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail("must be a number.", path, "type-number")
    if isinstance(value, float) and not math.isfinite(value):
        raise _fail("must be a finite number.", path, "type-number")
    return value


def _boolean(value: Any, path: str) -> None:
    if not isinstance(value, bool):
        raise _fail("must be true or false.", path, "type-boolean")


# IRIs repeat endlessly (verbs, activities, categories, extension keys): the ones already
# found valid are remembered in a bounded set, a cheaper test than the regular expression.
_VALID_IRIS: set[str] = set()
_VALID_IRIS_MAX = 20_000


def _is_iri(value: str) -> bool:
    if value in _VALID_IRIS:
        return True
    if _IRI_RE.match(value) is None:
        return False
    if len(_VALID_IRIS) >= _VALID_IRIS_MAX:
        _VALID_IRIS.clear()
    _VALID_IRIS.add(value)
    return True


def _iri(value: Any, path: str, kind: str = "IRI") -> str:
    """An absolute IRI — or an IRL (``kind="IRL"``: a locator, same syntax, its own rule id)."""
    if not isinstance(value, str):
        raise _fail(f"must be an {kind} string.", path, "type-string")
    if not _is_iri(value):
        raise _fail(f"'{value}' is not an absolute {kind} (a scheme such as 'https:' is required).", path, kind.lower())
    return value


def _uuid(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _fail("must be a UUID string.", path, "type-string")
    if not _UUID_RE.match(value):
        raise _fail(f"'{value}' is not a UUID in its standard form (8-4-4-4-12 hexadecimal digits).", path, "uuid")
    return value


@lru_cache(maxsize=2048)
def is_language_tag(tag: str) -> bool:
    """Whether ``tag`` is a well-formed RFC 5646 language tag (cached: tags repeat)."""
    match = _LANGUAGE_TAG_RE.match(tag)
    if match is None:
        return False
    variants = (match.group("variants") or "").lower().split("-")[1:]
    if len(variants) != len(set(variants)):
        return False  # RFC 5646 2.2.5: a variant appears at most once
    extensions = match.group("extensions") or ""
    if extensions:
        singletons = [part for part in extensions.lower().split("-") if len(part) == 1]
        if len(singletons) != len(set(singletons)):
            return False  # RFC 5646 2.2.6: a singleton appears at most once
    return True


def _language_tag(value: Any, path: str) -> None:
    if not isinstance(value, str):
        raise _fail("must be an RFC 5646 language tag string.", path, "type-string")
    if not is_language_tag(value):
        raise _fail(
            f"'{value}' is not an RFC 5646 language tag (such as 'en', 'en-US', 'zh-Hant').", path, "language-tag"
        )


def _language_map(value: Any, path: str) -> None:
    obj = _object(value, path, "A language map")
    if not obj:
        # A language map holds at least one tag/text pair (the ADL conformance suite's
        # Data 4.0 tests reject {} for display, name and description).
        raise _fail("needs at least one entry: a language tag and its text.", path, "language-map-empty")
    for key, text in obj.items():
        if not is_language_tag(key):
            raise _fail(
                f"'{key}' is not an RFC 5646 language tag (such as 'en', 'en-US', 'zh-Hant').",
                _key_path(path, key),
                "language-tag",
            )
        if text is None:
            raise _fail("null is not allowed here.", _key_path(path, key), "null-value")
        if not isinstance(text, str):
            raise _fail("must be a string.", _key_path(path, key), "type-string")


def _extensions(value: Any, path: str) -> None:
    obj = _object(value, path, "Extensions")
    for key in obj:  # values are free, null included (XAPI-00001)
        if not _is_iri(key):
            raise _fail(f"the extension key '{key}' is not an absolute IRI.", _key_path(path, key), "iri")


# ------------------------------------------------------------------ time and duration


def parse_timestamp(value: str, *, path: str, version: str = VERSION_1) -> datetime:
    """An ISO 8601 date-time as an aware datetime; ``XapiError`` (rule ``timestamp``) if not.

    Extended or basic format, "T" or a space between date and time, any number of
    fractional digits (microseconds kept). The offsets "-00", "-0000" and "-00:00" (an
    unknown local offset in RFC 3339) are rejected. Without a time zone: an error under
    xAPI 2.0 (``version="2.0.0"``), UTC under 1.0.x (where the zone is only a SHOULD).
    """
    if not isinstance(value, str):
        raise _fail("must be an ISO 8601 timestamp string.", path, "type-string")
    match = _TIMESTAMP_RE.match(value)
    if match is None:
        raise _fail(f"'{value}' is not an ISO 8601 timestamp (such as '2024-03-01T09:30:00.000Z').", path, "timestamp")
    tz = match.group("tz")
    if tz is None and version == VERSION_2:
        raise _fail(f"'{value}' has no time zone; xAPI 2.0 requires an offset or 'Z'.", path, "timestamp-timezone")
    if tz in _NEGATIVE_ZERO_OFFSETS:
        raise _fail(f"'{value}' uses the offset '{tz}', which ISO 8601 and xAPI forbid; use 'Z'.", path, "timestamp")
    try:
        # fromisoformat wants an upper-case "T" and "Z"; RFC 3339 allows lower case.
        parsed = datetime.fromisoformat(value.upper() if "t" in value or "z" in value else value)
    except ValueError:
        raise _fail(f"'{value}' is not a valid date and time.", path, "timestamp") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def parse_duration(value: str, *, path: str) -> float:
    """An ISO 8601 duration (``PnYnMnDTnHnMnS`` or ``PnW``) in seconds; ``XapiError`` if not.

    Only the smallest unit given may carry a fraction (ISO 8601 4.4.3.2); a year counts 365
    days and a month 30.
    """
    if not isinstance(value, str):
        raise _fail("must be an ISO 8601 duration string.", path, "type-string")
    match = _DURATION_RE.match(value)
    if match is not None:
        groups = match.groups()
        present = [i for i, group in enumerate(groups) if group is not None]
        if not present:
            raise _fail(f"'{value}' is not an ISO 8601 duration (such as 'PT1H30M' or 'PT95.5S').", path, "duration")
        for i in present[:-1]:
            if not groups[i].isdigit():
                raise _fail(f"'{value}': only the smallest unit may have a decimal fraction.", path, "duration")
        return sum(float(groups[i].replace(",", ".")) * _DURATION_UNITS[i] for i in present)
    match = _DURATION_WEEKS_RE.match(value)
    if match is not None:
        return float(match.group(1).replace(",", ".")) * 7 * 86400.0
    raise _fail(f"'{value}' is not an ISO 8601 duration (such as 'PT1H30M' or 'PT95.5S').", path, "duration")


# ------------------------------------------------------------------- agents and groups


def _account(value: Any, path: str) -> None:
    obj = _object(value, path, "An account")
    _check_keys(obj, ACCOUNT_PROPERTIES, path, "an account")
    if "homePage" not in obj:
        raise _fail("an account requires 'homePage'.", f"{path}.homePage", "required")
    _iri(obj["homePage"], f"{path}.homePage", "IRL")
    if "name" not in obj:
        raise _fail("an account requires 'name'.", f"{path}.name", "required")
    _string(obj["name"], f"{path}.name")


def _ifis(obj: dict[str, Any], path: str) -> int:
    """Validate the inverse functional identifiers present; return how many there are."""
    count = 0
    if "mbox" in obj:
        count += 1
        mbox = obj["mbox"]
        if not isinstance(mbox, str):
            raise _fail("must be a 'mailto:' IRI string.", f"{path}.mbox", "type-string")
        if not _MBOX_RE.match(mbox):
            raise _fail(f"'{mbox}' is not a 'mailto:' IRI with an e-mail address.", f"{path}.mbox", "mbox")
    if "mbox_sha1sum" in obj:
        count += 1
        sha1 = obj["mbox_sha1sum"]
        if not isinstance(sha1, str):
            raise _fail("must be a string.", f"{path}.mbox_sha1sum", "type-string")
        if not _SHA1_RE.match(sha1):
            raise _fail("must be the 40 hexadecimal digits of a SHA-1 hash.", f"{path}.mbox_sha1sum", "mbox-sha1sum")
    if "openid" in obj:
        count += 1
        openid = obj["openid"]
        if not isinstance(openid, str):
            raise _fail("must be a URI string.", f"{path}.openid", "type-string")
        if not _IRI_RE.match(openid) or not openid.isascii():
            raise _fail(f"'{openid}' is not an absolute URI.", f"{path}.openid", "openid")
    if "account" in obj:
        count += 1
        _account(obj["account"], f"{path}.account")
    return count


def _agent(value: Any, path: str, *, object_type_required: bool = False) -> dict[str, Any]:
    obj = _object(value, path, "An Agent")
    object_type = obj.get("objectType")
    if object_type == "Group":
        raise _fail("must be an Agent, not a Group.", f"{path}.objectType", "agent-not-group")
    _check_keys(obj, AGENT_PROPERTIES, path, "an Agent")
    if object_type is None:
        if object_type_required:
            raise _fail(
                'an Agent used as an object requires "objectType": "Agent".',
                f"{path}.objectType",
                "object-type-required",
            )
    elif object_type != "Agent":
        raise _fail(f"objectType '{object_type}' is not 'Agent'.", f"{path}.objectType", "object-type")
    if "name" in obj:
        _string(obj["name"], f"{path}.name")
    count = _ifis(obj, path)
    if count == 0:
        raise _fail("an Agent requires exactly one of mbox, mbox_sha1sum, openid or account.", path, "ifi-missing")
    if count > 1:
        raise _fail(
            "an Agent takes exactly one of mbox, mbox_sha1sum, openid or account, not several.", path, "ifi-multiple"
        )
    return obj


def _group(value: Any, path: str, *, exact_members: int | None = None) -> dict[str, Any]:
    obj = _object(value, path, "A Group")
    _check_keys(obj, GROUP_PROPERTIES, path, "a Group")
    if obj.get("objectType") != "Group":
        raise _fail('a Group requires "objectType": "Group".', f"{path}.objectType", "object-type")
    if "name" in obj:
        _string(obj["name"], f"{path}.name")
    count = _ifis(obj, path)
    if count > 1:
        raise _fail("a Group takes at most one of mbox, mbox_sha1sum, openid or account.", path, "ifi-multiple")
    members = obj.get("member")
    if members is not None:
        for i, member in enumerate(_list(members, f"{path}.member", "member")):
            member_path = f"{path}.member[{i}]"
            if isinstance(member, dict) and member.get("objectType") == "Group":
                raise _fail("the members of a Group are Agents, not Groups.", member_path, "group-member-agent")
            _agent(member, member_path)
    if count == 0 and not members:
        raise _fail(
            "an anonymous Group (no identifier) requires a non-empty 'member' list.",
            f"{path}.member",
            "group-member-required",
        )
    if exact_members is not None and (count != 0 or len(members or ()) != exact_members):
        raise _fail(
            f"a Group authority must be an anonymous Group of exactly {exact_members} Agents.", path, "authority-group"
        )
    return obj


def _actor(value: Any, path: str) -> dict[str, Any]:
    """Agent or Group (actor, instructor, object of type Agent/Group)."""
    obj = _object(value, path, "An actor")
    object_type = obj.get("objectType")
    if object_type == "Group":
        return _group(obj, path)
    if object_type is not None and object_type != "Agent":
        raise _fail(f"objectType '{object_type}' must be 'Agent' or 'Group'.", f"{path}.objectType", "object-type")
    return _agent(obj, path)


# ---------------------------------------------------------------------------- objects


def _interaction_components(value: Any, path: str) -> None:
    seen: set[str] = set()
    for i, component in enumerate(_list(value, path, "Interaction components")):
        item_path = f"{path}[{i}]"
        obj = _object(component, item_path, "An interaction component")
        _check_keys(obj, INTERACTION_COMPONENT_PROPERTIES, item_path, "an interaction component")
        if "id" not in obj:
            raise _fail("an interaction component requires 'id'.", f"{item_path}.id", "required")
        component_id = _string(obj["id"], f"{item_path}.id")
        if not component_id:
            raise _fail("an interaction component id cannot be empty.", f"{item_path}.id", "interaction-component-id")
        if component_id in seen:
            raise _fail(
                f"the id '{component_id}' is used twice in this list.", f"{item_path}.id", "interaction-component-id"
            )
        seen.add(component_id)
        if "description" in obj:
            _language_map(obj["description"], f"{item_path}.description")


def _definition(value: Any, path: str) -> None:
    obj = _object(value, path, "An Activity definition")
    _check_keys(obj, DEFINITION_PROPERTIES, path, "an Activity definition")
    if "name" in obj:
        _language_map(obj["name"], f"{path}.name")
    if "description" in obj:
        _language_map(obj["description"], f"{path}.description")
    if "type" in obj:
        _iri(obj["type"], f"{path}.type")
    if "moreInfo" in obj:
        _iri(obj["moreInfo"], f"{path}.moreInfo", "IRL")
    if "extensions" in obj:
        _extensions(obj["extensions"], f"{path}.extensions")
    interaction_type = obj.get("interactionType")
    allowed: frozenset[str] = frozenset()
    if interaction_type is not None:
        if not isinstance(interaction_type, str) or interaction_type not in INTERACTION_COMPONENTS:
            raise _fail(
                f"interactionType '{interaction_type}' is not one of {', '.join(INTERACTION_COMPONENTS)} (exact case).",
                f"{path}.interactionType",
                "interaction-type",
            )
        allowed = INTERACTION_COMPONENTS[interaction_type]
    if "correctResponsesPattern" in obj:
        if interaction_type is None:
            raise _fail(
                "correctResponsesPattern requires an interactionType.",
                f"{path}.interactionType",
                "interaction-type-required",
            )
        patterns = _list(obj["correctResponsesPattern"], f"{path}.correctResponsesPattern", "correctResponsesPattern")
        for i, pattern in enumerate(patterns):
            _string(pattern, f"{path}.correctResponsesPattern[{i}]")
    for name in COMPONENT_LISTS:
        if name in obj:
            if interaction_type is None:
                raise _fail(
                    f"'{name}' requires an interactionType.", f"{path}.interactionType", "interaction-type-required"
                )
            if name not in allowed:
                raise _fail(
                    f"'{name}' is not a component of the '{interaction_type}' interaction type.",
                    f"{path}.{name}",
                    "interaction-component",
                )
            _interaction_components(obj[name], f"{path}.{name}")


def _activity(value: Any, path: str) -> dict[str, Any]:
    obj = _object(value, path, "An Activity")
    _check_keys(obj, ACTIVITY_PROPERTIES, path, "an Activity")
    object_type = obj.get("objectType")
    if object_type is not None and object_type != "Activity":
        raise _fail(f"objectType '{object_type}' is not 'Activity'.", f"{path}.objectType", "object-type")
    if "id" not in obj:
        raise _fail("an Activity requires 'id'.", f"{path}.id", "required")
    _iri(obj["id"], f"{path}.id")
    if "definition" in obj:
        _definition(obj["definition"], f"{path}.definition")
    return obj


def _statement_ref(value: Any, path: str) -> None:
    obj = _object(value, path, "A StatementRef")
    _check_keys(obj, STATEMENT_REF_PROPERTIES, path, "a StatementRef")
    if obj.get("objectType") != "StatementRef":
        raise _fail('a statement reference requires "objectType": "StatementRef".', f"{path}.objectType", "object-type")
    if "id" not in obj:
        raise _fail("a StatementRef requires 'id'.", f"{path}.id", "required")
    _uuid(obj["id"], f"{path}.id")


def _object_of(value: Any, path: str, version: str, *, in_substatement: bool) -> str:
    """Validate a statement's object; return its objectType ("Activity" when absent)."""
    obj = _object(value, path, "The object")
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        _activity(obj, path)
    elif object_type == "Agent":
        _agent(obj, path, object_type_required=True)
    elif object_type == "Group":
        _group(obj, path)
    elif object_type == "StatementRef":
        _statement_ref(obj, path)
    elif object_type == "SubStatement":
        if in_substatement:
            raise _fail(
                "a SubStatement cannot contain another SubStatement.", f"{path}.objectType", "substatement-nested"
            )
        _substatement(obj, path, version)
    elif object_type is None:
        raise _fail("null is not allowed here.", f"{path}.objectType", "null-value")
    else:
        raise _fail(
            f"objectType '{object_type}' is not one of Activity, Agent, Group, SubStatement, StatementRef (exact case).",
            f"{path}.objectType",
            "object-type",
        )
    return object_type


# ----------------------------------------------------------------- result and context


def _result(value: Any, path: str) -> None:
    obj = _object(value, path, "The result")
    _check_keys(obj, RESULT_PROPERTIES, path, "a result")
    if "score" in obj:
        _score(obj["score"], f"{path}.score")
    if "success" in obj:
        _boolean(obj["success"], f"{path}.success")
    if "completion" in obj:
        _boolean(obj["completion"], f"{path}.completion")
    if "response" in obj:
        _string(obj["response"], f"{path}.response")
    if "duration" in obj:
        parse_duration(obj["duration"], path=f"{path}.duration")
    if "extensions" in obj:
        _extensions(obj["extensions"], f"{path}.extensions")


def _score(value: Any, path: str) -> None:
    obj = _object(value, path, "A score")
    _check_keys(obj, SCORE_PROPERTIES, path, "a score")
    if "scaled" in obj:
        scaled = _number(obj["scaled"], f"{path}.scaled")
        if not -1 <= scaled <= 1:
            raise _fail(f"scaled must be between -1 and 1, not {scaled}.", f"{path}.scaled", "score-scaled")
    low = _number(obj["min"], f"{path}.min") if "min" in obj else None
    high = _number(obj["max"], f"{path}.max") if "max" in obj else None
    if low is not None and high is not None and not low < high:
        raise _fail(f"min ({low}) must be less than max ({high}).", f"{path}.max", "score-min-max")
    if "raw" in obj:
        raw = _number(obj["raw"], f"{path}.raw")
        if (low is not None and raw < low) or (high is not None and raw > high):
            raise _fail(f"raw ({raw}) must lie between min and max.", f"{path}.raw", "score-raw")


def _context_activities(value: Any, path: str) -> None:
    obj = _object(value, path, "contextActivities")
    if not obj:
        raise _fail("contextActivities cannot be empty; leave it out instead.", path, "context-activities-empty")
    for key, activities in obj.items():
        key_path = f"{path}.{key}"
        if key not in CONTEXT_ACTIVITY_KEYS:
            raise _fail(
                f"'{key}' is not one of parent, grouping, category, other (exact case).", key_path, "unknown-property"
            )
        if activities is None:
            raise _fail("null is not allowed here.", key_path, "null-value")
        if isinstance(activities, list):
            for i, activity in enumerate(activities):
                _activity(activity, f"{key_path}[{i}]")
        else:
            _activity(activities, key_path)


def _relevant_types(value: Any, path: str) -> None:
    types = _list(value, path, "relevantTypes")
    if not types:
        raise _fail("relevantTypes cannot be empty; leave it out instead.", path, "relevant-types-empty")
    for i, iri in enumerate(types):
        _iri(iri, f"{path}[{i}]")


def _context_agents(value: Any, path: str) -> None:
    for i, item in enumerate(_list(value, path, "contextAgents")):
        item_path = f"{path}[{i}]"
        obj = _object(item, item_path, "A contextAgent")
        _check_keys(obj, CONTEXT_AGENT_PROPERTIES, item_path, "a contextAgent")
        if obj.get("objectType") != "contextAgent":
            raise _fail('requires "objectType": "contextAgent".', f"{item_path}.objectType", "object-type")
        if "agent" not in obj:
            raise _fail("a contextAgent requires 'agent'.", f"{item_path}.agent", "required")
        _agent(obj["agent"], f"{item_path}.agent")
        if "relevantTypes" in obj:
            _relevant_types(obj["relevantTypes"], f"{item_path}.relevantTypes")


def _context_groups(value: Any, path: str) -> None:
    for i, item in enumerate(_list(value, path, "contextGroups")):
        item_path = f"{path}[{i}]"
        obj = _object(item, item_path, "A contextGroup")
        _check_keys(obj, CONTEXT_GROUP_PROPERTIES, item_path, "a contextGroup")
        if obj.get("objectType") != "contextGroup":
            raise _fail('requires "objectType": "contextGroup".', f"{item_path}.objectType", "object-type")
        if "group" not in obj:
            raise _fail("a contextGroup requires 'group'.", f"{item_path}.group", "required")
        _group(obj["group"], f"{item_path}.group")
        if "relevantTypes" in obj:
            _relevant_types(obj["relevantTypes"], f"{item_path}.relevantTypes")


def _context(value: Any, path: str, version: str, object_type: str) -> None:
    obj = _object(value, path, "The context")
    if version == VERSION_2:
        _check_keys(obj, CONTEXT_PROPERTIES_2, path, "a context")
    else:
        for key in CONTEXT_PROPERTIES_2_ONLY:
            if key in obj:
                raise _fail(
                    f"'{key}' exists from xAPI 2.0 on; this request is xAPI 1.0.x.", f"{path}.{key}", "xapi-2.0-only"
                )
        _check_keys(obj, CONTEXT_PROPERTIES_1, path, "a context")
    if "registration" in obj:
        _uuid(obj["registration"], f"{path}.registration")
    if "instructor" in obj:
        _actor(obj["instructor"], f"{path}.instructor")
    if "team" in obj:
        team = obj["team"]
        if isinstance(team, dict) and team.get("objectType") != "Group":
            raise _fail('team must be a Group ("objectType": "Group").', f"{path}.team", "team-group")
        _group(team, f"{path}.team")
    if "contextActivities" in obj:
        _context_activities(obj["contextActivities"], f"{path}.contextActivities")
    for key in ("revision", "platform"):
        if key in obj:
            _string(obj[key], f"{path}.{key}")
            if object_type != "Activity":
                raise _fail(
                    f"context.{key} is only allowed when the object is an Activity (here: {object_type}).",
                    f"{path}.{key}",
                    "context-activity-only",
                )
    if "language" in obj:
        _language_tag(obj["language"], f"{path}.language")
    if "statement" in obj:
        _statement_ref(obj["statement"], f"{path}.statement")
    if "extensions" in obj:
        _extensions(obj["extensions"], f"{path}.extensions")
    if "contextAgents" in obj:
        _context_agents(obj["contextAgents"], f"{path}.contextAgents")
    if "contextGroups" in obj:
        _context_groups(obj["contextGroups"], f"{path}.contextGroups")


def _attachments(value: Any, path: str) -> None:
    for i, item in enumerate(_list(value, path, "attachments")):
        item_path = f"{path}[{i}]"
        obj = _object(item, item_path, "An attachment")
        _check_keys(obj, ATTACHMENT_PROPERTIES, item_path, "an attachment")
        for required in ("usageType", "display", "contentType", "length", "sha2"):
            if required not in obj:
                raise _fail(f"an attachment requires '{required}'.", f"{item_path}.{required}", "required")
        _iri(obj["usageType"], f"{item_path}.usageType")
        _language_map(obj["display"], f"{item_path}.display")
        if "description" in obj:
            _language_map(obj["description"], f"{item_path}.description")
        content_type = _string(obj["contentType"], f"{item_path}.contentType")
        if not _MIME_RE.match(content_type):
            raise _fail(f"'{content_type}' is not an Internet media type.", f"{item_path}.contentType", "media-type")
        length = obj["length"]
        if isinstance(length, bool) or not isinstance(length, int):
            raise _fail("must be an integer number of octets.", f"{item_path}.length", "type-integer")
        if length < 0:
            raise _fail("cannot be negative.", f"{item_path}.length", "attachment-length")
        sha2 = _string(obj["sha2"], f"{item_path}.sha2")
        if len(sha2) not in _SHA2_LENGTHS or not _HEX_RE.match(sha2):
            raise _fail(
                "must be the hexadecimal SHA-2 hash (SHA-224, -256, -384 or -512).", f"{item_path}.sha2", "sha2"
            )
        if "fileUrl" in obj:
            _iri(obj["fileUrl"], f"{item_path}.fileUrl", "IRL")


# ------------------------------------------------------------------------- statements


def _core(obj: dict[str, Any], path: str, version: str, *, in_substatement: bool) -> str:
    """What statements and sub-statements share: actor, verb, object, result, context..."""
    for required in ("actor", "verb", "object"):
        if required not in obj:
            raise _fail(f"a statement requires '{required}'.", f"{path}.{required}", "required")
    _actor(obj["actor"], f"{path}.actor")
    verb = _object(obj["verb"], f"{path}.verb", "The verb")
    _check_keys(verb, VERB_PROPERTIES, f"{path}.verb", "a verb")
    if "id" not in verb:
        raise _fail("a verb requires 'id'.", f"{path}.verb.id", "required")
    _iri(verb["id"], f"{path}.verb.id")
    if "display" in verb:
        _language_map(verb["display"], f"{path}.verb.display")
    object_type = _object_of(obj["object"], f"{path}.object", version, in_substatement=in_substatement)
    if "result" in obj:
        _result(obj["result"], f"{path}.result")
    if "context" in obj:
        _context(obj["context"], f"{path}.context", version, object_type)
    if "timestamp" in obj:
        parse_timestamp(obj["timestamp"], path=f"{path}.timestamp", version=version)
    if "attachments" in obj:
        _attachments(obj["attachments"], f"{path}.attachments")
    return object_type


def _substatement(obj: dict[str, Any], path: str, version: str) -> None:
    for key in SUBSTATEMENT_FORBIDDEN:
        if key in obj:
            raise _fail(f"a SubStatement cannot have '{key}'.", f"{path}.{key}", "substatement-property")
    _check_keys(obj, SUBSTATEMENT_PROPERTIES, path, "a SubStatement")
    _core(obj, path, version, in_substatement=True)


def validate_statement(statement: Any, *, version: str, path: str = "statement") -> None:
    """Raise ``XapiError`` (400) at the first violation of xAPI ``version`` ("2.0.0" or "1.0.x").

    The error carries the JSON path of the offending element and a short rule id. The
    statement is not modified (normalising contextActivities to arrays, filling id,
    stored, authority and version is the storage's job).
    """
    obj = _object(statement, path, "A statement")
    _check_keys(obj, STATEMENT_PROPERTIES, path, "a statement")
    if "id" in obj:
        _uuid(obj["id"], f"{path}.id")
    object_type = _core(obj, path, version, in_substatement=False)
    if "stored" in obj:
        parse_timestamp(obj["stored"], path=f"{path}.stored", version=version)
    if "authority" in obj:
        authority = _object(obj["authority"], f"{path}.authority", "The authority")
        if authority.get("objectType") == "Group":
            _group(authority, f"{path}.authority", exact_members=2)
        else:
            _actor(authority, f"{path}.authority")
    if "version" in obj:
        declared = _string(obj["version"], f"{path}.version")
        pattern = _VERSION_2_RE if version == VERSION_2 else _VERSION_1_RE
        if not pattern.match(declared):
            accepted = "1.0, 1.0.x, 2.0 or 2.0.x" if version == VERSION_2 else "1.0 or 1.0.x"
            raise _fail(f"version '{declared}' is not {accepted}.", f"{path}.version", "version")
    if obj["verb"]["id"] == VOIDED_VERB and object_type != "StatementRef":
        raise _fail(
            "a voiding statement (verb 'voided') must have a StatementRef object.",
            f"{path}.object",
            "voiding-statementref",
        )


def validate_statements(payload: Any, *, version: str) -> list[dict[str, Any]]:
    """The statements of a request body (one object or an array), validated whole.

    Raises ``XapiError`` for an empty array, anything else than an object or an array, the
    first invalid statement (path ``statements[i]...``) and an id used twice in the batch.
    """
    if isinstance(payload, dict):
        validate_statement(payload, version=version, path="statement")
        return [payload]
    if not isinstance(payload, list):
        raise XapiError("The body must be a statement object or an array of statements.", path="", rule="type-object")
    if not payload:
        raise XapiError("The array of statements is empty.", path="statements", rule="batch-empty")
    seen: dict[str, int] = {}
    for i, statement in enumerate(payload):
        path = f"statements[{i}]"
        validate_statement(statement, version=version, path=path)
        statement_id = statement.get("id")
        if statement_id is not None:
            key = statement_id.lower()
            if key in seen:
                raise _fail(
                    f"the id {statement_id} is already used by statements[{seen[key]}] in this batch.",
                    f"{path}.id",
                    "batch-duplicate-id",
                )
            seen[key] = i
    return payload


# ------------------------------------------------------------------ identity and hashes


def normalise_context_activities(statement: dict[str, Any]) -> dict[str, Any]:
    """Turn single contextActivities values into arrays, in place (sub-statement included),
    as the LRS must return them (XAPI-00096); returns the statement. Call after validation."""
    for part in (statement, statement.get("object")):
        if not isinstance(part, dict):
            continue
        context = part.get("context")
        activities = context.get("contextActivities") if isinstance(context, dict) else None
        if isinstance(activities, dict):
            for key, value in activities.items():
                if isinstance(value, dict):
                    activities[key] = [value]
    return statement


def agent_ifi(agent: dict[str, Any]) -> str | None:
    """Canonical IFI text of an (already validated) Agent or identified Group, as in
    ``models.Agent.ifi``; ``None`` for an anonymous Group.

    ``mbox:mailto:x@y`` (the scheme lower-cased, the address kept as given),
    ``mbox_sha1sum:<hex lower>``, ``openid:<uri>``, ``account:<homePage>|<name>``.
    """
    mbox = agent.get("mbox")
    if mbox is not None:
        return "mbox:mailto:" + mbox[7:]
    sha1 = agent.get("mbox_sha1sum")
    if sha1 is not None:
        return "mbox_sha1sum:" + sha1.lower()
    openid = agent.get("openid")
    if openid is not None:
        return "openid:" + openid
    account = agent.get("account")
    if account is not None:
        return f"account:{account['homePage']}|{account['name']}"
    return None


def canonical_json(obj: Any) -> str:
    """JSON text with sorted keys and no spaces (content hashes, comparisons)."""
    return fastjson.dumps(obj, sort_keys=True)


def _compare_actor(agent: Any) -> Any:
    if not isinstance(agent, dict):
        return agent
    out = {k: v for k, v in agent.items() if k not in ("mbox", "mbox_sha1sum", "member")}
    if agent.get("objectType") == "Agent":
        del out["objectType"]  # "Agent" is the default of an actor
    if "mbox" in agent:
        out["mbox"] = "mailto:" + agent["mbox"][7:]
    if "mbox_sha1sum" in agent:
        out["mbox_sha1sum"] = agent["mbox_sha1sum"].lower()
    if "member" in agent:
        # The members of a Group are an unordered list.
        out["member"] = sorted((_compare_actor(m) for m in agent["member"]), key=canonical_json)
    return out


def _compare_activity(activity: Any) -> Any:
    # The definition of an Activity is not part of the statement (1.0.3 2.3.1).
    if isinstance(activity, dict):
        return {"objectType": "Activity", "id": activity.get("id")}
    return activity


def _compare_object(obj: Any) -> Any:
    if not isinstance(obj, dict):
        return obj
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        return _compare_activity(obj)
    if object_type in ("Agent", "Group"):
        return {**_compare_actor(obj), "objectType": object_type}
    if object_type == "StatementRef":
        return {"objectType": "StatementRef", "id": str(obj.get("id", "")).lower()}
    return _compare_core(obj, top=False)


def _compare_context(context: dict[str, Any]) -> dict[str, Any]:
    out = dict(context)
    if "registration" in out:
        out["registration"] = str(out["registration"]).lower()
    for key in ("instructor", "team"):
        if key in out:
            out[key] = _compare_actor(out[key])
    if "statement" in out:
        out["statement"] = _compare_object(out["statement"])
    activities = out.get("contextActivities")
    if isinstance(activities, dict):
        out["contextActivities"] = {
            key: [_compare_activity(a) for a in (value if isinstance(value, list) else [value])]
            for key, value in activities.items()
        }
    if "contextAgents" in out:
        out["contextAgents"] = [{**item, "agent": _compare_actor(item.get("agent"))} for item in out["contextAgents"]]
    if "contextGroups" in out:
        out["contextGroups"] = [{**item, "group": _compare_actor(item.get("group"))} for item in out["contextGroups"]]
    return out


def _compare_core(statement: dict[str, Any], *, top: bool) -> dict[str, Any]:
    ignored = (
        ("id", "authority", "stored", "version", "attachments", "timestamp") if top else ("attachments", "timestamp")
    )
    out = {k: v for k, v in statement.items() if k not in ignored}
    if top:
        out.pop("objectType", None)
    elif "timestamp" in statement:
        out["timestamp"] = _instant(statement["timestamp"])
    if "actor" in out:
        out["actor"] = _compare_actor(out["actor"])
    if isinstance(out.get("verb"), dict):
        out["verb"] = {"id": out["verb"].get("id")}  # the display is not part of the statement
    if "object" in out:
        out["object"] = _compare_object(out["object"])
    if isinstance(out.get("context"), dict):
        out["context"] = _compare_context(out["context"])
    if isinstance(out.get("result"), dict) and "duration" in out["result"]:
        out["result"] = {**out["result"], "duration": _compare_duration(out["result"]["duration"])}
    return out


_SECONDS_RE = re.compile(r"(\d+)(?:[.,](\d*))?S\Z")


def _compare_duration(value: Any) -> Any:
    """A duration with its seconds cut to hundredths: precision beyond 0.01 s is not part
    of a comparison (xAPI 2.0, 4.2.7; "PT1.2S" and "PT1.20S" compare equal)."""
    if not isinstance(value, str):
        return value
    match = _SECONDS_RE.search(value)
    if match is None:
        return value
    hundredths = (match.group(2) or "")[:2].ljust(2, "0")
    return f"{value[: match.start()]}{int(match.group(1))}.{hundredths}S"


def _instant(value: Any) -> Any:
    try:
        return parse_timestamp(value, path="timestamp").timestamp()
    except XapiError:
        return value


def comparison_form(statement: dict[str, Any]) -> dict[str, Any]:
    """The parts of a valid statement that the Statement Comparison Requirements compare.

    Left out: the properties the LRS may assign (id, authority, stored, timestamp,
    version), attachments, Activity definitions and verb displays (not part of the
    statement). Normalised: UUID case, the mailto scheme and SHA-1 case, single
    contextActivities as arrays, Group members as an unordered list, sub-statement
    timestamps as instants, result durations cut to hundredths of a second. Object key
    order never matters (compare dicts or hash ``canonical_json`` of this form).
    """
    return _compare_core(statement, top=True)


def statements_equivalent(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether ``b`` re-sends ``a`` (same id: 204/200 if equivalent, 409 if not).

    Compares ``comparison_form`` of both, and the instants of their timestamps when both
    carry one (the LRS fills a missing timestamp, so absence on one side is no difference).
    """
    if comparison_form(a) != comparison_form(b):
        return False
    if "timestamp" in a and "timestamp" in b:
        return _instant(a["timestamp"]) == _instant(b["timestamp"])
    return True


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise XapiError(f"The property '{key}' appears twice in one JSON object.", rule="duplicate-key")
            seen.add(key)
    return obj


def _reject_constant(name: str) -> Any:
    raise XapiError(f"{name} is not valid JSON.", rule="json")


def loads_strict(text: str | bytes) -> Any:
    """``json.loads`` that rejects duplicate keys (XAPI-00021) and NaN/Infinity.

    Fast path: orjson parses (it refuses NaN/Infinity itself), and a duplicate key is ruled
    out by counting: in the text, every key ends with ``"`` then ``:`` (blanks between), which
    no string value can be followed by, so the count is the number of keys plus the quotes
    followed by a colon inside strings; written back compactly by orjson, the result counts
    its keys plus the quotes directly followed by a colon inside its strings. A duplicate
    removes a key from the result: when both counts are equal there is none (a text
    spelling a quote ``\\u0022`` takes the standard path, which also runs for any refusal
    and for integers past 64 bits that orjson would read as floats).
    """
    raw = text.encode() if isinstance(text, str) else text
    if b"\\u0022" not in raw.lower() and _LONG_NUMBER not in raw.translate(_DIGITS_TO_9):
        try:
            parsed = orjson.loads(raw)
            written = orjson.dumps(parsed)
        except (orjson.JSONDecodeError, orjson.JSONEncodeError):
            pass
        else:
            if len(_KEY_END.findall(raw)) == written.count(b'":'):
                return parsed
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise XapiError(f"The body is not valid JSON: {exc}", rule="json") from None


# Digits become "9", everything else a blank: a run of 19 nines is a long integer (cheaper
# than a regular expression over the whole body).
_DIGITS_TO_9 = bytes(57 if 48 <= b <= 57 else 32 for b in range(256))
_LONG_NUMBER = b"9" * 19
_KEY_END = re.compile(rb'"\s*:')


def validate_agent(value: Any, *, path: str) -> dict[str, Any]:
    """An Agent object on its own (the ``agent`` parameter of the document resources)."""
    return _agent(value, path)


def validate_iri(value: Any, *, path: str) -> str:
    """An absolute IRI (the ``activityId`` parameter and the like)."""
    return _iri(value, path)


# ------------------------------------------------------------------ signed statements

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
JWS_ALGORITHMS = ("RS256", "RS384", "RS512")


def _b64url(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_\-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_jws(jws: bytes, *, path: str) -> dict[str, Any]:
    """The payload of a statement signature (a JWS in compact serialization), verified.

    xAPI 1.0.3 Data 2.6 / 2.0 4.2.7.1: the algorithm is RS256, RS384 or RS512 (400
    otherwise); "if the JWS header includes an X.509 certificate, validate the signature
    against that certificate": the RSA signature is checked with the public key of the
    first certificate of ``x5c`` (400 when it does not verify). Without ``x5c`` the LRS has
    no key to check with, and the specification has it accept the structurally valid
    signature (the certificate's trust chain is not judged either: the spec leaves trust to
    the reader of the statement).
    """
    try:
        header_b64, payload_b64, signature_b64 = jws.decode("ascii").strip().split(".")
        header = json.loads(_b64url(header_b64))
        payload = json.loads(_b64url(payload_b64))
        signature = _b64url(signature_b64)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise XapiError("The signature is not a JWS in compact form.", path=path, rule="signature") from None
    if not isinstance(header, dict) or header.get("alg") not in JWS_ALGORITHMS:
        raise XapiError("A statement signature uses RS256, RS384 or RS512.", path=path, rule="signature")
    if not isinstance(payload, dict):
        raise XapiError("The signed payload is not a statement (a JSON object).", path=path, rule="signature")
    if "x5c" in header:
        _verify_rsa(header, f"{header_b64}.{payload_b64}".encode("ascii"), signature, path)
    return payload


def _verify_rsa(header: dict[str, Any], signing_input: bytes, signature: bytes, path: str) -> None:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    chain = header["x5c"]
    try:
        if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
            raise ValueError("x5c is a list of base64 certificates")
        certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0], validate=True))
        key = certificate.public_key()
    except (ValueError, binascii.Error):
        raise XapiError(
            "The x5c header of the signature does not hold a DER certificate in base64.", path=path, rule="signature"
        ) from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise XapiError("The signing certificate does not hold an RSA key.", path=path, rule="signature")
    digest = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}[header["alg"]]
    try:
        key.verify(signature, signing_input, padding.PKCS1v15(), digest)
    except InvalidSignature:
        raise XapiError(
            "The statement's signature does not verify with the key of its x5c certificate.",
            path=path,
            rule="signature",
        ) from None


def signed_payload_matches(payload: dict[str, Any], statement: dict[str, Any]) -> bool:
    """Whether the signed payload is the statement (the Statement Comparison Requirements;
    the attachments, and the properties the LRS sets, are left out)."""

    def strip(data: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in data.items() if k not in ("attachments", "authority", "stored", "version")}
        if "id" not in payload:
            out.pop("id", None)
        return out

    if "id" in payload and str(payload.get("id", "")).lower() != str(statement.get("id", "")).lower():
        return False
    return statements_equivalent(strip(payload), strip(statement))
