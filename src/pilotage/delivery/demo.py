"""Demo delivery for Groupe Orvalis: cohorts, sessions, enrolments, attendance, a year of
learning statements and reminder rules for the demo programmes (``pilotage demo-delivery``).

What it makes, relative to the day it runs (decision 0039):

- facilitators: the demo's external trainer plus two more (an internal "chargé de formation"
  and a second external trainer), created through the people services when missing;
- delivery settings per programme (self-enrolment, manager approval, audience only, due days);
- cohorts of the programmes that are running (past, current and upcoming), closed after running
  (past) or in deployment (upcoming), with their sessions: a virtual class or an in-person
  session per such step of the path, in rooms of the French sites (Paris La Défense, Lyon,
  Lille, Nantes, Toulouse); one session cancelled with a reason (and its replacement), one
  upcoming cohort full with a waitlist, one session today for the facilitator's phone;
- enrolments through ``services_enrolments.enrol`` from the programmes' audiences and from
  their accepted training requests (the demo learner and the manager's team included), a few
  unenrolled and one transfer;
- attendance of past sessions through ``services_attendance.attendance_record`` (each mark is
  an xAPI statement) and the learners' statements on the other steps (launched, progressed,
  completed, passed/failed with scores) with the enrolment's registration, through
  ``pilotage.lrs.services.statement_store`` — the progress projection fills the progress;
- reminder rules per running programme and the reminders a first run of the engine sends.

The services write "now"; the demo tells a past story, so enrolment dates and histories are
moved back once written (one update per table, documented in decision 0039) and the e-mails
and calendar invitations the services queue are dropped. Deterministic for a seed and a day
(ids and registrations excepted). Never in production.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pilotage.core.errors import ValidationFailed
from pilotage.core.mail import nothing_sent_on_commit
from pilotage.delivery import reminders, services_attendance, services_cohorts, services_enrolments, xapi
from pilotage.delivery.models import (
    Attendance,
    Cohort,
    DeliverySettings,
    Enrolment,
    EnrolmentEvent,
    ReminderRule,
    ReminderSend,
    Session,
)
from pilotage.lrs import services as lrs_services
from pilotage.people import services as people_services
from pilotage.people.audiences import audience_members
from pilotage.people.models import Employee, Role, User
from pilotage.people.permissions import acting_dlm
from pilotage.programmes import paths
from pilotage.programmes.models import LearningPath, PathStep, Programme, ProgrammeTransition
from pilotage.strategy.models import TrainingRequest

DEFAULT_SEED = 2026
Progress = Callable[[int, int, str], None]

ADL = "http://adlnet.gov/expapi/verbs/"
PROGRESS_EXTENSION = "https://w3id.org/xapi/cmi5/result/extensions/progress"
BATCH = 500
SESSION_KINDS = (PathStep.Kind.VIRTUAL_CLASS, PathStep.Kind.IN_PERSON)
ACTIVITY_TYPES: dict[str, str] = {
    PathStep.Kind.ELEARNING: "http://adlnet.gov/expapi/activities/course",
    PathStep.Kind.VIDEO: "https://w3id.org/xapi/video/activity-type/video",
    PathStep.Kind.QUIZ: "http://adlnet.gov/expapi/activities/assessment",
    PathStep.Kind.DOCUMENT: "http://id.tincanapi.com/activitytype/document",
    PathStep.Kind.LINK: "http://adlnet.gov/expapi/activities/link",
    PathStep.Kind.SURVEY: "http://adlnet.gov/expapi/activities/survey",
    PathStep.Kind.ASSIGNMENT: "http://adlnet.gov/expapi/activities/performance",
    PathStep.Kind.PEER: "http://id.tincanapi.com/activitytype/discussion",
}
VERB_FR = {
    "launched": "a lancé",
    "initialized": "a démarré",
    "progressed": "a progressé dans",
    "completed": "a terminé",
    "passed": "a réussi",
    "failed": "a échoué à",
}


@dataclass(frozen=True)
class Size:
    past_cohorts: int  # per path of a running programme
    closed_cohorts: int  # per path of a programme closed after running
    capacity: tuple[int, int]
    fill: tuple[float, float]


SIZES: dict[str, Size] = {
    "small": Size(past_cohorts=1, closed_cohorts=1, capacity=(8, 10), fill=(0.6, 0.9)),
    "standard": Size(past_cohorts=2, closed_cohorts=2, capacity=(12, 16), fill=(0.75, 1.0)),
    "large": Size(past_cohorts=3, closed_cohorts=2, capacity=(14, 18), fill=(0.8, 1.0)),
}

# The French sites' training rooms: (site code, city, rooms, address).
VENUES: list[tuple[str, str, tuple[str, ...], str]] = [
    (
        "PAR",
        "Paris La Défense",
        ("Salle Seine (3e étage)", "Salle Montmartre (5e étage)"),
        "Tour Orvalis, 12 esplanade du Général-de-Gaulle, 92400 Courbevoie",
    ),
    ("LYS", "Lyon", ("Salle Rhône", "Salle Fourvière"), "45 rue de la Villette, 69003 Lyon"),
    ("LIL", "Lille", ("Salle Vauban",), "10 parvis de Rotterdam, 59777 Lille"),
    ("NTE", "Nantes", ("Salle Loire", "Salle Erdre"), "5 rue de Strasbourg, 44000 Nantes"),
    ("TLS", "Toulouse", ("Salle Garonne",), "2 avenue Jean-Monnet, 31700 Blagnac"),
]
VISIO = "https://visio.orvalis.example/classe"

EXTRA_FACILITATORS = [
    ("marc.lemoine@formation-conseil.example", "Marc Lemoine", None),
    ("", "", "CHG-FORM"),  # an internal trainer: the first "chargé de formation" without a login
]

CANCEL_REASONS = [
    "Formatrice indisponible (arrêt maladie) : la session est reportée de deux jours.",
    "Salle indisponible suite à un dégât des eaux : session reprogrammée deux jours plus tard.",
]
UNENROL_REASONS = [
    "Mutation sur un autre site.",
    "Congé maternité : réinscription prévue à la prochaine session.",
    "Charge de travail trop forte ce trimestre, à la demande du manager.",
    "Départ de l'entreprise.",
]


@dataclass
class DemoDeliverySummary:
    facilitators: int = 0
    cohorts: int = 0
    sessions: int = 0
    cancelled_sessions: int = 0
    enrolments: int = 0
    waitlisted: int = 0
    unenrolled: int = 0
    transfers: int = 0
    attendance: int = 0
    statements: int = 0
    completed: int = 0
    reminder_rules: int = 0
    reminders: int = 0
    seconds: float = 0.0


@dataclass
class _CohortPlan:
    path: LearningPath
    phase: str  # past, current, upcoming
    starts_on: dt.date
    ends_on: dt.date
    status: str
    venue: tuple[str, str, tuple[str, ...], str]
    virtual: bool
    capacity: int
    fill: float
    overbook: int = 0  # enrolments past capacity (waitlist)
    today_session: bool = False
    cancel_session: str = ""
    learner_persona: bool = False
    cohort: Cohort | None = None


@dataclass
class _Learner:
    enrolment: Enrolment
    profile: str  # diligent, slow, dropout, idle
    stop_at: int  # index of the first step they never reach
    delay: float  # share of the cohort's length they run late


@dataclass
class _State:
    rng: random.Random
    size: Size
    today: dt.date
    now: dt.datetime
    tz: zoneinfo.ZoneInfo
    actor: Any
    facilitators: list[User]
    summary: DemoDeliverySummary
    progress: Progress | None
    total: int = 0
    done: int = 0
    statements: list[dict[str, Any]] = field(default_factory=list)
    used: dict[int, set[int]] = field(default_factory=dict)  # programme id -> employee ids enrolled
    backdate: list[tuple[int, dt.datetime]] = field(default_factory=list)  # enrolment id, when
    learner_id: int | None = None  # the demo learner persona's employee

    def tick(self, message: str, count: int = 1) -> None:
        self.done += count
        if self.progress is not None:
            self.progress(self.done, max(self.total, self.done), message)


def demo_allowed() -> bool:
    return getattr(settings, "PILOTAGE_ENV", "development") != "production"


# --- people ---------------------------------------------------------------------------------------


def _persona(email: str) -> User | None:
    return User.objects.filter(email=email, is_active=True).select_related("employee").first()


def _facilitators(state: _State) -> list[User]:
    """Every active facilitator, after creating the demo's extra ones when missing."""
    actor = state.actor
    for email, name, job_role in EXTRA_FACILITATORS:
        if job_role:
            if User.objects.filter(employee__job_role__code=job_role, role_assignments__role=Role.FACILITATOR).exists():
                continue
            employee = (
                Employee.objects.filter(active=True, job_role__code=job_role, user__isnull=True)
                .exclude(email="")
                .order_by("employee_number")
                .first()
            )
            if employee is None:
                continue
            user = people_services.user_create(actor=actor, email=employee.email, employee=employee)
        else:
            if User.objects.filter(email=email).exists():
                continue
            user = people_services.user_create(actor=actor, email=email, display_name=name)
        people_services.role_assign(actor=actor, user=user, role=Role.FACILITATOR)
        state.summary.facilitators += 1
    return list(User.objects.filter(is_active=True, role_assignments__role=Role.FACILITATOR).distinct().order_by("pk"))


# --- settings -------------------------------------------------------------------------------------


def _settings(actor: Any, programme: Programme, index: int) -> DeliverySettings:
    """Believable delivery rules: most programmes open to self-enrolment, the regulatory ones
    for their audience only, due dates a few weeks after the end of a cohort."""
    return services_cohorts.delivery_settings_update(
        actor=actor,
        programme=programme,
        self_enrolment=index % 3 != 2,
        manager_approval=bool(programme.requires_manager_approval),
        audience_only=_audience_only(programme),
        default_due_days=(45, 60, 90)[index % 3],
        at_risk_inactive_days=(14, 21)[index % 2],
    )


def _audience_only(programme: Programme) -> bool:
    # The regulatory habilitations are for the plants' teams only.
    return "habilitation" in programme.title.lower()


# --- planning -------------------------------------------------------------------------------------


def _ran(programme: Programme) -> bool:
    return ProgrammeTransition.objects.filter(programme=programme, to_status=Programme.Status.RUNNING).exists()


def _length_days(path: LearningPath) -> int:
    return max(21, min(63, 7 * path.steps.count()))


def _plan(state: _State, programmes: list[Programme]) -> list[_CohortPlan]:
    rng, size, today = state.rng, state.size, state.today
    plans: list[_CohortPlan] = []
    for programme in programmes:
        path_list = list(programme.paths.filter(steps__isnull=False).distinct().order_by("pk"))
        for path_index, path in enumerate(path_list):
            length = _length_days(path)
            phases: list[tuple[str, int]] = []  # (phase, start offset in days from today)
            if programme.status == Programme.Status.RUNNING:
                if path_index > 0 and size.past_cohorts < 2:
                    continue  # small: the first path only
                past = size.past_cohorts if path_index == 0 else 1
                # Past cohorts ended at least a month ago, spread over the year.
                first = rng.randint(0, 150)
                for i in range(past):
                    phases.append(("past", -(length + 35 + first + i * 100 + rng.randint(0, 20))))
                phases.append(("current", -(length // 2 + rng.randint(-5, 5))))
                if path_index == 0:
                    phases.append(("upcoming", rng.randint(14, 45)))
            elif programme.status == Programme.Status.CLOSED:
                if path_index > 0 and size.past_cohorts < 2:
                    continue
                for i in range(size.closed_cohorts if path_index == 0 else 1):
                    phases.append(("past", -(length + 60 + i * 90 + rng.randint(0, 20))))
            elif path_index == 0:  # deployment: the first cohort opens soon
                phases.append(("upcoming", rng.randint(10, 40)))
            for phase, offset in phases:
                start = today + dt.timedelta(days=offset)
                start -= dt.timedelta(days=start.weekday())  # cohorts start on a Monday
                if phase == "current" and start > today - dt.timedelta(days=7):
                    start -= dt.timedelta(days=7)
                venue = rng.choice(VENUES)
                status = {
                    "past": Cohort.Status.CLOSED,
                    "current": Cohort.Status.RUNNING,
                    "upcoming": Cohort.Status.OPEN,
                }[phase]
                plans.append(
                    _CohortPlan(
                        path=path,
                        phase=phase,
                        starts_on=start,
                        ends_on=start + dt.timedelta(days=length - 3),  # ends on a Friday
                        status=status,
                        venue=venue,
                        virtual=rng.random() < 0.35,
                        capacity=rng.randint(*size.capacity),
                        fill=rng.uniform(*size.fill),
                    )
                )
    # The stories the demo must tell, on chosen cohorts.
    upcoming = [p for p in plans if p.phase == "upcoming"]
    current = [p for p in plans if p.phase == "current"]
    if upcoming:
        full = upcoming[0]
        full.fill, full.overbook = 1.0, 3  # full, three on the waitlist
        (upcoming[1] if len(upcoming) > 1 else full).cancel_session = CANCEL_REASONS[0]
    if current:
        current[0].today_session = True
        open_to_all = [p for p in current if not _audience_only(p.path.programme)]
        (open_to_all or current)[0].learner_persona = True
        if len(current) > 2:
            current[2].cancel_session = CANCEL_REASONS[1]
        # The demo learner also finished a past cohort of another programme (a certificate).
        other = (open_to_all or current)[0].path.programme_id
        done_before = next(
            (
                p
                for p in plans
                if p.phase == "past" and p.path.programme_id != other and not _audience_only(p.path.programme)
            ),
            None,
        )
        if done_before is not None:
            done_before.learner_persona = True
    return plans


# --- cohorts and sessions -------------------------------------------------------------------------


def _cohort_create(state: _State, plan: _CohortPlan, number: int) -> Cohort:
    programme = plan.path.programme
    city = plan.venue[1]
    title = f"{programme.title} — {'classe virtuelle' if plan.virtual else city} — session {number}"
    return services_cohorts.cohort_create(
        actor=state.actor,
        path=plan.path,
        title=title[:200],
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        capacity=plan.capacity,
        language=plan.path.language or "fr",
        timezone="Europe/Paris",
        location="" if plan.virtual else f"{plan.venue[1]} — {plan.venue[3]}",
        virtual_link=f"{VISIO}/{programme.code.lower()}-{number}" if plan.virtual else "",
        status=Cohort.Status.OPEN,
    )


def _at(state: _State, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=state.tz)


def _weekday(day: dt.date, rng: random.Random) -> dt.date:
    """Tuesday or Thursday of the day's week (training days)."""
    return day - dt.timedelta(days=day.weekday()) + dt.timedelta(days=rng.choice((1, 3)))


def _step_days(plan: _CohortPlan, steps: list[PathStep]) -> list[dt.date]:
    """When each step is due in the cohort's rhythm (evenly spread over its length)."""
    length = (plan.ends_on - plan.starts_on).days
    count = max(1, len(steps))
    return [plan.starts_on + dt.timedelta(days=round(length * (i + 0.5) / count)) for i in range(count)]


def _sessions_create(state: _State, plan: _CohortPlan, cohort: Cohort, steps: list[PathStep]) -> list[Session]:
    rng = state.rng
    days = _step_days(plan, steps)
    made: list[Session] = []
    facilitators = rng.sample(state.facilitators, min(len(state.facilitators), 2)) if state.facilitators else []
    if plan.today_session and state.facilitators:
        facilitators = [state.facilitators[0], *facilitators[:1]]  # the demo facilitator persona
    session_steps = [(i, s) for i, s in enumerate(steps) if s.kind in SESSION_KINDS]
    if not session_steps:
        # No class in the path: a virtual kick-off opens the cohort.
        session_steps = [(-1, None)]  # type: ignore[list-item]
    for position, (index, step) in enumerate(session_steps):
        day = _weekday(days[index] if index >= 0 else plan.starts_on, rng)
        if plan.today_session and position == 0:
            day = state.today
        virtual = step is None or step.kind == PathStep.Kind.VIRTUAL_CLASS or plan.virtual
        if virtual:
            minutes = step.duration_minutes if step is not None and step.duration_minutes else 60
            begin = _at(state, day, rng.choice((10, 14)), rng.choice((0, 30)))
        else:
            minutes = max(180, step.duration_minutes if step is not None else 210)
            begin = _at(state, day, 9) if rng.random() < 0.6 else _at(state, day, 13, 30)
        if plan.today_session and position == 0:
            begin = _at(state, day, 14)
        session = services_cohorts.session_create(
            actor=state.actor,
            cohort=cohort,
            step=step,
            title=step.title if step is not None else "Classe virtuelle de lancement",
            kind=Session.Kind.VIRTUAL if virtual else Session.Kind.IN_PERSON,
            starts_at=begin,
            ends_at=begin + dt.timedelta(minutes=max(45, minutes)),
            timezone="Europe/Paris",
            room="" if virtual else rng.choice(plan.venue[2]),
            address="" if virtual else plan.venue[3],
            virtual_link=f"{VISIO}/{cohort.code.lower()}-{position + 1}" if virtual else "",
            capacity=None if virtual else plan.capacity + rng.choice((0, 2, 4)),
            facilitators=facilitators,
            notify=False,
        )
        made.append(session)
    services_cohorts.cohort_update(actor=state.actor, cohort=cohort, facilitators=facilitators)
    state.summary.sessions += len(made)
    return made


def _session_cancel(state: _State, session: Session, reason: str) -> Session:
    """Cancel with a reason, and schedule its replacement a week later."""
    session = services_cohorts.session_cancel(actor=state.actor, session=session, reason=reason)
    replacement = services_cohorts.session_create(
        actor=state.actor,
        cohort=session.cohort,
        step=session.step,
        title=session.title,
        kind=session.kind,
        starts_at=session.starts_at + dt.timedelta(days=2),
        ends_at=session.ends_at + dt.timedelta(days=2),
        timezone=session.timezone,
        room=session.room,
        address=session.address,
        virtual_link=session.virtual_link,
        capacity=session.capacity,
        facilitators=list(session.facilitators.all()),
        notify=False,
    )
    state.summary.cancelled_sessions += 1
    state.summary.sessions += 1
    return replacement


# --- enrolments -----------------------------------------------------------------------------------


def _candidates(state: _State, programme: Programme, plan: _CohortPlan) -> list[tuple[Employee, str, Any]]:
    """Who to enrol, in order: the programme's accepted requests' people, then its audiences'
    members (the cohort's site first for an in-person cohort), then anyone active when the
    programme has no audience."""
    rng = state.rng
    used = state.used.setdefault(programme.pk, set())
    out: list[tuple[Employee, str, Any]] = []
    seen: set[int] = set(used)
    requests = list(
        programme.requests.filter(status=TrainingRequest.Status.ACCEPTED).select_related("audience", "org_unit")
    )
    for req in requests:
        pool = (
            audience_members(req.audience, user=None)
            if req.audience is not None
            else Employee.objects.filter(active=True, org_unit=req.org_unit)
        )
        for employee in pool.filter(active=True).order_by("employee_number")[:3]:
            if employee.pk not in seen:
                seen.add(employee.pk)
                out.append((employee, Enrolment.Source.REQUEST, req))
    members: list[Employee] = []
    for audience in programme.audiences.order_by("pk"):
        members += list(audience_members(audience, user=None).filter(active=True).order_by("employee_number"))
    if not members:
        members = list(Employee.objects.filter(active=True).select_related("site").order_by("employee_number"))
    rng.shuffle(members)
    if not plan.virtual:
        members.sort(key=lambda e: 0 if getattr(e.site, "code", "") == plan.venue[0] else 1)
    for employee in members:
        if employee.pk not in seen:
            seen.add(employee.pk)
            out.append((employee, Enrolment.Source.AUDIENCE, None))
    return out


def _enrol_people(state: _State, plan: _CohortPlan, cohort: Cohort, conf: DeliverySettings) -> list[Enrolment]:
    rng = state.rng
    programme = plan.path.programme
    wanted = max(4, round(plan.capacity * plan.fill)) + plan.overbook
    candidates = _candidates(state, programme, plan)
    rng_requests = [c for c in candidates if c[1] == Enrolment.Source.REQUEST][: max(1, wanted // 4)]
    rest = [c for c in candidates if c[1] != Enrolment.Source.REQUEST]
    chosen = (rng_requests + rest)[:wanted]
    if len(chosen) < wanted and not _audience_only(programme):
        # Audiences exhausted (small demo): colleagues from anywhere, enrolled by hand.
        taken = {c[0].pk for c in candidates} | state.used.get(programme.pk, set())
        others = Employee.objects.filter(active=True).exclude(pk__in=taken).order_by("employee_number")
        extra = list(others[: (wanted - len(chosen)) * 3])
        rng.shuffle(extra)
        chosen += [(e, Enrolment.Source.MANUAL, None) for e in extra[: wanted - len(chosen)]]
    if plan.learner_persona:
        learner = _persona("learner@orvalis.example")
        manager = _persona("manager@orvalis.example")
        if learner is not None and learner.employee is not None:
            chosen.insert(0, (learner.employee, Enrolment.Source.MANUAL, None))
        if plan.phase == "current" and manager is not None and manager.employee is not None:
            # Two more of the manager's team take part (the manager's team view).
            for report in Employee.objects.filter(manager=manager.employee, active=True).order_by("pk")[:3]:
                chosen.insert(1, (report, Enrolment.Source.MANUAL, None))
    # Due two weeks after the cohort ends: the stragglers of past cohorts are overdue.
    due = plan.ends_on + dt.timedelta(days=14) if plan.phase != "upcoming" else None
    made: list[Enrolment] = []
    seen: set[int] = set()
    for employee, source, req in chosen:
        if employee.pk in seen:
            continue
        seen.add(employee.pk)
        try:
            enrolment = services_enrolments.enrol(
                actor=state.actor,
                cohort=cohort,
                employee=employee,
                source=source,
                due_on=due,
                request=req,
            )
        except ValidationFailed:
            continue  # outside the audience of an audience-only programme, already enrolled…
        state.used.setdefault(programme.pk, set()).add(employee.pk)
        made.append(enrolment)
        # Enrolled a few days to a few weeks before the start.
        when = _at(state, plan.starts_on - dt.timedelta(days=rng.randint(3, 30)), rng.randint(8, 18))
        state.backdate.append((enrolment.pk, min(when, state.now)))
    state.summary.enrolments += len(made)
    state.summary.waitlisted += sum(1 for e in made if e.status == Enrolment.Status.WAITLISTED)
    return made


# --- learning -------------------------------------------------------------------------------------


def _profiles(state: _State, plan: _CohortPlan, enrolments: list[Enrolment], steps: int) -> list[_Learner]:
    rng = state.rng
    out: list[_Learner] = []
    for enrolment in enrolments:
        if enrolment.status != Enrolment.Status.ACTIVE:
            continue
        roll = rng.random()
        if enrolment.employee_id == state.learner_id:
            roll = 0.1  # the demo learner is diligent
        if roll < 0.62:
            out.append(_Learner(enrolment, "diligent", steps, rng.uniform(0, 0.1)))
        elif roll < 0.84:
            out.append(_Learner(enrolment, "slow", rng.randint(max(1, steps // 2), steps), rng.uniform(0.2, 0.6)))
        elif roll < 0.95:
            out.append(_Learner(enrolment, "dropout", rng.randint(1, max(1, steps // 2)), rng.uniform(0, 0.2)))
        else:
            out.append(_Learner(enrolment, "idle", 0, 0.0))
    return out


def _statement(
    state: _State,
    learner: _Learner,
    step: PathStep,
    verb: str,
    when: dt.datetime,
    result: dict[str, Any] | None = None,
    first: bool = False,
) -> None:
    enrolment = learner.enrolment
    obj: dict[str, Any] = {"objectType": "Activity", "id": step.activity_iri}
    if first:
        obj["definition"] = {
            "name": {"fr-FR": step.title},
            "type": ACTIVITY_TYPES.get(step.kind, "http://adlnet.gov/expapi/activities/module"),
        }
    statement: dict[str, Any] = {
        "id": str(uuid.UUID(int=state.rng.getrandbits(128), version=4)),
        "actor": xapi.employee_actor(enrolment.employee),
        "verb": {"id": ADL + verb, "display": {"en-US": verb, "fr-FR": VERB_FR[verb]}},
        "object": obj,
        "timestamp": when.isoformat(timespec="milliseconds"),
        "context": {
            "registration": str(enrolment.registration),
            "platform": "Orvalis Campus",
            "language": "fr-FR",
            "contextActivities": {"grouping": [{"id": paths.path_iri(enrolment.cohort.path.uid)}]},
        },
    }
    if result is not None:
        statement["result"] = result
    state.statements.append(statement)


def _duration(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    hours, minutes = divmod(minutes, 60)
    return f"PT{hours}H{minutes}M" if hours else f"PT{minutes}M"


def _step_statements(state: _State, learner: _Learner, step: PathStep, when: dt.datetime) -> None:
    """One learner's go at one online step: launched … completed (and passed/failed)."""
    rng = state.rng
    spent = max(3, step.duration_minutes or 10) * 60 * rng.uniform(0.7, 1.3)
    self_paced = not step.mandatory and rng.random() < 0.45
    if self_paced:
        return  # optional step skipped
    _statement(state, learner, step, "launched", when, first=True)
    t = when + dt.timedelta(seconds=rng.randint(3, 20))
    if step.kind == PathStep.Kind.ELEARNING:
        _statement(state, learner, step, "initialized", t)
        t += dt.timedelta(seconds=spent / 2)
        _statement(state, learner, step, "progressed", t, {"extensions": {PROGRESS_EXTENSION: 50}})
    t += dt.timedelta(seconds=spent / 2 if step.kind == PathStep.Kind.ELEARNING else spent)
    if t >= state.now:
        return  # still on it
    if step.kind in (PathStep.Kind.QUIZ, PathStep.Kind.ASSIGNMENT):
        for attempt in range(2):
            score = min(1.0, max(0.2, rng.gauss(0.8 + 0.08 * attempt, 0.12)))
            passed = score >= 0.7
            result = {
                "score": {"scaled": round(score, 2), "raw": round(score * 100), "min": 0, "max": 100},
                "success": passed,
                "completion": True,
                "duration": _duration(spent),
            }
            _statement(state, learner, step, "passed" if passed else "failed", t, result)
            if passed or rng.random() < 0.3:
                break
            t += dt.timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 5))
            if t >= state.now:
                return
        _statement(state, learner, step, "completed", t + dt.timedelta(seconds=2), {"completion": True})
        return
    _statement(state, learner, step, "completed", t, {"completion": True, "duration": _duration(spent)})


def _learning(
    state: _State, plan: _CohortPlan, steps: list[PathStep], sessions: list[Session], learners: list[_Learner]
) -> None:
    """Attendance of the past sessions, then each learner's statements on the online steps."""
    rng = state.rng
    days = _step_days(plan, steps)
    length = (plan.ends_on - plan.starts_on).days
    index = {s.pk: i for i, s in enumerate(steps)}
    # Attendance: sessions that started before now and are not cancelled.
    for session in sessions:
        if session.status == Session.Status.CANCELLED or session.starts_at > state.now:
            continue
        if session.starts_at.date() == state.today:
            continue  # today's session: the facilitator takes attendance on their phone
        position = index.get(session.step_id, 0) if session.step_id else 0
        marks: dict[int, str] = {}
        for learner in learners:
            if learner.profile == "idle":
                status = Attendance.Status.NO_SHOW
            elif position >= learner.stop_at:
                status = rng.choice((Attendance.Status.ABSENT, Attendance.Status.NO_SHOW))
            else:
                roll = rng.random()
                status = (
                    Attendance.Status.PRESENT
                    if roll < 0.82
                    else Attendance.Status.LATE
                    if roll < 0.9
                    else Attendance.Status.EXCUSED
                    if roll < 0.96
                    else Attendance.Status.ABSENT
                )
            marks[learner.enrolment.pk] = status
        if marks:
            rows = services_attendance.attendance_record(actor=state.actor, session=session, marks=marks)
            state.summary.attendance += len(rows)
            state.summary.statements += len(rows)
    # Online steps.
    for learner in learners:
        for i, step in enumerate(steps):
            if i == learner.stop_at and learner.profile in ("slow", "dropout") and step.kind not in SESSION_KINDS:
                # Started the step they stopped at, never finished it.
                day = max(plan.starts_on, days[i] + dt.timedelta(days=round(length * learner.delay)))
                when = _at(state, day, rng.choice((9, 14, 18)), rng.randrange(60))
                if when < state.now:
                    _statement(state, learner, step, "launched", when, first=True)
                break
            if step.kind in SESSION_KINDS or i >= learner.stop_at:
                continue
            day = days[i] + dt.timedelta(days=round(length * learner.delay) + rng.randint(-3, 3))
            day = max(day, plan.starts_on)
            when = _at(state, day, rng.choice((8, 9, 11, 13, 14, 16, 17, 20)), rng.randrange(60))
            if when >= state.now:
                break
            _step_statements(state, learner, step, when)


def _flush(state: _State, force: bool = False) -> None:
    if not state.statements or (len(state.statements) < BATCH and not force):
        return
    state.statements.sort(key=lambda s: s["timestamp"])
    for start in range(0, len(state.statements), BATCH):
        chunk = state.statements[start : start + BATCH]
        lrs_services.statement_store(statements=chunk, client=None, version="2.0.0")
        state.summary.statements += len(chunk)
    state.statements = []


# --- the story's twists ---------------------------------------------------------------------------


def _unenrol_some(state: _State, plan: _CohortPlan, enrolments: list[Enrolment]) -> None:
    """One or two leave a past or current cohort (with a reason kept in the history)."""
    rng = state.rng
    # Re-read: the projection may have completed some since they were enrolled.
    active = list(
        Enrolment.objects.filter(pk__in=[e.pk for e in enrolments], status=Enrolment.Status.ACTIVE).order_by("pk")
    )
    if len(active) < 6 or rng.random() < 0.5:
        return
    enrolment = rng.choice(active)
    services_enrolments.unenrol(actor=state.actor, enrolment=enrolment, reason=rng.choice(UNENROL_REASONS))
    state.summary.unenrolled += 1


def _transfer_one(state: _State, plans: list[_CohortPlan]) -> None:
    """A learner of a current cohort moves to the upcoming one of the same path."""
    for plan in plans:
        if plan.phase != "current" or plan.cohort is None:
            continue
        later = next(
            (
                p
                for p in plans
                if p.phase == "upcoming" and p.path.pk == plan.path.pk and p.cohort is not None and not p.overbook
            ),
            None,
        )
        if later is None or later.cohort is None:
            continue
        candidate = (
            Enrolment.objects.filter(cohort=plan.cohort, status=Enrolment.Status.ACTIVE, started_at__isnull=True)
            .order_by("pk")
            .first()
        )
        if candidate is None:
            continue
        services_enrolments.transfer(
            actor=state.actor,
            enrolment=candidate,
            to_cohort=later.cohort,
            reason="Indisponible sur les dates de la session en cours (inventaire annuel).",
        )
        state.summary.transfers += 1
        return


def _backdate(state: _State) -> None:
    """The services stamp "now": enrolments and their first history entries are moved back to
    when the story says they were made (one update per enrolment, a few hundred in all)."""
    for pk, when in state.backdate:
        Enrolment.objects.filter(pk=pk).update(created_at=when)
        EnrolmentEvent.objects.filter(enrolment_id=pk, kind="created").update(at=when)


# --- reminders ------------------------------------------------------------------------------------


def _reminder_rules(state: _State, programmes: list[Programme]) -> None:
    rng = state.rng
    for programme in programmes:
        if programme.status != Programme.Status.RUNNING or programme.reminder_rules.exists():
            continue
        specs = [
            (ReminderRule.Kind.BEFORE_SESSION, 2, None, None),
            (ReminderRule.Kind.INACTIVITY, rng.choice((10, 14)), 7, 3),
            (ReminderRule.Kind.OVERDUE, 1, 7, 2),
        ]
        for kind, days, repeat, escalate in specs:
            reminders.reminder_rule_create(
                actor=state.actor,
                programme=programme,
                kind=kind,
                days=days,
                repeat_every_days=repeat,
                escalate_after=escalate,
            )
            state.summary.reminder_rules += 1


def _reminders_sent(state: _State) -> None:
    """A few reminders already sent to overdue learners (and escalations to their managers), with
    the keys the reminder engine gives them: its first run after the demo sends only what is due
    beyond these."""
    rng = state.rng
    overdue = list(
        Enrolment.objects.filter(status=Enrolment.Status.ACTIVE, due_on__lt=state.today)
        .select_related("employee", "cohort__path__programme")
        .order_by("pk")[:40]
    )
    for enrolment in overdue:
        rule = ReminderRule.objects.filter(
            programme=enrolment.cohort.path.programme, kind=ReminderRule.Kind.OVERDUE
        ).first()
        if rule is None or not enrolment.employee.email:
            continue
        sent = 1 + rng.randint(0, 2)
        due_on = enrolment.due_on or state.today
        prefix = f"{rule.kind}:r{rule.pk}:e{enrolment.pk}:{due_on:%Y%m%d}"
        for n in range(sent):
            when = _at(state, due_on + dt.timedelta(days=rule.days + (rule.repeat_every_days or 7) * n), 7)
            if when > state.now:
                break
            to_manager = rule.escalate_after is not None and n + 1 > rule.escalate_after
            manager = enrolment.employee.manager if to_manager else None
            if to_manager and manager is None:
                break
            ReminderSend.objects.get_or_create(
                key=f"{prefix}:manager" if to_manager else f"{prefix}:{n}",
                defaults={
                    "rule": rule,
                    "enrolment": enrolment,
                    "kind": rule.kind,
                    "to_manager": to_manager,
                    "recipient": (manager.email if manager else enrolment.employee.email),
                    "sent_at": when,
                },
            )
            state.summary.reminders += 1


# --- entry point ----------------------------------------------------------------------------------


def programmes_in_delivery() -> list[Programme]:
    """The demo programmes that run cohorts: running, in deployment, or closed after running."""
    out = []
    for programme in (
        Programme.objects.filter(
            status__in=[Programme.Status.RUNNING, Programme.Status.CLOSED, Programme.Status.DEPLOYMENT],
            paths__steps__isnull=False,
        )
        .distinct()
        .order_by("code")
    ):
        if programme.status != Programme.Status.CLOSED or _ran(programme):
            out.append(programme)
    return out


def demo_delivery_create(
    *, actor: Any = None, seed: int = DEFAULT_SEED, size: str = "standard", progress: Progress | None = None
) -> DemoDeliverySummary:
    """Fill delivery for the demo programmes (see the module docstring); one transaction per
    cohort. Refuses production, an unknown size, a database without the demo programmes, and
    a database that already has cohorts (run it once per demo database)."""
    if not demo_allowed():
        raise ValidationFailed({"PILOTAGE_ENV": ["The demo delivery is never created when PILOTAGE_ENV=production."]})
    if size not in SIZES:
        raise ValidationFailed({"size": [f"Unknown size {size!r}: choose one of {', '.join(SIZES)}."]})
    if Cohort.objects.exists():
        raise ValidationFailed({"database": ["The database already has cohorts: the demo delivery is already there."]})
    programmes = programmes_in_delivery()
    if not programmes:
        raise ValidationFailed(
            {"database": ["No running programme with a learning path: run `pilotage demo-portfolio` first."]}
        )
    started = timezone.now()
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    summary = DemoDeliverySummary()
    state = _State(
        rng=random.Random(f"{seed}-delivery"),
        size=SIZES[size],
        today=timezone.localdate(),
        now=started,
        tz=tz,
        actor=actor if actor is not None else acting_dlm(None),
        facilitators=[],
        summary=summary,
        progress=progress,
    )
    with transaction.atomic(), nothing_sent_on_commit():
        state.facilitators = _facilitators(state)
        persona = _persona("learner@orvalis.example")
        state.learner_id = persona.employee_id if persona is not None else None
        confs = {p.pk: _settings(state.actor, p, i) for i, p in enumerate(programmes)}
    plans = _plan(state, programmes)
    state.total = len(plans) + 2
    state.tick("settings")
    counters: dict[int, int] = {}
    for plan in sorted(plans, key=lambda p: (p.starts_on, p.path.pk)):
        with transaction.atomic(), nothing_sent_on_commit():
            programme = plan.path.programme
            counters[programme.pk] = counters.get(programme.pk, 0) + 1
            cohort = _cohort_create(state, plan, counters[programme.pk])
            plan.cohort = cohort
            steps = list(plan.path.steps.order_by("position", "pk"))
            sessions = _sessions_create(state, plan, cohort, steps)
            if plan.cancel_session:
                upcoming = [s for s in sessions if s.starts_at > state.now]
                if upcoming:
                    sessions.append(_session_cancel(state, upcoming[0], plan.cancel_session))
            enrolments = _enrol_people(state, plan, cohort, confs[programme.pk])
            learners = _profiles(state, plan, enrolments, len(steps))
            if plan.phase != "upcoming":
                _learning(state, plan, steps, sessions, learners)
                _flush(state, force=True)
                _unenrol_some(state, plan, enrolments)
            if cohort.status != plan.status:
                services_cohorts.cohort_update(actor=state.actor, cohort=cohort, status=plan.status)
            summary.cohorts += 1
        state.tick(cohort.code)
    with transaction.atomic(), nothing_sent_on_commit():
        _flush(state, force=True)
        _transfer_one(state, plans)
        _backdate(state)
        _reminder_rules(state, programmes)
        _reminders_sent(state)
    state.tick("reminders")
    summary.completed = Enrolment.objects.filter(status=Enrolment.Status.COMPLETED).count()
    summary.seconds = (timezone.now() - started).total_seconds()
    return summary
