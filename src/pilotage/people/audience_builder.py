"""The audience builder's form state: a tree of rule rows and groups posted as flat fields.

Every node has a key that is its position: "r" (the root group), "r.0", "r.1.2"… Posted
fields are ``node`` (one per node, repeated) and ``<key>-<name>`` for its values. The state
is rebuilt from each POST, changed by the named button pressed (``action=add_rule:r.1``,
``add_group:r``, ``remove:r.0``, ``refresh``), and rendered again: the same code serves
htmx requests (the form partial) and plain form posts (the whole page), no custom JS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from pilotage.people import audiences, queries
from pilotage.people.models import Employee

KEY_RE = re.compile(rf"^r(\.\d{{1,3}}){{0,{audiences.MAX_DEPTH}}}$")
MAX_NODES = 200
NUMBER_SPLIT_RE = re.compile(r"[\s,;]+")


@dataclass
class Node:
    key: str
    kind: str = "rule"  # "rule" | "group"
    op: str = "and"
    field: str = ""
    operator: str = ""
    choices: list[str] = dc_field(default_factory=list)  # ids, country or language codes, as strings
    date_from: str = ""
    date_to: str = ""
    employee: str = ""  # the manager's employee number
    attr_key: str = ""
    attr_value: str = ""  # "equals": the value; "in": values separated by commas
    flag: str = "true"  # "active is": "true" / "false"
    children: list[Node] = dc_field(default_factory=list)
    errors: list[str] = dc_field(default_factory=list)
    options: list[dict[str, Any]] = dc_field(default_factory=list)  # filled by the view for select widgets

    @property
    def depth(self) -> int:
        """1 for the root group."""
        return self.key.count(".") + 1

    @property
    def label(self) -> str:
        """A human position: "2", "2.1" (1-based)."""
        return ".".join(str(int(p) + 1) for p in self.key.split(".")[1:])

    @property
    def operators(self) -> list[tuple[str, str]]:
        return [(op, str(audiences.OPERATOR_LABELS[(self.field, op)])) for op in audiences.FIELDS.get(self.field, ())]

    @property
    def can_nest(self) -> bool:
        return self.kind == "group" and self.depth < audiences.MAX_DEPTH

    def walk(self) -> list[Node]:
        out = [self]
        for child in self.children:
            out += child.walk()
        return out


def _index(key: str) -> int:
    return int(key.rsplit(".", 1)[1])


def _renumber(node: Node, key: str = "r") -> None:
    node.key = key
    for i, child in enumerate(node.children):
        _renumber(child, f"{key}.{i}")


def _normalise(node: Node) -> None:
    if node.kind == "group":
        if node.op not in ("and", "or"):
            node.op = "and"
        for child in node.children:
            _normalise(child)
        return
    if node.field not in audiences.FIELDS:
        node.field, node.operator = "", ""
    elif node.operator not in audiences.FIELDS[node.field]:
        node.operator = audiences.FIELDS[node.field][0]


def empty_state() -> Node:
    """A new audience: an "all of" group with one empty rule row."""
    return Node(key="r", kind="group", children=[Node(key="r.0")])


def state_from_post(data: QueryDict) -> Node:
    """Rebuild the tree from posted fields (unknown or malformed keys are dropped)."""
    keys = [k for k in data.getlist("node") if KEY_RE.match(k)][:MAX_NODES]
    nodes: dict[str, Node] = {"r": Node(key="r", kind="group")}
    for key in sorted(set(keys), key=lambda k: [int(p) for p in k.split(".")[1:]]):
        kind = "group" if data.get(f"{key}-kind") == "group" or key == "r" else "rule"
        node = nodes.get(key) or Node(key=key, kind=kind)
        node.kind = kind
        node.op = data.get(f"{key}-op", "and")
        node.field = data.get(f"{key}-field", "")
        node.operator = data.get(f"{key}-operator", "")
        node.choices = [v for v in data.getlist(f"{key}-choices") if v][: audiences.MAX_VALUES]
        node.date_from = data.get(f"{key}-from", "").strip()
        node.date_to = data.get(f"{key}-to", "").strip()
        node.employee = data.get(f"{key}-employee", "").strip()
        node.attr_key = data.get(f"{key}-key", "").strip()
        node.attr_value = data.get(f"{key}-value", "").strip()
        node.flag = data.get(f"{key}-flag", "true")
        nodes[key] = node
        if key != "r":
            parent = nodes.get(key.rsplit(".", 1)[0])
            if parent is not None and parent.kind == "group":
                parent.children.append(node)
    root = nodes["r"]
    _normalise(root)
    return root


def apply_action(root: Node, action: str) -> Node:
    """Add a rule or a group to a group, remove a node; then renumber the keys."""
    verb, _sep, key = action.partition(":")
    by_key = {n.key: n for n in root.walk()}
    target = by_key.get(key)
    if verb == "add_rule" and target is not None and target.kind == "group":
        target.children.append(Node(key=f"{key}.x"))
    elif verb == "add_group" and target is not None and target.can_nest:
        target.children.append(Node(key=f"{key}.x", kind="group", op="or", children=[Node(key=f"{key}.x.0")]))
    elif verb == "remove" and target is not None and key != "r":
        parent = by_key.get(key.rsplit(".", 1)[0])
        if parent is not None:
            parent.children = [c for c in parent.children if c is not target]
    if len(root.walk()) > MAX_NODES:
        root.errors.append(_("Too many rows: at most %(n)d.") % {"n": MAX_NODES})
    _renumber(root)
    return root


# --------------------------------------------------------------------------- JSON <-> state


def _ints(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


def state_to_rules(root: Node, *, user: Any) -> tuple[dict[str, Any], dict[str, str], bool]:
    """The rules JSON of the state, the map JSON path -> node key, and whether a row had an
    error that stops a save (e.g. an unknown manager number). Rows without a field are skipped."""
    numbers = {n.employee for n in root.walk() if n.kind == "rule" and n.field == "manager" and n.employee}
    by_number = dict(
        queries.employee_list(user=user).filter(employee_number__in=numbers).values_list("employee_number", "pk")
    )
    paths: dict[str, str] = {}
    blocked = False

    def convert(node: Node, path: str) -> dict[str, Any] | None:
        nonlocal blocked
        paths[path] = node.key
        if node.kind == "group":
            children: list[dict[str, Any]] = []
            for child in node.children:
                converted = convert(child, f"{path}.rules[{len(children)}]")
                if converted is not None:
                    children.append(converted)
            return {"op": node.op, "rules": children}
        if not node.field:
            return None
        value: Any
        if node.field in ("org_unit", "site", "job_role"):
            value = _ints(node.choices)
        elif node.field in ("country", "language"):
            value = list(node.choices)
        elif node.field == "hire_date":
            value = {k: v for k, v in (("from", node.date_from), ("to", node.date_to)) if v}
        elif node.field == "manager":
            if not node.employee:
                node.errors.append(_("Give the manager's employee number."))
                blocked = True
                return None
            if node.employee not in by_number:
                node.errors.append(_("No employee with number %(n)s in your scope.") % {"n": node.employee})
                blocked = True
                return None
            value = by_number[node.employee]
        elif node.field == "attribute":
            if node.operator == "in":
                items = [v.strip() for v in node.attr_value.split(",") if v.strip()]
                value = {"key": node.attr_key, "values": items}
            else:
                value = {"key": node.attr_key, "value": node.attr_value}
        else:  # active
            value = node.flag != "false"
        return {"field": node.field, "operator": node.operator, "value": value}

    rules = convert(root, "rules") or {"op": "and", "rules": []}
    return rules, paths, blocked


def attach_errors(root: Node, errors: dict[str, list[str]], paths: dict[str, str]) -> list[str]:
    """Put compile errors on the rows they name (longest JSON path prefix); returns the rest."""
    by_key = {n.key: n for n in root.walk()}
    rest: list[str] = []
    ordered = sorted(paths, key=len, reverse=True)
    for path, messages in errors.items():
        match = next((p for p in ordered if path == p or path.startswith(p + ".")), None)
        if match is None or match == "rules" and path == "rules":
            rest += messages
            continue
        by_key[paths[match]].errors += messages
    return rest


def state_from_rules(rules: Any) -> Node:
    """The builder state of saved rules (edit page)."""
    if not isinstance(rules, dict) or not rules.get("rules"):
        return empty_state()
    manager_ids: set[int] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict) and "rules" in node:
            for child in node.get("rules") or []:
                collect(child)
        elif isinstance(node, dict) and node.get("field") == "manager" and isinstance(node.get("value"), int):
            manager_ids.add(node["value"])

    collect(rules)
    numbers = dict(Employee.objects.filter(pk__in=manager_ids).values_list("pk", "employee_number"))

    def build(node: dict[str, Any], key: str) -> Node:
        if "rules" in node:
            group = Node(key=key, kind="group", op=node.get("op", "and"))
            group.children = [
                build(child, f"{key}.{i}") for i, child in enumerate(node.get("rules") or []) if isinstance(child, dict)
            ]
            return group
        value = node.get("value")
        out = Node(key=key, field=str(node.get("field", "")), operator=str(node.get("operator", "")))
        if out.field in ("org_unit", "site", "job_role", "country", "language") and isinstance(value, list):
            out.choices = [str(v) for v in value]
        elif out.field == "hire_date" and isinstance(value, dict):
            out.date_from, out.date_to = value.get("from") or "", value.get("to") or ""
        elif out.field == "manager":
            out.employee = numbers.get(value, "") if isinstance(value, int) else ""
        elif out.field == "attribute" and isinstance(value, dict):
            out.attr_key = str(value.get("key", ""))
            if out.operator == "in":
                out.attr_value = ", ".join(str(v) for v in value.get("values") or [])
            else:
                out.attr_value = str(value.get("value", ""))
        elif out.field == "active":
            out.flag = "false" if value is False else "true"
        return out

    root = build(rules, "r")
    _normalise(root)
    return root


def parse_numbers(text: str, *, user: Any) -> tuple[list[int], list[str]]:
    """Employee numbers typed by hand -> (ids in scope, numbers not found)."""
    numbers = [n for n in dict.fromkeys(NUMBER_SPLIT_RE.split(text or "")) if n][:10_000]
    found = dict(
        queries.employee_list(user=user).filter(employee_number__in=numbers).values_list("employee_number", "pk")
    )
    return [found[n] for n in numbers if n in found], [n for n in numbers if n not in found]
