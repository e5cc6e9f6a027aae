"""Demo needs campaigns and prioritisation for Groupe Orvalis, written through the services
like the L&D team and the managers would:

- "Recueil des besoins 2027": opened in the autumn, ~40 needs from a dozen managers of both
  directions, closed, two thirds arbitrated (some retained needs became requests);
- "Recueil complémentaire S1 2027 – Industrie": open, a few needs already in;
- hand-given "business impact" scores on the open requests, so the backlog has something to rank.

Managers without a login get one (no password: they sign in through a reset link). Running
it twice adds nothing: a campaign whose title exists is left alone. Programme scores are
seeded by ``programmes.demo_backlog`` once programmes exist.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from pilotage.people import services as people_services
from pilotage.people.audiences import audience_create
from pilotage.people.models import Employee, Role, User
from pilotage.people.permissions import acting_dlm, has_role
from pilotage.strategy import services_campaigns as campaigns
from pilotage.strategy import services_priorities as priorities
from pilotage.strategy.models import Criterion, NeedsCampaign, RequestScore, TrainingRequest

MAIN_TITLE = "Recueil des besoins 2027"
SMALL_TITLE = "Recueil complémentaire S1 2027 – Industrie"
MANAGERS_WANTED = 12

# theme → (need, description, typical cost per person in €)
NEEDS: dict[str, list[tuple[str, str, int]]] = {
    "Management": [
        ("Manager à distance", "Animer une équipe répartie sur plusieurs sites sans perdre le lien.", 450),
        ("Conduire les entretiens annuels", "Préparer et mener des entretiens utiles, fixer des objectifs.", 300),
        ("Feedback et reconnaissance", "Donner un feedback régulier, constructif et motivant.", 250),
        ("Gérer les conflits dans l'équipe", "Repérer les tensions tôt et les désamorcer.", 400),
    ],
    "Vente et négociation": [
        ("Négociation grands comptes", "Défendre nos prix face aux acheteurs des grands comptes.", 900),
        ("Prospection digitale", "Utiliser LinkedIn et le CRM pour générer des rendez-vous.", 350),
        ("Vente de solutions de service", "Passer de la vente produit à la vente de contrats de service.", 600),
    ],
    "Sécurité": [
        ("Habilitation électrique B1V/BR", "Recyclage obligatoire pour les techniciens de maintenance.", 550),
        ("Gestes et postures", "Réduire les troubles musculo-squelettiques en production.", 120),
        ("Conduite de chariots (CACES R489)", "Renouvellement des CACES arrivant à échéance.", 700),
        ("Sécurité des interventions sur machines", "Consignation et déconsignation avant intervention.", 300),
    ],
    "Qualité et amélioration continue": [
        ("Résolution de problèmes (8D)", "Traiter les non-conformités clients avec méthode.", 400),
        ("Lean : les fondamentaux", "5S, flux, standard au poste pour les chefs d'équipe.", 350),
    ],
    "Digital et outils": [
        ("Prise en main du nouveau CRM", "Déploiement du CRM en 2027 : saisie, pipeline, tableaux de bord.", 150),
        ("Excel avancé pour le contrôle de gestion", "Tableaux croisés, Power Query, fiabilité des fichiers.", 280),
        ("Cybersécurité : les bons réflexes", "Hameçonnage, mots de passe, données clients.", 60),
        ("IA générative au quotidien", "Utiliser l'IA générative en respectant la charte interne.", 200),
    ],
    "Langues": [
        ("Anglais professionnel B2", "Échanger avec les clients et collègues du Canada.", 900),
        ("Français pour collègues non francophones", "Intégration des recrues de Montréal et Bruxelles.", 700),
    ],
    "Réglementaire": [
        ("RGPD pour les commerciaux", "Ce que l'on peut faire ou non des données prospects.", 90),
        ("Loi Sapin II : prévention de la corruption", "Obligatoire pour les fonctions exposées.", 80),
    ],
    "Relation client": [
        ("Gérer les réclamations clients", "Désamorcer, traiter, fidéliser après une réclamation.", 300),
        ("Accueil téléphonique", "Qualité de l'accueil et de la prise de message.", 150),
    ],
}
NOTES = {
    "retained": [
        "Retenu : aligné sur l'objectif export.",
        "Retenu, à mutualiser avec les autres sites.",
        "Retenu pour le plan 2027.",
    ],
    "merged": [
        "Regroupé avec la demande équivalente de la Direction Commerciale.",
        "Fusionné avec le besoin « Manager à distance » d'un autre site.",
    ],
    "postponed": [
        "Reporté à 2028 faute de budget cette année.",
        "Reporté : le déploiement du CRM est décalé au second semestre.",
    ],
    "rejected": [
        "Non retenu : couvert par le catalogue e-learning existant.",
        "Non retenu : besoin individuel, à traiter dans le plan de l'intéressé.",
    ],
}


def _managers(actor: Any, rng: random.Random) -> list[User]:
    """A dozen managers of both directions with a login (created when missing)."""
    users = list(
        User.objects.filter(is_active=True, role_assignments__role=Role.MANAGER, employee__isnull=False)
        .select_related("employee")
        .order_by("pk")
    )
    if len(users) >= MANAGERS_WANTED:
        return users[:MANAGERS_WANTED]
    have = {u.employee_id for u in users if u.employee_id is not None}
    candidates = list(
        Employee.objects.filter(active=True, user__isnull=True)
        .exclude(pk__in=have)
        .exclude(email="")
        .annotate(team=Count("reports"))
        .filter(team__gte=2, org_unit__depth__gte=2)
        .order_by("pk")[:400]
    )
    rng.shuffle(candidates)
    seen_units: set[int | None] = {u.employee.org_unit_id for u in users if u.employee}
    for employee in candidates:
        if len(users) >= MANAGERS_WANTED:
            break
        if employee.org_unit_id in seen_units or User.objects.filter(email__iexact=employee.email).exists():
            continue
        seen_units.add(employee.org_unit_id)
        user = User.objects.create_user(
            employee.email, None, display_name=f"{employee.first_name} {employee.last_name}", employee=employee
        )
        people_services.role_assign(actor=actor, user=user, role=Role.MANAGER)
        users.append(user)
    return users


def _need_data(rng: random.Random, year: int) -> dict[str, Any]:
    theme = rng.choice(list(NEEDS))
    title, description, per_person = rng.choice(NEEDS[theme])
    headcount = rng.choice([3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 40])
    cost = Decimal(per_person * headcount).quantize(Decimal("1")) if rng.random() > 0.1 else None
    return {
        "title": title,
        "description": description,
        "theme": theme,
        "headcount": headcount,
        "priority": rng.choices(["low", "medium", "high"], weights=[2, 5, 3])[0],
        "wished_quarter": f"{year}-Q{rng.randint(1, 4)}",
        "estimated_cost": cost,
    }


def _audience(actor: Any, name: str, managers: list[User]) -> Any:
    return audience_create(
        actor=actor,
        name=name,
        description="Managers invités au recueil des besoins de formation.",
        rules={},
        included_ids=[u.employee_id for u in managers if u.employee_id],
    )


def _main_campaign(actor: Any, managers: list[User], rng: random.Random, today: dt.date) -> dict[str, int]:
    counts = {"campaigns": 0, "needs": 0, "decisions": 0, "requests": 0}
    if NeedsCampaign.objects.filter(title=MAIN_TITLE).exists() or not managers:
        return counts
    audience = _audience(actor, "Managers – recueil 2027", managers)
    campaign = campaigns.campaign_create(
        actor=actor,
        title=MAIN_TITLE,
        instructions=(
            "Indiquez les besoins de formation de votre équipe pour 2027 : le besoin, les personnes concernées, "
            "la priorité et le trimestre souhaité. Les besoins individuels relèvent de l'entretien annuel."
        ),
        opens_on=today,
        closes_on=today + dt.timedelta(days=1),
        audience=audience,
    )
    counts["campaigns"] += 1
    campaigns.campaign_transition(actor=actor, campaign=campaign, to_status=NeedsCampaign.Status.OPEN)
    needs = []
    for i in range(40):
        manager = managers[i % len(managers)]
        needs.append(campaigns.need_create(actor=manager, campaign=campaign, **_need_data(rng, 2027)))
    counts["needs"] += len(needs)
    campaigns.campaign_transition(actor=actor, campaign=campaign, to_status=NeedsCampaign.Status.CLOSED)
    # Back-date it: the campaign ran in the autumn.
    campaigns.campaign_update(
        actor=actor,
        campaign=campaign,
        title=campaign.title,
        instructions=campaign.instructions,
        opens_on=today - dt.timedelta(days=75),
        closes_on=today - dt.timedelta(days=30),
        audience=audience,
    )
    rng.shuffle(needs)
    for need in needs[: len(needs) * 2 // 3]:
        decision = rng.choices(["retained", "merged", "postponed", "rejected"], weights=[5, 2, 2, 2])[0]
        make_request = decision == "retained" and rng.random() < 0.6
        _need, request = campaigns.need_decide(
            actor=actor, need=need, decision=decision, note=rng.choice(NOTES[decision]), create_request=make_request
        )
        counts["decisions"] += 1
        counts["requests"] += 1 if request is not None else 0
    return counts


def _small_campaign(actor: Any, managers: list[User], rng: random.Random, today: dt.date) -> dict[str, int]:
    counts = {"campaigns": 0, "needs": 0}
    if NeedsCampaign.objects.filter(title=SMALL_TITLE).exists() or not managers:
        return counts
    invited = managers[: max(3, len(managers) // 3)]
    campaign = campaigns.campaign_create(
        actor=actor,
        title=SMALL_TITLE,
        instructions="Besoins apparus depuis le recueil d'automne (nouvelles lignes, réglementation).",
        opens_on=today - dt.timedelta(days=5),
        closes_on=today + dt.timedelta(days=21),
        audience=_audience(actor, "Managers – recueil complémentaire", invited),
    )
    campaigns.campaign_transition(actor=actor, campaign=campaign, to_status=NeedsCampaign.Status.OPEN)
    counts["campaigns"] += 1
    for manager in invited[:3]:
        campaigns.need_create(actor=manager, campaign=campaign, **_need_data(rng, 2027))
        counts["needs"] += 1
    return counts


def _request_scores(actor: Any, rng: random.Random) -> int:
    """Hand-given values on the manual criteria for the open requests not scored yet."""
    manual = list(Criterion.objects.filter(active=True, source=Criterion.Source.MANUAL).values_list("key", flat=True))
    if not manual:
        return 0
    scored = RequestScore.objects.values("request_id")
    requests = TrainingRequest.objects.filter(status__in=priorities.OPEN_STATUSES).exclude(pk__in=scored)
    count = 0
    for request in requests.order_by("pk"):
        if rng.random() < 0.15:  # a few stay unscored: the backlog shows them as "not scored"
            continue
        priorities.request_scores_set(
            actor=actor,
            request=request,
            values={key: rng.choices(range(6), weights=[1, 2, 3, 4, 3, 2])[0] for key in manual},
        )
        count += 1
    return count


@transaction.atomic
def seed(*, rng: random.Random) -> dict[str, int]:
    """Create the demo campaigns and request scores; counts of what was made."""
    actor = acting_dlm(None)
    if not has_role(actor, Role.DLM):
        return {"campaigns": 0, "needs": 0, "decisions": 0, "requests": 0, "request_scores": 0}
    today = timezone.localdate()
    managers = _managers(actor, rng)
    main = _main_campaign(actor, managers, rng, today)
    small = _small_campaign(actor, managers, rng, today)
    return {
        "campaigns": main["campaigns"] + small["campaigns"],
        "needs": main["needs"] + small["needs"],
        "decisions": main["decisions"],
        "requests": main["requests"],
        "request_scores": _request_scores(actor, rng),
    }
