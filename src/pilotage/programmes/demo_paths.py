"""Demo learning paths for Groupe Orvalis: for each programme in design or later, one or two
blended paths of 3–8 steps in French, with prerequisites and a completion rule — written
through ``services_paths`` like a DLM would. Programmes that already have a path are left
alone, so running it twice adds nothing. Called by ``pilotage demo-portfolio``."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from pilotage.people.permissions import acting_dlm
from pilotage.programmes import services_paths
from pilotage.programmes.models import LearningPath, PathStep, Programme

BASE_URL = "https://formation.orvalis.example"
DESIGNED = [
    Programme.Status.DESIGN,
    Programme.Status.PRODUCTION,
    Programme.Status.DEPLOYMENT,
    Programme.Status.RUNNING,
    Programme.Status.CLOSED,
]
K = PathStep.Kind


@dataclass(frozen=True)
class DemoStep:
    kind: str
    title: str
    minutes: int
    description: str = ""
    mandatory: bool = True
    after: tuple[int, ...] = ()  # indexes (0-based) of earlier steps of the same template
    url: str = ""


@dataclass(frozen=True)
class DemoPath:
    title: str
    description: str
    rule: str
    steps: list[DemoStep] = field(default_factory=list)
    count: int | None = None
    min_score: int | None = None


TEMPLATES: list[DemoPath] = [
    DemoPath(
        "Parcours blended essentiel",
        "Les fondamentaux à distance, la mise en pratique en classe virtuelle puis en atelier sur site.",
        LearningPath.CompletionRule.ALL_MANDATORY,
        [
            DemoStep(K.VIDEO, "Vidéo d'ouverture : le mot du sponsor", 5, url="/videos/ouverture"),
            DemoStep(K.ELEARNING, "Module e-learning : les fondamentaux", 45, url="/elearning/fondamentaux"),
            DemoStep(K.QUIZ, "Quiz de validation des acquis", 15, after=(1,)),
            DemoStep(
                K.VIRTUAL_CLASS,
                "Classe virtuelle : cas pratiques",
                90,
                "Sur Teams, 12 participants maximum.",
                after=(2,),
            ),
            DemoStep(
                K.IN_PERSON, "Atelier en présentiel", 210, "Une demi-journée sur le site de rattachement.", after=(3,)
            ),
            DemoStep(K.DOCUMENT, "Fiche mémo à télécharger", 10, mandatory=False, url="/docs/fiche-memo.pdf"),
            DemoStep(K.SURVEY, "Questionnaire de satisfaction à chaud", 5, mandatory=False, after=(4,)),
        ],
    ),
    DemoPath(
        "Parcours express mobile",
        "Pour les équipes terrain : des formats courts, à suivre sur smartphone entre deux interventions.",
        LearningPath.CompletionRule.MIN_SCORE,
        [
            DemoStep(K.VIDEO, "Vidéo d'introduction (3 min)", 3, url="/videos/introduction"),
            DemoStep(K.ELEARNING, "Micro-module : les bons réflexes", 10, url="/elearning/bons-reflexes"),
            DemoStep(K.ELEARNING, "Micro-module : les situations à risque", 10, url="/elearning/situations-risque"),
            DemoStep(K.QUIZ, "Quiz de validation", 10, after=(1, 2)),
            DemoStep(K.LINK, "Pour aller plus loin : ressources en ligne", 15, mandatory=False, url="/ressources"),
        ],
        min_score=70,
    ),
    DemoPath(
        "Parcours managers",
        "Un parcours au long cours pour les managers : apports, échanges entre pairs et plan d'action.",
        LearningPath.CompletionRule.N_OF_M,
        [
            DemoStep(K.ELEARNING, "Module e-learning : le rôle du manager", 30, url="/elearning/role-manager"),
            DemoStep(K.VIRTUAL_CLASS, "Classe virtuelle de lancement", 60, after=(0,)),
            DemoStep(K.PEER, "Co-développement entre pairs", 120, "Groupes de 6 managers, animés par un facilitateur."),
            DemoStep(K.ASSIGNMENT, "Plan d'action individuel", 60, after=(1,)),
            DemoStep(K.IN_PERSON, "Atelier de clôture en présentiel", 180, after=(3,)),
            DemoStep(K.DOCUMENT, "Boîte à outils du manager", 20, mandatory=False, url="/docs/boite-a-outils.pdf"),
        ],
        count=4,
    ),
    DemoPath(
        "Parcours réglementaire",
        "Obligation légale : le module, puis un quiz de certification à réussir à 80 %.",
        LearningPath.CompletionRule.MIN_SCORE,
        [
            DemoStep(K.DOCUMENT, "Charte et procédure de référence", 15, url="/docs/procedure.pdf"),
            DemoStep(K.ELEARNING, "Module e-learning réglementaire", 40, url="/elearning/reglementaire"),
            DemoStep(K.QUIZ, "Quiz de certification", 20, after=(1,)),
        ],
        min_score=80,
    ),
    DemoPath(
        "Parcours de découverte",
        "Une première approche, libre : trois activités sur cinq suffisent.",
        LearningPath.CompletionRule.N_OF_M,
        [
            DemoStep(K.VIDEO, "Témoignages de collaborateurs", 12, url="/videos/temoignages"),
            DemoStep(K.ELEARNING, "Module e-learning : l'essentiel en 20 minutes", 20, url="/elearning/essentiel"),
            DemoStep(K.VIRTUAL_CLASS, "Webinaire questions-réponses", 45, mandatory=False),
            DemoStep(K.PEER, "Forum d'échanges de pratiques", 30, mandatory=False),
            DemoStep(K.QUIZ, "Quiz : testez-vous", 10, after=(1,)),
        ],
        count=3,
    ),
]


def _create(actor: Any, programme: Programme, template: DemoPath) -> tuple[LearningPath, int]:
    rule_params: dict[str, Any] = {}
    if template.rule == LearningPath.CompletionRule.MIN_SCORE:
        rule_params["completion_min_score"] = template.min_score
    path = services_paths.path_create(
        actor=actor,
        programme=programme,
        title=template.title,
        description=template.description,
        language="fr",
        # N of M is set once the steps exist (the rule is checked against their number).
        completion_rule=template.rule
        if template.rule != LearningPath.CompletionRule.N_OF_M
        else LearningPath.CompletionRule.ALL_MANDATORY,
        **rule_params,
    )
    made: list[PathStep] = []
    slug = programme.code.lower()
    for spec in template.steps:
        made.append(
            services_paths.step_create(
                actor=actor,
                path=path,
                kind=spec.kind,
                title=spec.title,
                description=spec.description,
                url=f"{BASE_URL}/{slug}{spec.url}" if spec.url else "",
                duration_minutes=spec.minutes,
                mandatory=spec.mandatory,
                prerequisites=[made[i].pk for i in spec.after],
            )
        )
    if template.rule == LearningPath.CompletionRule.N_OF_M:
        path = services_paths.path_update(
            actor=actor, path=path, completion_rule=template.rule, completion_count=template.count
        )
    return path, len(made)


def seed(*, rng: random.Random) -> dict[str, int]:
    """Paths for the designed programmes that have none yet; counts of what was made."""
    actor = acting_dlm(None)
    counts = {"paths": 0, "steps": 0}
    programmes = Programme.objects.filter(status__in=DESIGNED, paths__isnull=True).order_by("code")
    for programme in programmes:
        how_many = 2 if rng.random() < 0.35 else 1
        for template in rng.sample(TEMPLATES, how_many):
            _path, steps = _create(actor, programme, template)
            counts["paths"] += 1
            counts["steps"] += steps
    return counts
