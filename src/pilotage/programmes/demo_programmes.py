"""Demo programmes of Groupe Orvalis: a small skills framework (6 domains, 30 skills) and
15 programmes across the lifecycle, linked to the demo objectives, accepted requests and
audiences when they exist, with their history of moves — all made through the services.

Run by ``pilotage demo-portfolio`` after the objectives and requests; copes with their absence
and skips what already exists (idempotent enough to run twice).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from pilotage.people.models import Audience, User
from pilotage.people.permissions import acting_dlm
from pilotage.programmes import services_skills
from pilotage.programmes.models import ProficiencyLevel, Programme, Skill, SkillDomain
from pilotage.programmes.services_programmes import ORDER, programme_create, programme_transition, programme_update
from pilotage.strategy.models import Objective, TrainingRequest

S = Programme.Status
DOMAIN = "orvalis.example"

FRAMEWORK: dict[str, list[str]] = {
    "Sécurité et prévention": [
        "Consignation et déconsignation (LOTO)",
        "Habilitation électrique",
        "Conduite d'engins de manutention",
        "Analyse des risques au poste",
        "Gestes et postures",
    ],
    "Management et leadership": [
        "Donner du feedback",
        "Conduire un entretien annuel",
        "Manager une équipe à distance",
        "Animer une réunion d'équipe",
        "Accompagner le changement",
    ],
    "Relation client et vente": [
        "Écoute active et découverte des besoins",
        "Traitement des réclamations",
        "Vente à distance",
        "Négociation commerciale",
        "Utilisation du CRM",
    ],
    "Digital et cybersécurité": [
        "Repérer une tentative d'hameçonnage",
        "Protection des données personnelles (RGPD)",
        "Outils collaboratifs",
        "Mots de passe et double authentification",
        "Culture de la donnée",
    ],
    "Excellence opérationnelle": [
        "Routines lean (5S, management visuel)",
        "Résolution de problèmes (8D)",
        "Maintenance préventive et prédictive",
        "Standardisation du travail",
        "Amélioration continue (kaizen)",
    ],
    "Éthique et conformité": [
        "Prévention de la corruption (Sapin II)",
        "Conflits d'intérêts",
        "Cadeaux et invitations",
        "Devoir d'alerte",
        "Droit de la concurrence",
    ],
}

# Demo objectives by a word of their title (strategy.demo_requests), so that a renamed
# objective only loses the link.
OBJECTIVE_WORDS = {
    "securite": "accident",
    "digital": "digitale",
    "client": "expérience client",
    "rse": "carbone",
    "sapin2": "Sapin II",
    "onboarding": "intégration",
    "management": "managériale",
    "maintenance": "maintenance",
    "cyber": "Protéger nos données",
    "lean": "lean",
    "international": "international",
}

AUD_COM_MANAGERS = "Managers de la Direction Commerciale"
AUD_EN = "Anglophones Canada et Belgique"
AUD_NEW = "Alternants et CDD"
AUD_PLANTS = "Production et maintenance — sites français"


@dataclass(frozen=True)
class ProgrammeSpec:
    title: str
    description: str
    objectives: tuple[str, ...]
    sponsor: str | None  # persona e-mail prefix
    audiences: tuple[str, ...]
    status: str
    start: dt.date | None
    end: dt.date | None
    budget: int | None
    skills: tuple[tuple[str, int], ...]  # (skill name, target rank)
    learning_objectives: tuple[str, ...] = ()
    manager_approval: bool = False
    back_note: str = ""  # went back one step once, with this note
    close_note: str = ""  # abandoned before running, with this note
    extra: dict[str, Any] = field(default_factory=dict)


PROGRAMMES: list[ProgrammeSpec] = [
    ProgrammeSpec(
        "Sécurité industrielle — habilitations",
        "Habilitations électriques et consignation pour les équipes de production et de maintenance des "
        "sites français : théorie en e-learning, pratique sur plateau technique, recyclage tous les trois ans.",
        ("securite",),
        "client.industrie",
        (AUD_PLANTS,),
        S.RUNNING,
        dt.date(2026, 3, 2),
        dt.date(2027, 6, 30),
        86000,
        (
            ("Habilitation électrique", 3),
            ("Consignation et déconsignation (LOTO)", 3),
            ("Analyse des risques au poste", 2),
        ),
        (
            "Appliquer la procédure de consignation avant toute intervention",
            "Identifier les zones d'environnement électrique",
            "Réagir face à un accident d'origine électrique",
        ),
    ),
    ProgrammeSpec(
        "Culture sécurité des chefs d'équipe",
        "Faire des chefs d'équipe les premiers animateurs de la sécurité : causeries, visites terrain, remontée "
        "des presqu'accidents.",
        ("securite", "management"),
        "client.industrie",
        (AUD_PLANTS,),
        S.PRODUCTION,
        dt.date(2026, 9, 1),
        dt.date(2027, 3, 31),
        42000,
        (("Analyse des risques au poste", 3), ("Animer une réunion d'équipe", 2)),
        ("Animer une causerie sécurité de dix minutes", "Conduire une visite sécurité terrain"),
        back_note="Le prestataire retenu a revu le scénario des mises en situation : retour en conception.",
    ),
    ProgrammeSpec(
        "Onboarding commercial",
        "Les 90 premiers jours d'un commercial chez Orvalis : offres, outils, rituels, binôme avec un senior.",
        ("onboarding", "digital"),
        "client.commercial",
        (AUD_NEW,),
        S.RUNNING,
        dt.date(2026, 1, 12),
        dt.date(2026, 12, 18),
        38000,
        (("Utilisation du CRM", 2), ("Écoute active et découverte des besoins", 2)),
        ("Présenter les trois gammes d'offres", "Saisir une opportunité dans le CRM", "Mener un premier rendez-vous"),
        manager_approval=True,
    ),
    ProgrammeSpec(
        "Manager à l'ère hybride",
        "Animer, faire confiance et garder le lien quand l'équipe est à moitié à distance.",
        ("management",),
        "client.commercial",
        (AUD_COM_MANAGERS,),
        S.DEPLOYMENT,
        dt.date(2026, 10, 5),
        dt.date(2027, 5, 28),
        54000,
        (("Manager une équipe à distance", 3), ("Donner du feedback", 3), ("Animer une réunion d'équipe", 3)),
        ("Organiser la semaine hybride de son équipe", "Donner un feedback à distance", "Détecter l'isolement"),
        manager_approval=True,
    ),
    ProgrammeSpec(
        "Cybersécurité pour tous",
        "Sensibilisation de tous les collaborateurs à l'hameçonnage et aux bons réflexes, campagnes de "
        "faux phishing trimestrielles.",
        ("cyber",),
        None,
        (),
        S.RUNNING,
        dt.date(2026, 2, 2),
        dt.date(2027, 12, 17),
        24000,
        (("Repérer une tentative d'hameçonnage", 2), ("Mots de passe et double authentification", 2)),
        ("Reconnaître un courriel d'hameçonnage", "Signaler un incident à la DSI"),
    ),
    ProgrammeSpec(
        "Lean management atelier",
        "Routines lean sur les lignes de production : 5S, management visuel, résolution de problèmes.",
        ("lean",),
        "client.industrie",
        (AUD_PLANTS,),
        S.DESIGN,
        dt.date(2027, 1, 11),
        dt.date(2027, 9, 30),
        61000,
        (("Routines lean (5S, management visuel)", 3), ("Résolution de problèmes (8D)", 2)),
        ("Animer le point d'équipe de début de poste", "Conduire une résolution de problème 8D"),
    ),
    ProgrammeSpec(
        "Anticorruption Sapin II",
        "Code de conduite anticorruption pour les collaborateurs exposés (article 17 de la loi Sapin II), "
        "avec attestation de suivi conservée pour l'AFA.",
        ("sapin2",),
        "client.commercial",
        (AUD_COM_MANAGERS,),
        S.RUNNING,
        dt.date(2026, 4, 1),
        dt.date(2026, 12, 15),
        18000,
        (("Prévention de la corruption (Sapin II)", 2), ("Cadeaux et invitations", 2), ("Devoir d'alerte", 1)),
        ("Reconnaître une situation à risque", "Savoir utiliser le dispositif d'alerte"),
    ),
    ProgrammeSpec(
        "Relation client omnicanale",
        "Une même qualité de relation au téléphone, par courriel, en chat et en agence ; traitement des réclamations.",
        ("client",),
        "client.commercial",
        (AUD_COM_MANAGERS,),
        S.DESIGN,
        dt.date(2027, 2, 1),
        dt.date(2027, 11, 30),
        47000,
        (("Traitement des réclamations", 3), ("Écoute active et découverte des besoins", 3)),
        ("Traiter une réclamation en moins de 48 heures", "Adapter son message au canal"),
    ),
    ProgrammeSpec(
        "Vendre à distance",
        "La vente en visioconférence : préparer, capter l'attention, conclure.",
        ("digital",),
        "client.commercial",
        (AUD_COM_MANAGERS,),
        S.CLOSED,
        dt.date(2025, 10, 6),
        dt.date(2026, 4, 30),
        21000,
        (("Vente à distance", 3),),
        ("Conduire un rendez-vous client en visioconférence",),
    ),
    ProgrammeSpec(
        "Maintenance prédictive",
        "Capteurs, seuils d'alerte et lecture des tendances pour les techniciens de maintenance.",
        ("maintenance",),
        "client.industrie",
        (AUD_PLANTS,),
        S.PRODUCTION,
        dt.date(2027, 3, 1),
        dt.date(2027, 10, 29),
        73000,
        (("Maintenance préventive et prédictive", 3), ("Culture de la donnée", 2)),
        ("Interpréter une courbe de vibration", "Déclencher une intervention sur alerte"),
    ),
    ProgrammeSpec(
        "Écoconduite des chauffeurs livreurs",
        "Réduire la consommation de la flotte de livraison.",
        ("rse",),
        "client.industrie",
        (),
        S.IDEA,
        dt.date(2027, 4, 1),
        dt.date(2027, 12, 15),
        15000,
        (),
    ),
    ProgrammeSpec(
        "English for export sales",
        "Anglais commercial pour les équipes export et les sites du Canada et de Belgique.",
        ("international",),
        "client.commercial",
        (AUD_EN,),
        S.DEPLOYMENT,
        dt.date(2026, 11, 2),
        dt.date(2027, 6, 25),
        33000,
        (("Négociation commerciale", 2),),
        ("Présenter une offre en anglais", "Négocier des conditions de livraison"),
    ),
    ProgrammeSpec(
        "Entretiens annuels et professionnels",
        "Préparer et conduire les entretiens annuels et professionnels : cadre légal, posture, outil RH.",
        ("management",),
        None,
        (AUD_COM_MANAGERS,),
        S.IDEA,
        None,
        None,
        None,
        (("Conduire un entretien annuel", 3),),
    ),
    ProgrammeSpec(
        "RGPD et données clients",
        "Les règles de protection des données personnelles appliquées au CRM.",
        ("cyber", "digital"),
        "client.commercial",
        (),
        S.DESIGN,
        dt.date(2027, 5, 3),
        dt.date(2027, 7, 9),
        9000,
        (("Protection des données personnelles (RGPD)", 2), ("Utilisation du CRM", 2)),
    ),
    ProgrammeSpec(
        "Réalité virtuelle sécurité",
        "Casques de réalité virtuelle pour les risques de chute : idée écartée au profit des habilitations.",
        ("securite",),
        "client.industrie",
        (AUD_PLANTS,),
        S.CLOSED,
        dt.date(2026, 6, 1),
        dt.date(2026, 12, 18),
        120000,
        (("Analyse des risques au poste", 2),),
        close_note="Coût par apprenant trop élevé ; les besoins sont couverts par le dispositif habilitations.",
    ),
]


def _user(prefix: str | None) -> User | None:
    if not prefix:
        return None
    return User.objects.filter(email=f"{prefix}@{DOMAIN}", is_active=True).first()


def _objectives() -> dict[str, Objective]:
    found: dict[str, Objective] = {}
    for key, word in OBJECTIVE_WORDS.items():
        objective = Objective.objects.filter(title__icontains=word).order_by("pk").first()
        if objective is not None:
            found[key] = objective
    return found


def _framework(actor: Any) -> tuple[int, dict[str, Skill]]:
    created = 0
    for domain_name, skill_names in FRAMEWORK.items():
        domain = SkillDomain.objects.filter(name=domain_name).first()
        if domain is None:
            domain = services_skills.domain_create(actor=actor, name=domain_name)
            created += 1
        for name in skill_names:
            if not Skill.objects.filter(domain=domain, name=name).exists():
                services_skills.skill_create(actor=actor, domain=domain, name=name)
                created += 1
    return created, {s.name: s for s in Skill.objects.all()}


def _walk(actor: Any, programme: Programme, spec: ProgrammeSpec, rng: random.Random) -> int:
    """Move the programme along the lifecycle to the spec's status, the way a team would."""
    moves = 0
    if spec.close_note:
        target_before_close = ORDER[rng.randint(1, 2)]  # abandoned in design or production
        for status in ORDER[1 : ORDER.index(target_before_close) + 1]:
            programme = programme_transition(actor=actor, programme=programme, to_status=status)
            moves += 1
        programme_transition(actor=actor, programme=programme, to_status=S.CLOSED, note=spec.close_note)
        return moves + 1
    for status in ORDER[1 : ORDER.index(spec.status) + 1]:
        programme = programme_transition(actor=actor, programme=programme, to_status=status)
        moves += 1
        if spec.back_note and status == S.PRODUCTION:
            programme = programme_transition(actor=actor, programme=programme, to_status=S.DESIGN, note=spec.back_note)
            programme = programme_transition(actor=actor, programme=programme, to_status=S.PRODUCTION)
            moves += 2
    return moves


def seed(*, rng: random.Random) -> dict[str, int]:
    """Create the framework and the programmes; returns what was created."""
    actor = _user("dlm") or acting_dlm(None)
    owners = [u for u in (_user("ld"), _user("dlm")) if u is not None]
    skills_created, skills = _framework(actor)
    objectives = _objectives()
    audiences = {a.name: a for a in Audience.objects.all()}
    levels = {lv.rank: lv for lv in ProficiencyLevel.objects.all()}
    # Accepted requests not yet answered by a programme, by objective.
    accepted: dict[int | None, list[TrainingRequest]] = {}
    for req in TrainingRequest.objects.filter(status=TrainingRequest.Status.ACCEPTED, programmes=None).order_by("pk"):
        accepted.setdefault(req.objective_id, []).append(req)

    counts = {"skills framework entries": skills_created, "programmes": 0, "lifecycle moves": 0, "requests linked": 0}
    for index, spec in enumerate(PROGRAMMES):
        if Programme.objects.filter(title=spec.title).exists():
            continue
        linked_objectives = [objectives[k] for k in spec.objectives if k in objectives]
        requests: list[TrainingRequest] = []
        for objective in linked_objectives[:1]:
            pool = accepted.get(objective.pk, [])
            take = min(len(pool), rng.randint(1, 2))
            requests += pool[:take]
            del pool[:take]
        programme = programme_create(
            actor=actor,
            title=spec.title,
            description=spec.description,
            sponsor=_user(spec.sponsor),
            owner=owners[index % len(owners)] if owners else None,
            audiences=[audiences[name] for name in spec.audiences if name in audiences],
            objectives=linked_objectives,
            requests=requests,
            competencies=[
                (skills[name], levels[rank]) for name, rank in spec.skills if name in skills and rank in levels
            ],
            learning_objectives="\n".join(spec.learning_objectives),
            planned_start=spec.start,
            planned_end=spec.end,
            budget_estimate=spec.budget,
            requires_manager_approval=spec.manager_approval,
        )
        counts["programmes"] += 1
        counts["requests linked"] += len(requests)
        counts["lifecycle moves"] += _walk(actor, programme, spec, rng)
    # Accepted requests left without a programme: answered by the closest one by objective.
    leftovers = [r for pool in accepted.values() for r in pool]
    for req in leftovers:
        target = Programme.objects.filter(objectives=req.objective_id).exclude(status=S.CLOSED).order_by("pk").first()
        if req.objective_id and target is not None:
            programme_update(actor=actor, programme=target, requests=[*target.requests.all(), req])
            counts["requests linked"] += 1
    return counts
