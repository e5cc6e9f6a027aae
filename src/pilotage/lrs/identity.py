"""Learner identity: statement actors (``lrs.Agent``) linked to employees.

Most actors are matched when first seen (``services._match_employees``: e-mail, or an
account whose name is an employee number). The others are listed for the DLM, who links
each to an employee; linking re-attributes the actor's history:

- ``Agent.employee`` is set;
- the actor's ``LearnerProgress`` rows take the employee;
- the daily rollups move the actor's statements from the org unit they were counted
  under (none, or the former employee's unit) to the employee's unit — computed from the
  statements in one grouped query (day in ``TIME_ZONE``, activity, verb), then applied
  with two multi-row upserts, so that concurrent ingestion adding to the same rollup rows
  loses nothing.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext as _

from pilotage.core.audit import audit_record
from pilotage.core.errors import ValidationFailed
from pilotage.lrs import eras
from pilotage.lrs.models import Agent, DailyActivity, LearnerProgress, Statement
from pilotage.people.models import Employee


def _move_daily_counts(rows: list[tuple[Any, int, int, int]], from_unit: int, to_unit: int) -> None:
    """Add each (day, activity, verb, n) to ``to_unit`` and take it from ``from_unit``.

    ``INSERT ... ON CONFLICT DO UPDATE SET count = count + excluded.count`` runs the
    arithmetic in the database (same SQL on SQLite and PostgreSQL); rows left at zero or
    below are deleted.
    """
    if not rows:
        return
    table = connection.ops.quote_name(DailyActivity._meta.db_table)
    per_statement = 150  # 5 parameters a row: well under SQLite's 999
    with connection.cursor() as cursor:
        for unit, sign in ((to_unit, 1), (from_unit, -1)):
            for start in range(0, len(rows), per_statement):
                chunk = rows[start : start + per_statement]
                values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
                params: list[Any] = []
                for day, activity_key, verb_id, n in chunk:
                    params += [day, activity_key, verb_id, unit, sign * n]
                cursor.execute(
                    f"INSERT INTO {table} (day, activity_key, verb_id, org_unit_key, count) VALUES {values} "
                    f"ON CONFLICT (day, activity_key, verb_id, org_unit_key) "
                    f"DO UPDATE SET count = {table}.count + excluded.count",
                    params,
                )
    DailyActivity.objects.filter(org_unit_key=from_unit, count__lte=0).delete()


@transaction.atomic
def agent_link_employee(*, actor: Any, agent: Agent, employee: Employee) -> Agent:
    """Link an actor to an employee and re-attribute its progress and daily rollups."""
    agent = Agent.objects.select_for_update(of=("self",)).select_related("employee").get(pk=agent.pk)
    previous = agent.employee
    if previous is not None and previous.pk == employee.pk:
        return agent
    agent.employee = employee
    agent.save(update_fields=["employee"])
    LearnerProgress.objects.filter(agent=agent).update(employee=employee)

    from_unit = (previous.org_unit_id or 0) if previous is not None else 0
    to_unit = employee.org_unit_id or 0
    moved = 0
    if from_unit != to_unit:
        tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        groups = (
            Statement.objects.filter(eras.every_era(), actor=agent)
            .annotate(day=TruncDate("timestamp", tzinfo=tz), activity_key=Coalesce("activity_id", 0))
            .values("day", "activity_key", "verb_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        rows = [(g["day"], g["activity_key"], g["verb_id"], g["n"]) for g in groups]
        moved = sum(r[3] for r in rows)
        _move_daily_counts(rows, from_unit, to_unit)

    audit_record(
        actor=actor,
        action="lrs_agent.link",
        instance=agent,
        changes={"employee": [previous.pk if previous else None, employee.pk]},
        note=f"{moved} statements re-attributed from org unit {from_unit or '-'} to {to_unit or '-'}",
    )
    return agent


def employee_by_number(number: str) -> Employee:
    """The employee with this number, or a ValidationFailed naming the field."""
    employee = Employee.objects.filter(employee_number=(number or "").strip()).first()
    if employee is None:
        raise ValidationFailed({"employee_number": [_("No employee has the number “%(n)s”.") % {"n": number}]})
    return employee


def unmatched_agent_list(*, q: str = "") -> QuerySet[Agent]:
    """Actors with statements and no employee, newest first, with ``statement_count`` and
    ``last_seen`` (computed for the rows of the page only: correlated subqueries)."""
    statements = Statement.objects.filter(eras.every_era(), actor=OuterRef("pk"))  # the actor index is per era
    qs = Agent.objects.filter(employee__isnull=True).filter(Exists(statements))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(ifi__icontains=q))
    count = statements.order_by().values("actor").annotate(n=Count("id")).values("n")
    last = statements.order_by().values("actor").annotate(m=Max("stored")).values("m")
    return qs.annotate(
        statement_count=Subquery(count, output_field=IntegerField()),
        last_seen=Subquery(last),
    ).order_by("-first_seen", "-pk")
