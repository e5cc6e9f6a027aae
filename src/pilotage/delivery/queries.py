"""Scoped reads of delivery (``for_user`` pattern): 403 when the role may not, 404 when out of scope."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from pilotage.delivery import permissions
from pilotage.delivery.models import Cohort, Enrolment, Session
from pilotage.people.models import Employee
from pilotage.people.permissions import is_staff_member


def team_q(manager_employee_id: int, field: str = "") -> Q:
    """Employees managed by ``manager_employee_id``, directly or not (``field`` prefixes the lookup)."""
    return Q(**{f"{field}manager_path__contains": f"/{manager_employee_id}/"}) | Q(
        **{f"{field}manager_id": manager_employee_id}
    )


def team_list(*, user: Any) -> QuerySet[Employee]:
    if not permissions.is_manager(user):
        raise PermissionDenied
    return Employee.objects.filter(team_q(user.employee_id), active=True)


def cohort_list(*, user: Any) -> QuerySet[Cohort]:
    if not permissions.can_see_cohorts(user):
        raise PermissionDenied
    qs = Cohort.objects.select_related("path", "path__programme")
    if is_staff_member(user):
        return qs
    q = Q(pk__in=[])
    if permissions.is_facilitator(user):
        q |= Q(facilitators=user) | Q(sessions__facilitators=user)
    if permissions.has_role_client(user):
        q |= Q(path__programme__sponsor_id=user.pk)
    return qs.filter(q).distinct()


def cohort_get(*, user: Any, pk: int) -> Cohort:
    obj = cohort_list(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def cohort_for_manage(*, user: Any, pk: int) -> Cohort:
    """A cohort the user may change: 404 out of scope, 403 when only readable."""
    cohort = cohort_get(user=user, pk=pk)
    if not permissions.can_manage_delivery(user):
        raise PermissionDenied
    return cohort


def session_list(*, user: Any) -> QuerySet[Session]:
    if not permissions.can_see_cohorts(user):
        raise PermissionDenied
    qs = Session.objects.select_related("cohort", "cohort__path", "cohort__path__programme", "step")
    if is_staff_member(user):
        return qs
    q = Q(pk__in=[])
    if permissions.is_facilitator(user):
        q |= Q(facilitators=user) | Q(cohort__facilitators=user)
    if permissions.has_role_client(user):
        q |= Q(cohort__path__programme__sponsor_id=user.pk)
    return qs.filter(q).distinct()


def session_get(*, user: Any, pk: int) -> Session:
    obj = session_list(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def session_for_manage(*, user: Any, pk: int) -> Session:
    session = session_get(user=user, pk=pk)
    if not permissions.can_manage_delivery(user):
        raise PermissionDenied
    return session


def session_for_attendance(*, user: Any, pk: int) -> Session:
    """A session whose attendance the user may take: the team, or one of its facilitators."""
    if not permissions.can_take_attendance(user):
        raise PermissionDenied
    qs = Session.objects.select_related("cohort", "cohort__path", "cohort__path__programme")
    if not is_staff_member(user):
        qs = qs.filter(Q(facilitators=user) | Q(cohort__facilitators=user)).distinct()
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def enrolment_list(*, user: Any) -> QuerySet[Enrolment]:
    """Enrolments in scope: the team all; a facilitator those of their cohorts; a manager their
    team's; an internal client those of the programmes they sponsor; anyone their own."""
    qs = Enrolment.objects.select_related("cohort", "cohort__path", "cohort__path__programme", "employee")
    if is_staff_member(user):
        return qs
    q = Q(pk__in=[])
    if getattr(user, "employee_id", None):
        q |= Q(employee_id=user.employee_id)
    if permissions.is_facilitator(user):
        q |= Q(cohort__facilitators=user) | Q(cohort__sessions__facilitators=user)
    if permissions.is_manager(user):
        q |= team_q(user.employee_id, "employee__")
    if permissions.has_role_client(user):
        q |= Q(cohort__path__programme__sponsor_id=user.pk)
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied
    return qs.filter(q).distinct()


def enrolment_get(*, user: Any, pk: int) -> Enrolment:
    obj = enrolment_list(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def my_enrolments(*, user: Any) -> QuerySet[Enrolment]:
    """The learner's own enrolments (the portal)."""
    if not permissions.has_learner_space(user):
        raise PermissionDenied
    return Enrolment.objects.select_related("cohort", "cohort__path", "cohort__path__programme").filter(
        employee_id=user.employee_id
    )
