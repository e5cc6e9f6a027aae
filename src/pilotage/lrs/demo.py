"""A year of learning activity for the demo company, as xAPI statements.

``demo_learning_create(actor=..., seed=..., size=...)`` posts about 200,000 statements
(``standard`` and ``large``; ~3,000 for ``small``) through ``services.statement_store``
— the one write path of learning data — in batches of 1,000, from one LRS client
("Plateforme e-learning (démo)"), so the progress and daily projections fill exactly as
they would from a real authoring tool.

What it holds: ~25 activities of the campus (compliance modules that every employee must
take, courses, micro-learnings, videos, quizzes with choice questions, virtual classes)
defined in French and English; learners drawn from the demo employees — matched by e-mail
(``mbox``) or by an account on this Pilotage whose name is the employee number — and a few
external trainees no employee matches; attempts with their registration and the funnel
launched → initialized → progressed → completed → passed/failed, with drop-offs, scores,
durations, retries after a failure, more completions in mandatory modules, campaign peaks
and quiet summers over the last twelve months; a handful of voided statements.

Deterministic: the same seed gives the same statements (relative to the day it runs: the
year ends now). Statements are posted in timestamp order, as a platform would send them.
Never in production.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from pilotage.core.errors import ValidationFailed
from pilotage.lrs import credentials, services
from pilotage.lrs.models import LrsClient
from pilotage.people.models import Employee

DEFAULT_SEED = 2026
VOLUMES: dict[str, int] = {"small": 3_000, "standard": 200_000, "large": 200_000}
BATCH = 1000
CLIENT_NAME = "Plateforme e-learning (démo)"
CAMPUS = "https://campus.orvalis.example"
ADL = "http://adlnet.gov/expapi/verbs/"
VIDEO = "https://w3id.org/xapi/video/verbs/"
PROGRESS_EXTENSION = "https://w3id.org/xapi/cmi5/result/extensions/progress"
DAYS = 365

VERBS: dict[str, tuple[str, str, str]] = {
    # key: (IRI, en-US, fr-FR)
    "launched": (ADL + "launched", "launched", "a lancé"),
    "initialized": (ADL + "initialized", "initialized", "a démarré"),
    "progressed": (ADL + "progressed", "progressed", "a progressé dans"),
    "completed": (ADL + "completed", "completed", "a terminé"),
    "passed": (ADL + "passed", "passed", "a réussi"),
    "failed": (ADL + "failed", "failed", "a échoué à"),
    "terminated": (ADL + "terminated", "terminated", "a quitté"),
    "answered": (ADL + "answered", "answered", "a répondu à"),
    "attended": (ADL + "attended", "attended", "a assisté à"),
    "played": (VIDEO + "played", "played", "a lu"),
    "paused": (VIDEO + "paused", "paused", "a mis en pause"),
    "voided": (ADL + "voided", "voided", "a annulé"),
}

TYPES = {
    "module": "http://adlnet.gov/expapi/activities/course",
    "micro": "http://adlnet.gov/expapi/activities/lesson",
    "video": "https://w3id.org/xapi/video/activity-type/video",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
    "class": "http://adlnet.gov/expapi/activities/meeting",
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
}
MANAGERS = {"DG", "DIR", "RESP", "MGR", "CHEF"}


@dataclass(frozen=True)
class DemoActivity:
    slug: str
    fr: str
    en: str
    fr_description: str
    en_description: str
    kind: str  # module, micro, video, quiz, class
    minutes: int
    sections: int = 1
    pass_mark: float | None = None
    mandatory: bool = False
    popularity: float = 0.1  # share of the eligible employees who start it
    audience: str = ""  # "" everyone, "field", "managers", "operators", "new_hires"
    campaign: tuple[int, ...] = ()  # months of the campaign (more starts)
    questions: tuple[tuple[str, str, tuple[tuple[str, str, str], ...], str], ...] = ()  # (slug, fr, choices, correct)


def _q(slug: str, fr: str, choices: list[tuple[str, str, str]], correct: str) -> tuple[Any, ...]:
    return (slug, fr, tuple(choices), correct)


ACTIVITIES: tuple[DemoActivity, ...] = (
    DemoActivity(
        "cybersecurite",
        "Cybersécurité : les bons réflexes",
        "Cybersecurity: the right reflexes",
        "Mots de passe, phishing, postes nomades : les gestes qui protègent l'entreprise.",
        "Passwords, phishing, laptops on the move: the habits that protect the company.",
        "module",
        45,
        6,
        0.7,
        mandatory=True,
        popularity=0.92,
        campaign=(10, 11),
    ),
    DemoActivity(
        "rgpd",
        "RGPD au quotidien",
        "GDPR in everyday work",
        "Ce que le règlement change pour vos fichiers, vos e-mails et vos clients.",
        "What the regulation changes for your files, your e-mails and your customers.",
        "module",
        30,
        5,
        0.7,
        mandatory=True,
        popularity=0.9,
        campaign=(1, 2, 5),
    ),
    DemoActivity(
        "securite-incendie",
        "Sécurité incendie",
        "Fire safety",
        "Évacuation, extincteurs, rôle des guides et serre-files.",
        "Evacuation, extinguishers, the role of fire wardens.",
        "module",
        20,
        4,
        0.8,
        mandatory=True,
        popularity=0.88,
        campaign=(9, 10),
    ),
    DemoActivity(
        "risques-routiers",
        "Prévention des risques routiers",
        "Road risk prevention",
        "Pour les collaborateurs qui conduisent dans le cadre de leur travail.",
        "For employees who drive as part of their job.",
        "module",
        35,
        5,
        0.75,
        mandatory=True,
        popularity=0.85,
        audience="field",
        campaign=(3, 4),
    ),
    DemoActivity(
        "ethique-anticorruption",
        "Éthique des affaires et anticorruption",
        "Business ethics and anti-bribery",
        "Cadeaux, conflits d'intérêts, alerte : le code de conduite Orvalis en pratique.",
        "Gifts, conflicts of interest, whistleblowing: the Orvalis code of conduct in practice.",
        "module",
        40,
        5,
        0.7,
        mandatory=True,
        popularity=0.8,
        campaign=(6,),
    ),
    DemoActivity(
        "entretien-annuel",
        "Management : conduire l'entretien annuel",
        "Management: leading the annual review",
        "Préparer, mener et suivre l'entretien annuel et l'entretien professionnel.",
        "Prepare, lead and follow up the annual and career reviews.",
        "module",
        60,
        6,
        audience="managers",
        popularity=0.7,
        campaign=(12, 1),
    ),
    DemoActivity(
        "excel-avance",
        "Excel avancé",
        "Advanced Excel",
        "Tableaux croisés dynamiques, RECHERCHEX, Power Query.",
        "Pivot tables, XLOOKUP, Power Query.",
        "module",
        90,
        8,
        0.6,
        popularity=0.22,
    ),
    DemoActivity(
        "anglais-pro-m3",
        "Anglais professionnel — module 3",
        "Business English — module 3",
        "Réunions et conférences téléphoniques en anglais.",
        "Meetings and conference calls in English.",
        "module",
        60,
        6,
        0.6,
        popularity=0.15,
    ),
    DemoActivity(
        "feedback-constructif",
        "Donner un feedback constructif",
        "Giving constructive feedback",
        "La méthode DESC en cinq situations.",
        "The DESC method in five situations.",
        "module",
        25,
        4,
        popularity=0.18,
    ),
    DemoActivity(
        "travail-a-distance",
        "Bien travailler à distance",
        "Working well remotely",
        "Organisation, outils collaboratifs, droit à la déconnexion.",
        "Organisation, collaboration tools, the right to disconnect.",
        "module",
        20,
        3,
        popularity=0.2,
    ),
    DemoActivity(
        "gestes-postures",
        "Gestes et postures",
        "Safe lifting and posture",
        "Prévenir les troubles musculo-squelettiques au poste de travail.",
        "Preventing musculoskeletal disorders at the workstation.",
        "module",
        30,
        4,
        0.7,
        mandatory=True,
        popularity=0.8,
        audience="operators",
        campaign=(2, 3),
    ),
    DemoActivity(
        "relation-client-difficile",
        "Relation client : gérer les situations difficiles",
        "Customer relations: handling difficult situations",
        "Écoute, reformulation, désamorcer un conflit.",
        "Listening, rephrasing, defusing a conflict.",
        "module",
        45,
        5,
        popularity=0.12,
    ),
    DemoActivity(
        "bienvenue-orvalis",
        "Bienvenue chez Orvalis",
        "Welcome to Orvalis",
        "Le parcours d'intégration : histoire, métiers, outils.",
        "The onboarding path: history, businesses, tools.",
        "module",
        30,
        4,
        popularity=0.9,
        audience="new_hires",
    ),
    DemoActivity(
        "micro-phishing",
        "Micro-learning : repérer un e-mail de phishing",
        "Micro-learning: spotting a phishing e-mail",
        "Cinq indices en cinq minutes.",
        "Five clues in five minutes.",
        "micro",
        5,
        popularity=0.3,
        campaign=(10,),
    ),
    DemoActivity(
        "micro-mots-de-passe",
        "Micro-learning : des mots de passe solides",
        "Micro-learning: strong passwords",
        "Phrases de passe et gestionnaire de mots de passe.",
        "Passphrases and password managers.",
        "micro",
        4,
        popularity=0.22,
    ),
    DemoActivity(
        "micro-reunion-efficace",
        "Micro-learning : animer une réunion efficace",
        "Micro-learning: running an effective meeting",
        "Ordre du jour, rôles, décisions.",
        "Agenda, roles, decisions.",
        "micro",
        6,
        popularity=0.15,
    ),
    DemoActivity(
        "micro-ia-generative",
        "Micro-learning : l'IA générative au travail",
        "Micro-learning: generative AI at work",
        "Usages, limites et règles de confidentialité.",
        "Uses, limits and confidentiality rules.",
        "micro",
        7,
        popularity=0.28,
    ),
    DemoActivity(
        "video-voeux-dg",
        "Vidéo : le mot du directeur général",
        "Video: a word from the CEO",
        "Les priorités de l'année en quatre minutes.",
        "The year's priorities in four minutes.",
        "video",
        4,
        popularity=0.35,
        campaign=(1,),
    ),
    DemoActivity(
        "video-demarche-qualite",
        "Vidéo : la démarche qualité en 4 minutes",
        "Video: our quality approach in 4 minutes",
        "Amélioration continue et remontée des non-conformités.",
        "Continuous improvement and reporting non-conformities.",
        "video",
        4,
        popularity=0.15,
    ),
    DemoActivity(
        "video-handicap-inclusion",
        "Vidéo : handicap et inclusion au travail",
        "Video: disability and inclusion at work",
        "Témoignages de collaborateurs.",
        "Employees tell their stories.",
        "video",
        6,
        popularity=0.12,
        campaign=(11,),
    ),
    DemoActivity(
        "quiz-cybersecurite",
        "Quiz : cybersécurité",
        "Quiz: cybersecurity",
        "Testez vos réflexes.",
        "Test your reflexes.",
        "quiz",
        6,
        pass_mark=0.6,
        popularity=0.3,
        campaign=(10, 11),
        questions=(
            _q(
                "q1",
                "Un e-mail urgent demande vos identifiants. Que faites-vous ?",
                [
                    ("a", "Je réponds", "I reply"),
                    ("b", "Je le signale", "I report it"),
                    ("c", "Je l'ignore", "I ignore it"),
                ],
                "b",
            ),
            _q(
                "q2",
                "Quel mot de passe est le plus solide ?",
                [
                    ("a", "Orvalis2026!", "Orvalis2026!"),
                    ("b", "cheval-agrafe-pile-correct", "horse-staple-battery-correct"),
                ],
                "b",
            ),
            _q(
                "q3",
                "Une clé USB trouvée sur le parking :",
                [("a", "Je la branche", "I plug it in"), ("b", "Je la remets au support", "I hand it to IT support")],
                "b",
            ),
            _q(
                "q4",
                "En déplacement, pour travailler :",
                [("a", "Wi-Fi public", "Public Wi-Fi"), ("b", "VPN de l'entreprise", "The company VPN")],
                "b",
            ),
            _q(
                "q5",
                "Votre écran quand vous quittez votre poste :",
                [("a", "Je le verrouille", "I lock it"), ("b", "Je le laisse", "I leave it")],
                "a",
            ),
        ),
    ),
    DemoActivity(
        "quiz-rgpd",
        "Quiz : RGPD",
        "Quiz: GDPR",
        "Quatre questions sur les données personnelles.",
        "Four questions on personal data.",
        "quiz",
        5,
        pass_mark=0.75,
        popularity=0.2,
        campaign=(1, 2, 5),
        questions=(
            _q(
                "q1",
                "Une adresse e-mail professionnelle est-elle une donnée personnelle ?",
                [("a", "Oui", "Yes"), ("b", "Non", "No")],
                "a",
            ),
            _q(
                "q2",
                "Combien de temps garder un CV non retenu ?",
                [("a", "2 ans", "2 years"), ("b", "10 ans", "10 years"), ("c", "Toujours", "Forever")],
                "a",
            ),
            _q(
                "q3",
                "Un client demande ses données : délai de réponse ?",
                [("a", "1 mois", "1 month"), ("b", "1 an", "1 year")],
                "a",
            ),
            _q(
                "q4",
                "Envoyer un fichier clients sur sa messagerie personnelle :",
                [("a", "Autorisé", "Allowed"), ("b", "Interdit", "Forbidden")],
                "b",
            ),
        ),
    ),
    DemoActivity(
        "quiz-securite-poste",
        "Quiz : sécurité au poste de travail",
        "Quiz: safety at the workstation",
        "Les consignes essentielles.",
        "The essential rules.",
        "quiz",
        5,
        pass_mark=0.75,
        popularity=0.25,
        audience="operators",
        questions=(
            _q(
                "q1",
                "Avant une intervention de maintenance :",
                [("a", "Consignation", "Lock-out"), ("b", "Rien", "Nothing")],
                "a",
            ),
            _q(
                "q2",
                "Les EPI sont :",
                [("a", "Obligatoires", "Mandatory"), ("b", "Conseillés", "Recommended")],
                "a",
            ),
            _q(
                "q3",
                "Un presque-accident :",
                [("a", "Je le déclare", "I report it"), ("b", "Je l'oublie", "I forget it")],
                "a",
            ),
            _q(
                "q4",
                "Charge maximale portée seul :",
                [("a", "25 kg", "25 kg"), ("b", "50 kg", "50 kg")],
                "a",
            ),
        ),
    ),
    DemoActivity(
        "classe-virtuelle-changement",
        "Classe virtuelle : manager en période de changement",
        "Virtual class: managing through change",
        "90 minutes en direct avec une consultante, en groupe de 12.",
        "90 live minutes with a consultant, in groups of 12.",
        "class",
        90,
        audience="managers",
        popularity=0.45,
        campaign=(3, 9),
    ),
    DemoActivity(
        "classe-virtuelle-excel",
        "Classe virtuelle : questions-réponses Excel",
        "Virtual class: Excel questions and answers",
        "Une heure pour lever vos blocages, en complément du module Excel avancé.",
        "One hour to get unstuck, alongside the Advanced Excel module.",
        "class",
        60,
        popularity=0.06,
    ),
)

# Share of learning started in each month (quiet August and late December).
MONTH_WEIGHTS = {1: 1.3, 2: 1.2, 3: 1.25, 4: 1.0, 5: 0.9, 6: 1.0, 7: 0.55, 8: 0.25, 9: 1.15, 10: 1.3, 11: 1.2, 12: 0.6}
# Statements of one attempt, roughly: used to size the enrolment probabilities.
EXPECTED_LENGTH = {"module": 10.0, "micro": 4.0, "video": 5.0, "quiz": 9.0, "class": 2.0}
EXTERNAL_TRAINEES = (
    ("Nadia Ferreira", "nadia.ferreira@formaplus-conseil.example"),
    ("Thomas Keller", "t.keller@partner-logistics.example"),
    ("Inès Morel", "ines.morel.pro@gmail.example"),
    ("Lucas Girard", "lucas.girard@interim-plus.example"),
    ("Amélie Roussel", "amelie.roussel@formaplus-conseil.example"),
    ("Yann Le Goff", "ylegoff@prestataire-it.example"),
)
EXTERNAL_ACCOUNTS = (("Camille Bertin", "cbertin"), ("Olivier Dumas", "odumas"), ("Sarah Cohen", "scohen"))
EXTERNAL_LMS = "https://lms.partenaire-formation.example"


@dataclass
class DemoLearningSummary:
    statements: int
    voided: int
    activities: int
    learners: int
    external: int
    seconds: float = 0.0
    client_key: str = ""


@dataclass(order=True)
class _Event:
    """One statement to send, before it becomes JSON (small, so that 200,000 fit in memory)."""

    when: dt.datetime
    seq: int
    learner: int = field(compare=False)  # index into the learner table
    verb: str = field(compare=False)
    obj: str = field(compare=False)  # activity slug, or "slug/qN" for a question
    registration: int = field(compare=False)
    result: dict[str, Any] | None = field(compare=False, default=None)
    sid: int = field(compare=False, default=0)
    target: int = field(compare=False, default=0)  # voiding: the sid of the voided statement


def _iso_duration(seconds: float) -> str:
    seconds = max(1, round(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + f"{secs}S"


class _Generator:
    def __init__(
        self, *, seed: int, target: int, end: dt.datetime, learners: list[dict[str, Any]], tz: dt.tzinfo
    ) -> None:
        self.rng = random.Random(seed)
        self.tz = tz
        self.target = target
        self.end = end
        self.start = end - dt.timedelta(days=DAYS)
        self.learners = learners
        self.events: list[_Event] = []
        self.seq = 0
        self.by_slug = {a.slug: a for a in ACTIVITIES}
        days = [(self.start + dt.timedelta(days=d)).date() for d in range(DAYS)]
        self.days = days
        base = [MONTH_WEIGHTS[d.month] * (0.12 if d.weekday() >= 5 else 1.0) for d in days]
        self.day_weights: dict[str, list[float]] = {}
        for activity in ACTIVITIES:
            weights = [w * (3.0 if d.month in activity.campaign else 1.0) for w, d in zip(base, days, strict=True)]
            self.day_weights[activity.slug] = list(_accumulate(weights))

    # --- who takes what ---------------------------------------------------------------

    def eligible(self, learner: dict[str, Any], activity: DemoActivity) -> bool:
        if learner.get("external"):
            return activity.kind in ("module", "class") and not activity.mandatory and activity.audience == ""
        audience = activity.audience
        if audience == "field":
            return learner["family"] in ("Ventes", "Logistique", "Relation client") or learner["code"] in (
                "TECH-MAINT",
                "ANIM-HSE",
            )
        if audience == "managers":
            return learner["code"] in MANAGERS
        if audience == "operators":
            return learner["family"] in ("Production", "Logistique", "Qualité")
        if audience == "new_hires":
            return learner["new_hire"]
        return True

    def plan(self) -> list[tuple[int, DemoActivity]]:
        """Enrolments (learner, activity), with probabilities scaled to the volume wanted."""
        pairs = [
            (index, activity, activity.popularity)
            for index, learner in enumerate(self.learners)
            for activity in ACTIVITIES
            if self.eligible(learner, activity)
        ]
        expected = sum(p * EXPECTED_LENGTH[a.kind] * (1.25 if a.pass_mark else 1.0) for _i, a, p in pairs)
        scale = self.target / expected if expected else 0.0
        chosen = []
        for index, activity, probability in pairs:
            wanted = probability * scale
            if activity.mandatory:  # compliance: most of the eligible employees, whatever the volume
                wanted = max(wanted, min(probability, 0.97) * min(1.0, scale * 1.4))
            if self.rng.random() < min(wanted, 0.97):
                chosen.append((index, activity))
        self.rng.shuffle(chosen)
        return chosen

    # --- time -------------------------------------------------------------------------

    def start_time(self, activity: DemoActivity) -> dt.datetime:
        day = self.rng.choices(self.days, cum_weights=self.day_weights[activity.slug])[0]
        hour = self.rng.choices(range(8, 19), weights=[4, 8, 9, 8, 5, 3, 6, 8, 7, 5, 2])[0]
        moment = dt.datetime(
            day.year, day.month, day.day, hour, self.rng.randrange(60), self.rng.randrange(60), tzinfo=self.tz
        )
        return moment

    def emit(
        self,
        when: dt.datetime,
        learner: int,
        verb: str,
        obj: str,
        registration: int,
        result: dict[str, Any] | None = None,
    ) -> _Event | None:
        if when >= self.end:
            return None  # not happened yet: the attempt is still in progress
        self.seq += 1
        event = _Event(when, self.seq, learner, verb, obj, registration, result, sid=self.rng.getrandbits(128))
        self.events.append(event)
        return event

    # --- attempts ---------------------------------------------------------------------

    def attempt(self, learner: int, activity: DemoActivity, when: dt.datetime, retry: int = 0) -> None:
        reg = self.rng.getrandbits(128)
        rng = self.rng
        slug = activity.slug
        if activity.kind == "class":
            duration = activity.minutes * 60 * rng.uniform(0.8, 1.05)
            self.emit(when, learner, "attended", slug, reg, {"duration": _iso_duration(duration)})
            self.emit(when + dt.timedelta(seconds=duration), learner, "completed", slug, reg, {"completion": True})
            return
        launched = self.emit(when, learner, "launched", slug, reg)
        if launched is None:
            return
        if rng.random() < 0.03:
            return  # launched, never started (pop-up blocked, phone call...)
        t = when + dt.timedelta(seconds=rng.randint(2, 20))
        self.emit(t, learner, "initialized", slug, reg)
        if activity.kind == "video":
            self._video(learner, activity, t, reg)
            return
        if activity.kind == "quiz":
            self._quiz(learner, activity, t, reg, retry)
            return
        keep_going = 0.985 if activity.mandatory else (0.97 if activity.kind == "micro" else 0.9)
        sections = activity.sections
        spent = 0.0
        for section in range(1, sections + 1):
            length = activity.minutes * 60 / sections * rng.lognormvariate(0, 0.35)
            t += dt.timedelta(seconds=length)
            spent += length
            if sections > 1:
                progress = round(100 * section / sections)
                result = {"duration": _iso_duration(length), "extensions": {PROGRESS_EXTENSION: progress}}
                if self.emit(t, learner, "progressed", slug, reg, result) is None:
                    return
            if section < sections and rng.random() > keep_going:
                self.emit(t + dt.timedelta(seconds=5), learner, "terminated", slug, reg)
                return  # dropped out
            if section < sections and sections > 3 and rng.random() < 0.12:
                # Came back another day: a new session of the same attempt.
                self.emit(t + dt.timedelta(seconds=5), learner, "terminated", slug, reg)
                t += dt.timedelta(days=rng.randint(1, 12), minutes=rng.randint(0, 300))
                self.emit(t, learner, "launched", slug, reg)
                t += dt.timedelta(seconds=rng.randint(2, 20))
                self.emit(t, learner, "initialized", slug, reg)
        final: dict[str, Any] = {"completion": True}
        if sections == 1:  # no progressed statement carried the time: the completion does
            final["duration"] = _iso_duration(spent)
        t += dt.timedelta(seconds=rng.randint(1, 10))
        self.emit(t, learner, "completed", slug, reg, final)
        if activity.pass_mark is not None:
            self._verdict(learner, activity, t + dt.timedelta(seconds=1), reg, retry)
        self.emit(t + dt.timedelta(seconds=rng.randint(2, 30)), learner, "terminated", slug, reg)

    def _score(self, activity: DemoActivity, retry: int) -> float:
        mean = 0.8 if activity.mandatory else 0.7
        return min(1.0, max(0.1, self.rng.gauss(mean + 0.08 * retry, 0.14)))

    def _verdict(self, learner: int, activity: DemoActivity, when: dt.datetime, reg: int, retry: int) -> None:
        score = round(self._score(activity, retry), 2)
        passed = activity.pass_mark is not None and score >= activity.pass_mark
        result = {
            "score": {"scaled": score, "raw": round(score * 100), "min": 0, "max": 100},
            "success": passed,
            "completion": True,
        }
        self.emit(when, learner, "passed" if passed else "failed", activity.slug, reg, result)
        if not passed and retry < 2 and self.rng.random() < (0.8 if activity.mandatory else 0.45):
            again = when + dt.timedelta(days=self.rng.randint(1, 15), hours=self.rng.randint(0, 6))
            self.attempt(learner, activity, again, retry + 1)

    def _video(self, learner: int, activity: DemoActivity, t: dt.datetime, reg: int) -> None:
        rng = self.rng
        total = activity.minutes * 60
        self.emit(t, learner, "played", activity.slug, reg)
        watched = total * rng.uniform(0.2, 0.6)
        t += dt.timedelta(seconds=watched)
        self.emit(t, learner, "paused", activity.slug, reg, {"duration": _iso_duration(watched)})
        if rng.random() < 0.3:
            return  # stopped there
        t += dt.timedelta(seconds=rng.randint(5, 600))
        self.emit(t, learner, "played", activity.slug, reg)
        rest = total - watched
        t += dt.timedelta(seconds=rest)
        result = {"duration": _iso_duration(rest), "completion": True, "extensions": {PROGRESS_EXTENSION: 100}}
        self.emit(t, learner, "completed", activity.slug, reg, result)
        self.emit(t + dt.timedelta(seconds=3), learner, "terminated", activity.slug, reg)

    def _quiz(self, learner: int, activity: DemoActivity, t: dt.datetime, reg: int, retry: int) -> None:
        rng = self.rng
        skill = self._score(activity, retry)
        correct = 0
        for slug, _text, choices, answer in activity.questions:
            pause = rng.uniform(15, 70)
            t += dt.timedelta(seconds=pause)
            right = rng.random() < skill
            response = answer if right else rng.choice([c[0] for c in choices if c[0] != answer])
            correct += right
            result = {"response": response, "success": right, "duration": _iso_duration(pause)}
            if self.emit(t, learner, "answered", f"{activity.slug}/{slug}", reg, result) is None:
                return
            if rng.random() < 0.02:
                return  # closed the tab
        score = correct / len(activity.questions)
        passed = activity.pass_mark is not None and score >= activity.pass_mark
        t += dt.timedelta(seconds=2)
        verdict = {
            "score": {"scaled": round(score, 2), "raw": correct, "min": 0, "max": len(activity.questions)},
            "success": passed,
            "completion": True,
        }
        self.emit(t, learner, "passed" if passed else "failed", activity.slug, reg, verdict)
        self.emit(t + dt.timedelta(seconds=1), learner, "completed", activity.slug, reg, {"completion": True})
        self.emit(t + dt.timedelta(seconds=5), learner, "terminated", activity.slug, reg)
        if not passed and retry < 2 and rng.random() < 0.5:
            self.attempt(learner, activity, t + dt.timedelta(days=rng.randint(0, 10), hours=1), retry + 1)

    # --- the whole year ----------------------------------------------------------------

    def run(self) -> list[_Event]:
        plan = self.plan()
        for learner, activity in plan:
            if len(self.events) >= self.target:
                break
            self.attempt(learner, activity, self.start_time(activity))
        # Short of the volume (few employees): learners come back to what they took.
        while plan and len(self.events) < self.target:
            learner, activity = self.rng.choice(plan)
            self.attempt(learner, activity, self.start_time(activity))
        self._void()
        self.events.sort()
        return self.events

    def _void(self) -> None:
        """A few completions sent by mistake, voided by the platform a little later."""
        # Not the last two days: the voiding statement must come after its target.
        completions = [e for e in self.events if e.verb == "completed" and e.when < self.end - dt.timedelta(days=2)]
        count = min(len(completions), max(2, self.target // 20_000))
        for event in self.rng.sample(completions, count):
            when = event.when + dt.timedelta(hours=self.rng.randint(1, 48))
            voiding = self.emit(when, event.learner, "voided", "", 0)
            if voiding is not None:
                voiding.target = event.sid


def _accumulate(values: list[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


def _learners(seed: int) -> list[dict[str, Any]]:
    """The demo employees (active), each with the identifier their platform sends, then a
    few external trainees no employee matches."""
    rng = random.Random(seed + 1)
    recent = timezone.localdate() - dt.timedelta(days=730)
    learners: list[dict[str, Any]] = []
    rows = (
        Employee.objects.filter(active=True)
        .order_by("employee_number")
        .values_list(
            "employee_number", "email", "first_name", "last_name", "job_role__family", "job_role__code", "hire_date"
        )
    )
    for number, email, first, last, family, code, hired in rows:
        name = f"{first} {last}"
        actor: dict[str, Any]
        if email and rng.random() < 0.7:
            actor = {"objectType": "Agent", "name": name, "mbox": f"mailto:{email}"}
        else:
            actor = {"objectType": "Agent", "name": name, "account": {"homePage": settings.SITE_URL, "name": number}}
        learners.append(
            {
                "actor": actor,
                "family": family or "",
                "code": code or "",
                "new_hire": bool(hired and hired >= recent),
                "external": False,
            }
        )
    for name, email in EXTERNAL_TRAINEES:
        learners.append({"actor": {"objectType": "Agent", "name": name, "mbox": f"mailto:{email}"}, "external": True})
    for name, login in EXTERNAL_ACCOUNTS:
        actor = {"objectType": "Agent", "name": name, "account": {"homePage": EXTERNAL_LMS, "name": login}}
        learners.append({"actor": actor, "external": True})
    return learners


def _objects() -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Per activity (and question): the object with its definition (first statement of an
    attempt) and without (the others, as most platforms send them)."""
    out: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for a in ACTIVITIES:
        iri = f"{CAMPUS}/activities/{a.slug}"
        definition = {
            "name": {"fr-FR": a.fr, "en-US": a.en},
            "description": {"fr-FR": a.fr_description, "en-US": a.en_description},
            "type": TYPES[a.kind],
        }
        out[a.slug] = (
            {"objectType": "Activity", "id": iri, "definition": definition},
            {"objectType": "Activity", "id": iri},
        )
        for slug, text, choices, answer in a.questions:
            question = {
                "objectType": "Activity",
                "id": f"{iri}/{slug}",
                "definition": {
                    "name": {"fr-FR": f"{a.fr} — {slug.upper()}", "en-US": f"{a.en} — {slug.upper()}"},
                    "description": {"fr-FR": text},
                    "type": TYPES["question"],
                    "interactionType": "choice",
                    "correctResponsesPattern": [answer],
                    "choices": [{"id": cid, "description": {"fr-FR": fr, "en-US": en}} for cid, fr, en in choices],
                },
            }
            out[f"{a.slug}/{slug}"] = (question, question)
    return out


def _statements(events: list[_Event], learners: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    verbs = {key: {"id": iri, "display": {"en-US": en, "fr-FR": fr}} for key, (iri, en, fr) in VERBS.items()}
    objects = _objects()
    parents = {a.slug: {"objectType": "Activity", "id": f"{CAMPUS}/activities/{a.slug}"} for a in ACTIVITIES}
    for event in events:
        statement: dict[str, Any] = {
            "id": str(uuid.UUID(int=event.sid, version=4)),
            "actor": learners[event.learner]["actor"],
            "verb": verbs[event.verb],
            "timestamp": event.when.isoformat(timespec="milliseconds"),
        }
        if event.verb == "voided":
            statement["object"] = {"objectType": "StatementRef", "id": str(uuid.UUID(int=event.target, version=4))}
            yield statement
            continue
        full, short = objects[event.obj]
        statement["object"] = full if event.verb in ("launched", "attended") else short
        context: dict[str, Any] = {
            "registration": str(uuid.UUID(int=event.registration, version=4)),
            "platform": "Orvalis Campus",
            "language": "fr-FR",
        }
        if "/" in event.obj:
            context["contextActivities"] = {"parent": [parents[event.obj.split("/", 1)[0]]]}
        statement["context"] = context
        if event.result is not None:
            statement["result"] = event.result
        yield statement


def demo_client() -> LrsClient | None:
    return LrsClient.objects.filter(name=CLIENT_NAME, revoked_at__isnull=True).first()


def demo_learning_create(
    *,
    actor: Any,
    seed: int = DEFAULT_SEED,
    size: str = "standard",
    progress: Callable[[int], None] | None = None,
) -> DemoLearningSummary:
    """Post a year of learning activity of the demo employees (see the module docstring).

    ``progress(n)`` is called after each batch with the number of statements stored.
    Each batch is its own transaction (as when a platform posts them): an interrupted run
    leaves the batches already stored. Refuses production, and a database where the demo
    client already exists (run it once per demo database).
    """
    if getattr(settings, "PILOTAGE_ENV", "development") == "production":
        raise ValidationFailed(
            {"PILOTAGE_ENV": ["The demo learning activity is never created when PILOTAGE_ENV=production."]}
        )
    if size not in VOLUMES:
        raise ValidationFailed({"size": [f"Unknown size {size!r}: choose one of {', '.join(VOLUMES)}."]})
    if demo_client() is not None:
        raise ValidationFailed({"database": [f"The demo learning activity is already there (client “{CLIENT_NAME}”)."]})
    learners = _learners(seed)
    if not any(not learner["external"] for learner in learners):
        raise ValidationFailed({"database": ["No employee yet: build the demo company first (`pilotage demo`)."]})
    started = timezone.now()
    generator = _Generator(
        seed=seed,
        target=VOLUMES[size],
        end=started.replace(microsecond=0),
        learners=learners,
        tz=zoneinfo.ZoneInfo(settings.TIME_ZONE),
    )
    events = generator.run()
    client, _secret = credentials.lrs_client_create(
        actor=actor, name=CLIENT_NAME, scopes=["statements/write", "statements/read/mine", "state"]
    )
    batch: list[dict[str, Any]] = []
    stored = 0
    for statement in _statements(events, learners):
        batch.append(statement)
        if len(batch) == BATCH:
            services.statement_store(statements=batch, client=client, version="2.0.0")
            stored += len(batch)
            batch = []
            if progress is not None:
                progress(BATCH)
    if batch:
        services.statement_store(statements=batch, client=client, version="2.0.0")
        stored += len(batch)
        if progress is not None:
            progress(len(batch))
    used = {e.learner for e in events}
    return DemoLearningSummary(
        statements=stored,
        voided=sum(1 for e in events if e.verb == "voided"),
        activities=len({e.obj for e in events if e.obj}),
        learners=sum(1 for i in used if not learners[i]["external"]),
        external=sum(1 for i in used if learners[i]["external"]),
        seconds=(timezone.now() - started).total_seconds(),
        client_key=client.key,
    )


def expected_statements(size: str) -> int:
    """About how many statements ``size`` posts (for progress bars)."""
    return VOLUMES.get(size, 0) + max(2, VOLUMES.get(size, 0) // 20_000)
