"""Demo evaluations for Groupe Orvalis (called by ``pilotage demo-delivery`` after delivery):
the hot (L1) and cold (L3) templates, dispatch rules for every programme that runs cohorts,
the invitations the dispatcher sent over the last year (replayed week by week with
``dispatch.dispatch_due(now=…)``: invitations and reminders to non-respondents, as the worker
would have), and the answers of about two respondents in three through
``services_answers.answer_submit`` — French comments, a few in English from English-speaking
employees. Every programme's hot evaluation is a named copy of the (anonymous) template except
one programme's, which stays anonymous: the results show both kinds.

Each answer is given ``at`` the time the story says (``answer_submit(at=…)``, decision 0039):
its dates (answered, submitted) and its xAPI statements are in the past, and the service checks
that the invitation was still open then (an answer after ``closes_at`` is not given).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from pilotage.core.mail import nothing_sent_on_commit
from pilotage.delivery.models import Cohort
from pilotage.people.permissions import acting_dlm
from pilotage.programmes.models import Programme
from pilotage.surveys import dispatch, services, services_answers
from pilotage.surveys.models import DispatchRule, Invitation, Question, Survey

DEFAULT_SEED = 2026
Progress = Callable[[int, int, str], None]
ANSWER_RATE = 0.68
ANONYMOUS_PROGRAMME = 1  # the index, in code order, of the programme whose hot evaluation is anonymous

COMMENTS_FR = [
    "Très bonne formation, concrète et bien rythmée.",
    "Les cas pratiques étaient directement applicables à mon poste.",
    "Un peu trop dense sur la fin, il faudrait une pause de plus.",
    "Formateur très à l'écoute, échanges riches entre participants.",
    "La salle était trop petite pour les mises en situation.",
    "J'aurais aimé plus d'exemples tirés de notre activité.",
    "Le module e-learning en amont m'a bien préparé(e) à la classe virtuelle.",
    "Problèmes de connexion au début de la classe virtuelle, dommage.",
    "Excellent ! À proposer à toute l'équipe.",
    "Contenu intéressant mais déjà connu en partie.",
    "Bonne alternance entre théorie et pratique.",
    "Les supports pourraient être envoyés avant la session.",
    "Je mets déjà en pratique la méthode avec mes clients.",
    "Trop de participants pour vraiment pratiquer.",
]
COMMENTS_EN = [
    "Very practical, I could use it the next day.",
    "Great trainer, but the session felt a bit rushed.",
    "Would have liked the material in English as well.",
    "Good mix of theory and practice.",
]
MANAGER_COMMENTS_FR = [
    "Net progrès dans la conduite des entretiens clients.",
    "Applique la méthode, mais manque encore de pratique.",
    "Plus autonome sur le sujet depuis la formation.",
    "Peu d'occasions de mettre en pratique ce trimestre.",
]


def _rules(actor: Any, rng: random.Random) -> tuple[int, int]:
    """Hot evaluation after each session, cold ones 60 days after completion (learner and
    manager) for each programme with cohorts; returns (rules, anonymous surveys)."""
    templates = {s.kind: s for s in Survey.objects.filter(is_template=True, status=Survey.Status.PUBLISHED)}
    programmes = list(Programme.objects.filter(paths__cohorts__isnull=False).distinct().order_by("code"))
    made = anonymous = 0
    for index, programme in enumerate(programmes):
        if DispatchRule.objects.filter(programme=programme).exists():
            continue
        hot = templates.get(Survey.Kind.HOT)
        if hot is not None:
            # The template is anonymous; the programmes ask by name, except one (the second),
            # which asks anonymously (results hidden below five answers).
            copy = services.survey_copy(actor=actor, survey=hot, programme=programme)
            copy = services.survey_update(actor=actor, survey=copy, anonymous=index == ANONYMOUS_PROGRAMME)
            hot = services.survey_publish(actor=actor, survey=copy)
            anonymous += int(hot.anonymous)
            services.rule_create(
                actor=actor,
                programme=programme,
                survey=hot,
                trigger=DispatchRule.Trigger.AFTER_SESSION,
                remind_after_days=3,
                close_after_days=21,
            )
            made += 1
        for kind, audience in (
            (Survey.Kind.COLD_LEARNER, DispatchRule.Audience.LEARNER),
            (Survey.Kind.COLD_MANAGER, DispatchRule.Audience.MANAGER),
        ):
            template = templates.get(kind)
            if template is None:
                continue
            services.rule_create(
                actor=actor,
                programme=programme,
                survey=template,
                trigger=DispatchRule.Trigger.AFTER_COMPLETION,
                delay_days=60,
                audience=audience,
                remind_after_days=7,
                close_after_days=30,
            )
            made += 1
    return made, anonymous


def _likert(rng: random.Random, mood: float) -> int:
    return max(1, min(5, round(rng.gauss(4.1 + mood, 0.8))))


def _answers(invitation: Invitation, questions: list[Question], rng: random.Random, mood: float) -> dict[str, Any]:
    english = invitation.respondent.language == "en"
    out: dict[str, Any] = {}
    for question in questions:
        key = f"q{question.pk}"
        kind = question.kind
        if kind == Question.Kind.LIKERT:
            out[key] = _likert(rng, mood)
        elif kind == Question.Kind.RATING:
            out[key] = max(1, min(question.scale_max, round(rng.gauss(0.78 * question.scale_max, 0.9))))
        elif kind == Question.Kind.NPS:
            out[key] = max(0, min(10, round(rng.gauss(8.0 + 2 * mood, 1.6))))
        elif kind == Question.Kind.SINGLE and question.choices:
            values = [c["value"] for c in question.choices]
            weights = [1.0] * len(values)
            weights[min(1, len(values) - 1)] = 4.0  # the middle answer ("about right", "every week")
            out[key] = rng.choices(values, weights)[0]
        elif kind == Question.Kind.MULTIPLE and question.choices:
            values = [c["value"] for c in question.choices]
            out[key] = rng.sample(values, rng.randint(1, min(2, len(values))))
        elif kind == Question.Kind.TEXT and rng.random() < 0.45:
            if invitation.role == "manager":
                out[key] = rng.choice(MANAGER_COMMENTS_FR)
            else:
                out[key] = rng.choice(COMMENTS_EN if english else COMMENTS_FR)
    return out


_questions: dict[int, list[Question]] = {}
_moods: dict[int, float] = {}  # per cohort: some cohorts went better than others


def _answer_all(actor: Any, rng: random.Random, now: dt.datetime, seen: set[int]) -> int:
    """Answer about two in three of the invitations not seen yet; returns how many."""
    invitations = list(
        Invitation.objects.filter(answered_at__isnull=True)
        .exclude(pk__in=seen)
        .select_related("respondent", "survey", "session", "enrolment__cohort")
        .order_by("sent_at", "pk")
    )
    answered = 0
    for invitation in invitations:
        seen.add(invitation.pk)
        if rng.random() < ANSWER_RATE:
            qs = _questions.setdefault(
                invitation.survey_id, list(invitation.survey.questions.order_by("position", "id"))
            )
            cohort_id = invitation.enrolment.cohort_id if invitation.enrolment else 0
            mood = _moods.setdefault(cohort_id, rng.uniform(-0.6, 0.4))
            # Most answer the day they are invited, the others after the reminder.
            when = invitation.sent_at + dt.timedelta(
                days=rng.choice((0, 0, 0, 1, 1, 2, 4, 5)), hours=rng.randint(0, 8), minutes=rng.randrange(60)
            )
            when = min(when, now - dt.timedelta(minutes=5))
            if invitation.closes_at is not None and when >= invitation.closes_at:
                continue  # too late: the invitation had closed (the service would refuse it)
            language = invitation.respondent.language or "fr"
            services_answers.answer_submit(
                actor=actor,
                invitation=invitation,
                answers=_answers(invitation, qs, rng, mood),
                language=language,
                at=when,
            )
            answered += 1
    return answered


def demo_surveys_create(
    *, seed: int = DEFAULT_SEED, size: str = "standard", progress: Progress | None = None
) -> dict[str, int]:
    """Templates, dispatch rules, a year of invitations and reminders, and answers; returns
    counts. Nothing without cohorts; a second run adds no rule, sends and answers nothing (the
    replay only runs when it added rules, and never answers an invitation that was already there)."""
    rng = random.Random(f"{seed}-surveys")
    actor = acting_dlm(None)
    if not Cohort.objects.exists():
        return {"templates": 0}
    now = timezone.now()
    with transaction.atomic(), nothing_sent_on_commit():
        templates = len(services.templates_ensure(actor=actor))
        rules, anonymous = _rules(actor, rng)
    if not rules and Invitation.objects.exists():
        return {"templates": templates, "dispatch rules": 0, "invitations": 0, "answers": 0}
    # The dispatcher, replayed week by week over the year (the worker's periodic job).
    first = now - dt.timedelta(days=365)
    moments = [first + dt.timedelta(days=7 * i) for i in range(53) if first + dt.timedelta(days=7 * i) < now]
    reminded = answered = 0
    seen: set[int] = set(Invitation.objects.values_list("pk", flat=True))  # not the demo's to answer
    _questions.clear()
    _moods.clear()
    with transaction.atomic(), nothing_sent_on_commit():
        for index, moment in enumerate([*moments, now]):
            # Invitations go out, most are answered within days, the rest get a reminder.
            dispatch.dispatch_invitations(now=moment)
            answered += _answer_all("pilotage demo", rng, now, seen)
            reminded += dispatch.send_reminders(now=min(moment + dt.timedelta(days=6), now))
            if progress is not None:
                progress(index + 1, len(moments) + 1, "dispatch")
    invited = Invitation.objects.count()
    return {
        "templates": templates,
        "dispatch rules": rules,
        "anonymous surveys": anonymous,
        "invitations": invited,
        "answers": answered,
        "reminders": reminded,
    }
