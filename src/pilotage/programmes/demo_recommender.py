"""Demo data of the modality recommender (Groupe Orvalis), made through the services.

For each programme without a run yet: the DLM adjusts the inputs the HR data cannot know
(skill type, need for practice… read from the programme's title, as a DLM would), runs the
recommender, and records a choice — usually the top modality, sometimes another with a
believable reason. Then a draft v2 of the rules with one change, waiting to be published.
Copes with no programme at all (the programmes seed may not have run).
"""

from __future__ import annotations

import random
from typing import Any

from pilotage.core.errors import PilotageError
from pilotage.people.permissions import acting_dlm, is_dlm
from pilotage.programmes import services_recommender as svc
from pilotage.programmes.models import Modality, Programme, RuleSet

# Words of a programme's title → the inputs a DLM would set by hand.
PROFILES: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (
        ("rgpd", "conformité", "éthique", "anticorruption", "sapin", "cyber", "réglementaire"),
        {
            "skill_type": "compliance",
            "practice_need": "none",
            "attendance_proof": True,
            "content_shelf_life_months": 36,
        },
    ),
    (
        ("sécurité", "habilitation", "hse", "gestes", "caces", "incendie"),
        {"skill_type": "compliance", "practice_need": "high", "attendance_proof": True},
    ),
    (
        ("manag", "leadership", "feedback", "entretien", "négociation", "relation client", "vente"),
        {"skill_type": "behaviour", "practice_need": "high"},
    ),
    (
        ("maintenance", "procédure", "machine", "outil", "logiciel", "erp", "crm", "lean", "qualité"),
        {"skill_type": "procedure", "practice_need": "some"},
    ),
    (
        ("onboarding", "intégration", "culture", "data", "ia", "produit", "offre"),
        {"skill_type": "knowledge", "practice_need": "some", "content_shelf_life_months": 12},
    ),
]

# Why a DLM would not follow the first modality, by the modality chosen instead.
OVERRIDE_REASONS: dict[str, str] = {
    "in_person": "Les équipes sont regroupées sur deux sites proches : une journée en salle soude aussi le collectif,"
    " et le sponsor y tient.",
    "blended": "Nous gardons une demi-journée en présentiel pour la mise en pratique, avec une préparation en ligne"
    " avant.",
    "virtual_classroom": "Calendrier serré : nos formateurs internes peuvent animer des classes virtuelles dès le mois"
    " prochain, sans attendre une production.",
    "elearning": "Un module existe déjà dans le catalogue de notre éditeur ; l'adapter coûte bien moins qu'une"
    " nouvelle production.",
    "micro_learning": "Les managers de proximité relaieront des capsules sur mobile pendant les briefs d'équipe :"
    " c'est ce qui marche chez nous.",
    "video": "La direction de la communication produit déjà les vidéos internes : nous nous appuyons sur son studio.",
    "on_the_job": "Nous avons des tuteurs formés à l'AFEST sur chaque site : l'apprentissage au poste est notre"
    " standard pour ces métiers.",
    "coaching": "Population très restreinte et sensible : un accompagnement individuel est plus adapté.",
    "mooc": "Un SPOC partenaire existe avec une grande école ; nous l'ouvrons à une cohorte interne.",
    "simulation": "L'éditeur du simulateur est déjà référencé par les Achats ; le coût par apprenant reste maîtrisé.",
    "social": "Une communauté de pratique existe déjà sur l'intranet ; nous la faisons vivre plutôt que créer un"
    " contenu.",
}

DRAFT_NOTE = "Essai : renforcer l'apprentissage au poste (AFEST) pour les procédures des équipes de terrain"


def _profile(title: str) -> dict[str, Any]:
    lowered = title.lower()
    for words, values in PROFILES:
        if any(w in lowered for w in words):
            return dict(values)
    return {}


def _draft_v2(actor: Any) -> tuple[int, int]:
    """A draft with one change, unless a draft exists already: (drafts made, rules changed)."""
    if RuleSet.objects.filter(status=RuleSet.Status.DRAFT).exists():
        return 0, 0
    draft = svc.ruleset_draft_create(actor=actor, note=DRAFT_NOTE)
    rule = draft.rules.filter(key="procedure-in-the-field").first()
    if rule is None:
        return 1, 0
    svc.rule_update(
        actor=actor,
        rule=rule,
        key=rule.key,
        name=rule.name,
        condition=rule.condition,
        effects={**rule.effects, "on_the_job": 5, "micro_learning": 1},
        explanation_en="Procedures for field staff are best learnt at the workstation with a trained tutor (AFEST),"
        " with short mobile reminders afterwards.",
        explanation_fr="Les procédures des équipes de terrain s'apprennent le mieux au poste avec un tuteur formé"
        " (AFEST), complétées par de courts rappels sur mobile.",
        active=True,
    )
    return 1, 1


def seed(*, rng: random.Random) -> dict[str, int]:
    """Runs and choices for programmes without a run; a draft v2. Counts of what was made."""
    counts = {"recommendations": 0, "choices": 0, "overrides": 0, "inputs_edited": 0, "drafts": 0}
    counts["draft_rules_changed"] = 0
    actor = acting_dlm(None)
    if not is_dlm(actor):
        return counts
    modalities = {m.key: m for m in Modality.objects.filter(active=True)}
    programmes = list(Programme.objects.filter(recommendations__isnull=True).order_by("code"))
    for index, programme in enumerate(programmes):
        edits = _profile(programme.title)
        if edits:
            current = svc.programme_inputs(programme).edited
            svc.programme_inputs_save(actor=actor, programme=programme, values={**current, **edits})
            counts["inputs_edited"] += 1
        try:
            run = svc.recommendation_run(actor=actor, programme=programme)
        except PilotageError:
            continue
        counts["recommendations"] += 1
        ranked = [row["modality"] for row in run.results]
        # About one in four goes against the list; at least one in the demo.
        last = index == len(programmes) - 1
        override = len(ranked) > 1 and (rng.random() < 0.25 or (last and counts["overrides"] == 0))
        key = ranked[1] if override else ranked[0]
        svc.recommendation_choose(
            actor=actor,
            recommendation=run,
            modality=modalities[key],
            override_reason=OVERRIDE_REASONS.get(key, "Choix du sponsor après arbitrage budgétaire.")
            if override
            else "",
        )
        counts["choices"] += 1
        counts["overrides"] += int(override)
    counts["drafts"], counts["draft_rules_changed"] = _draft_v2(actor)
    return counts
