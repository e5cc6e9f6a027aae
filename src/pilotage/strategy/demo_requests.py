"""Demo data of Groupe Orvalis: leadership objectives and ~60 training requests in every
status, with their history, reasons and comments, spread over the last ten months.

Everything goes through the services and the workflow (then dates are moved back in time:
the demo tells a story that started months ago). Run once after the people demo; a second
run adds nothing. The demo sends no e-mail.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from pilotage.core.mail import nothing_sent_on_commit
from pilotage.people.models import Audience, User
from pilotage.strategy.models import Objective, RequestComment, RequestTransition, TrainingRequest
from pilotage.strategy.services_objectives import objective_create
from pilotage.strategy.services_requests import request_comment_add, request_create, request_withdraw
from pilotage.strategy.workflow import request_transition

DOMAIN = "orvalis.example"
S = TrainingRequest.Status


@dataclass(frozen=True)
class ObjectiveSpec:
    key: str
    title: str
    description: str
    owner: str  # persona e-mail prefix
    horizon: dt.date
    indicator: str
    baseline: str
    target: str
    weight: int
    status: str = Objective.Status.ACTIVE


OBJECTIVES: list[ObjectiveSpec] = [
    ObjectiveSpec(
        "securite",
        "Zéro accident grave sur nos sites industriels",
        "Le comité de direction fait de la sécurité au travail la première priorité du groupe : "
        "aucun accident grave, une baisse continue des accidents avec arrêt.",
        "client.industrie",
        dt.date(2027, 12, 31),
        "Taux de fréquence des accidents avec arrêt (TF1)",
        "9,8",
        "≤ 5",
        5,
    ),
    ObjectiveSpec(
        "digital",
        "Réussir la transformation digitale des ventes",
        "Doubler la part des ventes en ligne et outiller les commerciaux (CRM, vente à distance).",
        "client.commercial",
        dt.date(2027, 6, 30),
        "Part du chiffre d'affaires réalisé en ligne",
        "14 %",
        "30 %",
        4,
    ),
    ObjectiveSpec(
        "client",
        "Placer l'expérience client au cœur de nos métiers",
        "Chaque contact client compte : accueil, réclamations, suivi après-vente.",
        "client.commercial",
        dt.date(2027, 12, 31),
        "Net Promoter Score (NPS) clients professionnels",
        "+18",
        "+35",
        4,
    ),
    ObjectiveSpec(
        "rse",
        "Réduire de 30 % notre empreinte carbone d'ici 2030",
        "Feuille de route de décarbonation : énergie des usines, logistique, écoconception.",
        "dlm",
        dt.date(2030, 12, 31),
        "Émissions scopes 1 et 2 (kt CO2e)",
        "142",
        "100",
        4,
    ),
    ObjectiveSpec(
        "sapin2",
        "Conformité anticorruption (loi Sapin II)",
        "Former 100 % des collaborateurs exposés au code de conduite anticorruption, comme l'exige "
        "l'article 17 de la loi Sapin II et comme l'AFA le contrôle.",
        "approver.finance",
        dt.date(2026, 12, 31),
        "Part des collaborateurs exposés formés",
        "61 %",
        "100 %",
        5,
    ),
    ObjectiveSpec(
        "onboarding",
        "Réussir l'intégration des nouveaux arrivants",
        "Un parcours d'intégration commun à tous les sites, dès le premier jour.",
        "dlm",
        dt.date(2027, 3, 31),
        "Départs dans les six premiers mois",
        "11 %",
        "6 %",
        3,
    ),
    ObjectiveSpec(
        "management",
        "Développer une culture managériale commune",
        "Des managers qui donnent du sens, font grandir leurs équipes et tiennent des entretiens utiles.",
        "dlm",
        dt.date(2027, 12, 31),
        "Score d'engagement du baromètre social",
        "64/100",
        "72/100",
        4,
    ),
    ObjectiveSpec(
        "maintenance",
        "Sécuriser les compétences critiques de maintenance",
        "Anticiper les départs en retraite : transmettre les savoir-faire rares des techniciens.",
        "client.industrie",
        dt.date(2028, 6, 30),
        "Postes critiques avec un successeur formé",
        "40 %",
        "80 %",
        3,
    ),
    ObjectiveSpec(
        "cyber",
        "Protéger nos données et nos systèmes",
        "Réduire le risque cyber par la vigilance de chacun (hameçonnage, mots de passe, RGPD).",
        "approver.it",
        dt.date(2026, 12, 31),
        "Taux de clic aux campagnes d'hameçonnage simulé",
        "17 %",
        "5 %",
        4,
    ),
    ObjectiveSpec(
        "lean",
        "Déployer le lean management dans les usines",
        "Standardiser les routines d'amélioration continue sur les lignes de production.",
        "client.industrie",
        dt.date(2027, 12, 31),
        "Taux de rendement synthétique (TRS)",
        "68 %",
        "78 %",
        3,
    ),
    ObjectiveSpec(
        "international",
        "Accompagner le développement à l'international",
        "Ouvrir deux nouveaux marchés export ; à confirmer au prochain comité stratégique.",
        "client.commercial",
        dt.date(2028, 12, 31),
        "Part du chiffre d'affaires à l'export",
        "22 %",
        "35 %",
        2,
        Objective.Status.DRAFT,
    ),
    ObjectiveSpec(
        "iso",
        "Obtenir la certification ISO 9001 version 2015 sur tous les sites",
        "Les derniers sites belges et canadiens ont été certifiés en 2025.",
        "client.industrie",
        dt.date(2025, 12, 31),
        "Sites certifiés",
        "9/12",
        "12/12",
        2,
        Objective.Status.ACHIEVED,
    ),
]


@dataclass(frozen=True)
class RequestSpec:
    who: str  # "com", "ind" or "ld"
    objective: str | None
    title: str
    need: str
    population: str
    headcount: int
    impact: str = ""
    legal: str = ""
    budget: int | None = None
    audience: str = ""  # name of a demo audience (L&D team only: audiences are theirs)


REQUESTS: list[RequestSpec] = [
    RequestSpec(
        "ind",
        "securite",
        "Conduite des chariots élévateurs (CACES R489)",
        "Plusieurs presque-accidents avec des chariots élévateurs dans les entrepôts de Lyon et Lille. "
        "Les caristes intérimaires n'ont pas tous un CACES à jour.",
        "Caristes et préparateurs de commandes des entrepôts",
        120,
        "Moins d'incidents de circulation en entrepôt ; 100 % des caristes certifiés.",
        "Recommandation CNAM R489, Code du travail art. R4323-55",
        48000,
    ),
    RequestSpec(
        "ind",
        "securite",
        "Habilitation électrique des techniciens de maintenance",
        "Les habilitations BR/B2V de 35 techniciens arrivent à échéance ; sans recyclage ils ne peuvent "
        "plus intervenir sur les armoires électriques.",
        "Techniciens de maintenance des usines françaises",
        35,
        "Continuité des interventions de maintenance.",
        "Code du travail art. R4544-9 et norme NF C18-510",
        21000,
    ),
    RequestSpec(
        "ind",
        "securite",
        "Gestes et postures au poste de travail",
        "Les troubles musculo-squelettiques sont la première cause d'arrêt en production. "
        "Nous voulons des gestes plus sûrs sur les postes de conditionnement.",
        "Opérateurs de conditionnement",
        260,
        "Baisse des arrêts pour TMS.",
        "",
        15000,
    ),
    RequestSpec(
        "ind",
        "securite",
        "Culture sécurité pour les chefs d'équipe",
        "Les chefs d'équipe doivent animer les quarts d'heure sécurité et remonter les presque-accidents.",
        "Chefs d'équipe de production",
        80,
        "Deux fois plus de presque-accidents déclarés, donc traités.",
    ),
    RequestSpec(
        "com",
        "digital",
        "Prise en main du nouveau CRM",
        "Le nouveau CRM est déployé en septembre : les commerciaux doivent saisir leurs opportunités "
        "et leurs rendez-vous dès la première semaine.",
        "Commerciaux terrain et sédentaires",
        310,
        "Pipeline commercial fiable dès le lancement.",
        "",
        35000,
    ),
    RequestSpec(
        "com",
        "digital",
        "Vendre à distance en visioconférence",
        "Les clients acceptent de plus en plus les rendez-vous à distance ; nos commerciaux perdent en "
        "impact derrière l'écran.",
        "Commerciaux sédentaires",
        90,
        "Taux de transformation des rendez-vous à distance.",
    ),
    RequestSpec(
        "com",
        "digital",
        "Social selling sur LinkedIn",
        "Nos concurrents prospectent sur LinkedIn ; nos commerciaux n'y sont pas présents.",
        "Commerciaux grands comptes",
        45,
        "Rendez-vous obtenus par les réseaux sociaux.",
        "",
        9000,
    ),
    RequestSpec(
        "com",
        "client",
        "Traitement des réclamations clients",
        "Le délai de réponse aux réclamations dépasse 10 jours ; les clients s'en plaignent dans les enquêtes.",
        "Service clients et assistantes commerciales",
        70,
        "Délai de traitement sous 5 jours, NPS en hausse.",
    ),
    RequestSpec(
        "com",
        "client",
        "Accueil téléphonique et relation client",
        "Nouveaux conseillers au service clients : le ton et la reformulation sont à travailler.",
        "Conseillers du service clients",
        40,
        "Meilleure note de l'enquête à chaud après appel.",
        "",
        12000,
    ),
    RequestSpec(
        "com",
        None,
        "Négociation grands comptes",
        "Nos commerciaux cèdent trop vite sur les remises face aux acheteurs des grands comptes.",
        "Key account managers",
        25,
        "Deux points de marge sur les contrats grands comptes.",
        "",
        30000,
    ),
    RequestSpec(
        "com",
        "sapin2",
        "Code de conduite anticorruption pour les commerciaux",
        "Les commerciaux export sont exposés aux sollicitations : cadeaux, invitations, intermédiaires.",
        "Commerciaux export et grands comptes",
        150,
        "100 % des exposés formés avant l'audit AFA.",
        "Loi n° 2016-1691 (Sapin II), art. 17",
        18000,
    ),
    RequestSpec(
        "ind",
        "sapin2",
        "Anticorruption pour les acheteurs industriels",
        "Les acheteurs des usines traitent avec des centaines de fournisseurs ; ils doivent connaître les "
        "règles sur les cadeaux et les conflits d'intérêts.",
        "Acheteurs et approvisionneurs des usines",
        60,
        "Cartographie des risques à jour, acheteurs formés.",
        "Loi n° 2016-1691 (Sapin II), art. 17",
    ),
    RequestSpec(
        "ld",
        "onboarding",
        "Parcours d'intégration commun à tous les sites",
        "Chaque site accueille les nouveaux à sa façon ; certains n'ont aucun parcours.",
        "Nouveaux arrivants, tous sites",
        400,
        "Moins de départs pendant la période d'essai.",
        "",
        40000,
        "Alternants et CDD",
    ),
    RequestSpec(
        "ind",
        "onboarding",
        "Accueil sécurité des intérimaires",
        "Les intérimaires arrivent en usine sans accueil sécurité formalisé.",
        "Intérimaires des usines",
        300,
        "Aucun intérimaire au poste sans accueil sécurité.",
        "Code du travail art. L4154-2 (formation renforcée à la sécurité)",
    ),
    RequestSpec(
        "ld",
        "management",
        "Entretiens annuels et professionnels",
        "La campagne d'entretiens démarre en janvier : beaucoup de managers confondent entretien annuel "
        "et entretien professionnel.",
        "Managers, tous sites",
        220,
        "Taux de réalisation des entretiens professionnels à 100 %.",
        "Code du travail art. L6315-1 (entretien professionnel)",
        14000,
        "Managers de la Direction Commerciale",
    ),
    RequestSpec(
        "com",
        "management",
        "Manager une équipe commerciale à distance",
        "Les directeurs régionaux managent des équipes dispersées sur plusieurs départements.",
        "Directeurs régionaux des ventes",
        18,
        "Meilleur engagement des équipes terrain.",
    ),
    RequestSpec(
        "ind",
        "management",
        "Nouveaux managers de proximité en usine",
        "Des opérateurs promus chefs d'équipe sans préparation : conflits et turnover dans les équipes.",
        "Chefs d'équipe nommés depuis moins d'un an",
        45,
        "Turnover des équipes de production en baisse.",
        "",
        25000,
    ),
    RequestSpec(
        "ind",
        "maintenance",
        "Transmission des savoir-faire de maintenance",
        "Huit techniciens experts partent en retraite d'ici deux ans ; leurs savoir-faire ne sont écrits nulle part.",
        "Techniciens de maintenance et tuteurs",
        30,
        "Fiches de savoir-faire et binômes tuteur-apprenant sur les équipements critiques.",
    ),
    RequestSpec(
        "ind",
        "maintenance",
        "Maintenance prédictive et capteurs",
        "Les nouvelles lignes sont équipées de capteurs ; les techniciens ne savent pas lire les données.",
        "Techniciens de maintenance",
        40,
        "Moins d'arrêts non planifiés.",
        "",
        32000,
    ),
    RequestSpec(
        "ld",
        "cyber",
        "Sensibilisation à l'hameçonnage",
        "La dernière campagne d'hameçonnage simulé a piégé 17 % des destinataires.",
        "Tous les collaborateurs équipés d'un poste",
        1400,
        "Taux de clic sous 5 %.",
    ),
    RequestSpec(
        "com",
        "cyber",
        "RGPD et données clients dans le CRM",
        "Les commerciaux saisissent des données personnelles dans le CRM sans toujours savoir ce qui est permis.",
        "Commerciaux et assistantes commerciales",
        330,
        "Aucune donnée sensible dans les champs libres du CRM.",
        "Règlement (UE) 2016/679 (RGPD)",
    ),
    RequestSpec(
        "ind",
        "lean",
        "Animer les routines lean sur les lignes",
        "Les réunions de début de poste (top 5) sont inégales d'une ligne à l'autre.",
        "Chefs d'équipe et animateurs lean",
        60,
        "TRS en hausse de 5 points sur les lignes pilotes.",
        "",
        27000,
    ),
    RequestSpec(
        "ind",
        "lean",
        "Résolution de problèmes (méthode 8D)",
        "Les mêmes défauts qualité reviennent ; les analyses de causes restent superficielles.",
        "Techniciens qualité et chefs d'équipe",
        50,
        "Moins de non-conformités récurrentes.",
    ),
    RequestSpec(
        "ind",
        "rse",
        "Écoconduite pour les chauffeurs livreurs",
        "La flotte de livraison consomme trop de carburant ; l'écoconduite réduit la consommation de 10 %.",
        "Chauffeurs livreurs",
        85,
        "Consommation de carburant en baisse de 8 %.",
        "",
        17000,
    ),
    RequestSpec(
        "ind",
        "rse",
        "Sobriété énergétique en usine",
        "Les équipes ne connaissent pas les gestes qui réduisent la consommation d'énergie des lignes.",
        "Opérateurs et techniciens de production",
        500,
        "Consommation d'énergie par tonne produite en baisse.",
    ),
    RequestSpec(
        "com",
        "rse",
        "Vendre nos offres écoconçues",
        "Les clients demandent le bilan carbone de nos produits ; les commerciaux ne savent pas répondre.",
        "Commerciaux terrain",
        200,
        "Part des offres écoconçues dans les ventes.",
    ),
    RequestSpec(
        "com",
        "international",
        "Anglais commercial pour l'export",
        "Les commerciaux export négocient en anglais avec un niveau insuffisant.",
        "Commerciaux export",
        30,
        "Négociations menées sans interprète.",
        "",
        24000,
    ),
    RequestSpec(
        "ld",
        None,
        "Excel avancé pour le contrôle de gestion",
        "Les contrôleurs de gestion passent des heures sur des tableaux croisés dynamiques faits à la main.",
        "Contrôleurs de gestion",
        22,
        "Clôture mensuelle plus rapide.",
        "",
        6000,
    ),
    RequestSpec(
        "com",
        None,
        "Prise de parole en public",
        "Les chefs de produit présentent aux salons et aux clients ; certains sont mal à l'aise.",
        "Chefs de produit",
        15,
        "Présentations plus percutantes aux salons.",
        "",
        8000,
    ),
    RequestSpec(
        "ind",
        None,
        "Lecture de plans industriels",
        "Les nouveaux opérateurs ne savent pas lire un plan coté ; erreurs de réglage.",
        "Opérateurs régleurs",
        70,
        "Moins de rebuts au réglage.",
    ),
    RequestSpec(
        "ld",
        "management",
        "Feedback et reconnaissance au quotidien",
        "Le baromètre social montre un déficit de reconnaissance ; les managers donnent peu de feedback.",
        "Managers de proximité",
        180,
        "Score de reconnaissance du baromètre en hausse.",
    ),
    RequestSpec(
        "com",
        "client",
        "Fidéliser les clients après-vente",
        "Les techniciens SAV sont au contact des clients mais ne détectent pas les besoins.",
        "Techniciens SAV itinérants",
        95,
        "Opportunités commerciales remontées par le SAV.",
        "",
        11000,
    ),
    RequestSpec(
        "ind",
        "securite",
        "Travail en hauteur et port du harnais",
        "Interventions sur les toitures et passerelles des entrepôts : le port du harnais n'est pas systématique.",
        "Techniciens de maintenance des bâtiments",
        25,
        "",
        "Code du travail art. R4323-58 à R4323-90",
        7000,
    ),
    RequestSpec(
        "ld",
        "digital",
        "Outils collaboratifs Microsoft 365",
        "Les équipes s'envoient encore des pièces jointes au lieu de travailler dans des documents partagés.",
        "Collaborateurs des fonctions support",
        600,
        "Moins de versions de fichiers en circulation.",
    ),
    RequestSpec(
        "com",
        "digital",
        "Analyse des données de vente avec les tableaux de bord",
        "Les managers commerciaux ne lisent pas les tableaux de bord du CRM.",
        "Managers commerciaux",
        40,
        "Revues de pipeline fondées sur les données.",
    ),
    RequestSpec(
        "ind",
        "maintenance",
        "Hydraulique industrielle niveau 2",
        "Les pannes hydrauliques des presses immobilisent la ligne plusieurs heures.",
        "Techniciens de maintenance",
        20,
        "Temps moyen de réparation divisé par deux.",
        "",
        19000,
    ),
    RequestSpec(
        "ld",
        "onboarding",
        "Tutorat des alternants",
        "Les tuteurs d'alternants ne savent pas organiser les apprentissages en entreprise.",
        "Tuteurs et maîtres d'apprentissage",
        75,
        "Moins de ruptures de contrat d'alternance.",
        "",
        None,
        "Alternants et CDD",
    ),
    RequestSpec(
        "com",
        "international",
        "Interculturalité pour les équipes canadiennes et belges",
        "Les équipes de Montréal et Bruxelles se sentent loin des décisions prises à Paris.",
        "Managers des filiales belge et canadienne",
        20,
        "",
        "",
        None,
        "",
    ),
    RequestSpec(
        "ind",
        "rse",
        "Tri et valorisation des déchets d'atelier",
        "Trop de déchets valorisables finissent en benne tout-venant.",
        "Opérateurs de production",
        350,
        "Taux de valorisation des déchets à 85 %.",
    ),
    RequestSpec(
        "ld",
        "sapin2",
        "Anticorruption : module pour les managers",
        "Les managers doivent savoir recevoir une alerte et appliquer la procédure de signalement.",
        "Managers, tous sites",
        220,
        "",
        "Loi n° 2016-1691 (Sapin II), art. 8 et 17",
        None,
        "Managers de la Direction Commerciale",
    ),
    RequestSpec(
        "com",
        "client",
        "Gestion des clients difficiles",
        "Les assistantes commerciales subissent des appels agressifs ; elles manquent de techniques.",
        "Assistantes commerciales",
        35,
        "Moins d'arrêts maladie au service clients.",
    ),
]

# Near-duplicates filed by someone else: (index in REQUESTS, who, title, need). The triage
# suggests them as similar; most end up merged into their original.
ECHOES: list[tuple[int, str, str, str]] = [
    (
        0,
        "ld",
        "CACES chariots pour les intérimaires",
        "Des intérimaires conduisent des chariots élévateurs sans CACES R489 dans les entrepôts.",
    ),
    (
        2,
        "ld",
        "Prévention des TMS en conditionnement",
        "Troubles musculo-squelettiques : arrêts répétés sur les postes de conditionnement, gestes et postures.",
    ),
    (
        4,
        "ld",
        "Formation au CRM pour les assistantes",
        "Les assistantes commerciales utiliseront aussi le nouveau CRM dès son déploiement.",
    ),
    (
        7,
        "com",
        "Réclamations : mieux répondre aux clients",
        "Délai de traitement des réclamations clients trop long, réponses peu claires.",
    ),
    (
        10,
        "ld",
        "Sapin II : e-learning pour les commerciaux exposés",
        "Code de conduite anticorruption Sapin II pour les commerciaux export exposés aux cadeaux et invitations.",
    ),
    (
        14,
        "ind",
        "Entretien professionnel : former les managers d'usine",
        "Les managers d'usine ne savent pas conduire l'entretien professionnel obligatoire.",
    ),
    (
        19,
        "com",
        "Hameçonnage : sensibiliser les commerciaux nomades",
        "Les commerciaux nomades cliquent sur des courriels d'hameçonnage sur leur téléphone.",
    ),
    (
        9,
        "ld",
        "Négociation avec les acheteurs grands comptes",
        "Remises accordées trop vite : négociation face aux acheteurs professionnels des grands comptes.",
    ),
    (
        21,
        "com",
        "Routines lean dans les agences",
        "Les agences commerciales veulent aussi des réunions courtes quotidiennes à la manière lean.",
    ),
    (
        23,
        "ld",
        "Écoconduite des commerciaux itinérants",
        "Les commerciaux roulent beaucoup : l'écoconduite réduirait la consommation de carburant.",
    ),
    (
        26,
        "ld",
        "Anglais des affaires",
        "Plusieurs commerciaux export demandent des cours d'anglais pour négocier.",
    ),
    (
        17,
        "ld",
        "Capitaliser les savoir-faire des techniciens seniors",
        "Départs en retraite de techniciens de maintenance experts : transmettre leurs savoir-faire.",
    ),
    (
        5,
        "com",
        "Rendez-vous clients en visio",
        "Mieux mener les rendez-vous commerciaux à distance, en visioconférence, avec impact.",
    ),
    (
        13,
        "ld",
        "Accueil sécurité des nouveaux en usine",
        "Accueil sécurité formalisé pour les intérimaires et nouveaux arrivants en usine.",
    ),
    (
        28,
        "ind",
        "Présenter un projet devant le comité",
        "Les ingénieurs méthodes doivent présenter leurs projets au comité de direction de l'usine.",
    ),
    (
        30,
        "ind",
        "Donner du feedback à ses équipes",
        "Les chefs d'équipe donnent peu de feedback et de reconnaissance à leurs opérateurs.",
    ),
    (
        33,
        "ind",
        "Outils collaboratifs Teams et SharePoint pour les usines",
        "Les équipes support des usines s'envoient encore des pièces jointes au lieu de documents partagés.",
    ),
    (
        1,
        "ld",
        "Recyclage habilitation électrique B2V",
        "Habilitations électriques des techniciens de maintenance à recycler avant échéance.",
    ),
    (
        15,
        "ld",
        "Management à distance des équipes terrain",
        "Les directeurs régionaux managent à distance des équipes commerciales dispersées.",
    ),
    (
        11,
        "com",
        "Cadeaux et invitations : règles pour les acheteurs",
        "Règles anticorruption Sapin II pour les acheteurs : cadeaux fournisseurs, conflits d'intérêts.",
    ),
]

REASONS: dict[str, list[str]] = {
    S.UNDER_REVIEW: [""],
    S.ACCEPTED: [
        "Besoin confirmé avec le sponsor ; intégré au plan de développement des compétences.",
        "Aligné sur un objectif prioritaire du comité de direction : retenu pour cette année.",
        "Obligation réglementaire : retenu en priorité.",
        "Retenu ; le dispositif sera conçu avec l'équipe formation au prochain trimestre.",
    ],
    S.MERGED: [
        "Même besoin qu'une demande déjà instruite : suivi dans celle-ci.",
        "Doublon : les deux demandes seront traitées ensemble.",
    ],
    S.PARKED: [
        "Budget de l'année engagé : à revoir lors du plan de l'an prochain.",
        "En attente de la réorganisation du service concerné.",
        "À reconsidérer après le déploiement de l'outil, prévu au second semestre.",
        "Le sponsor doit d'abord préciser la population concernée.",
    ],
    S.DECLINED: [
        "Besoin individuel : relève du plan de formation du service, pas d'un dispositif collectif.",
        "Déjà couvert par le parcours existant ; les collaborateurs peuvent s'y inscrire.",
        "Hors du périmètre de l'équipe formation : à traiter par l'accompagnement managérial.",
        "Coût trop élevé au regard du nombre de personnes concernées.",
    ],
}

COMMENTS_TEAM = [
    "Pouvez-vous préciser les sites concernés et le calendrier souhaité ?",
    "Avez-vous déjà un prestataire en tête, ou faut-il lancer une consultation ?",
    "Combien de personnes seraient disponibles en même temps ? Les contraintes de production comptent.",
    "Nous regardons si le catalogue existant couvre une partie du besoin.",
]
COMMENTS_REQUESTER = [
    "Les sites de Lyon et Lille en priorité, idéalement avant l'été.",
    "Pas de prestataire identifié ; nous sommes ouverts à vos propositions.",
    "Par groupes de 8 à 10 personnes maximum, en dehors des pics d'activité.",
    "Merci, je reste disponible pour en parler.",
]
COMMENTS_INTERNAL = [
    "Proche d'une demande de l'an dernier : vérifier le bilan du dispositif.",
    "Sponsor très attendu sur ce sujet par le comité de direction.",
    "Budget à valider avec la DAF avant de répondre.",
]


def _user(prefix: str) -> User | None:
    return User.objects.filter(email=f"{prefix}@{DOMAIN}", is_active=True).first()


def _at(base: dt.datetime, days: float, now: dt.datetime) -> dt.datetime:
    """``base`` plus ``days``, never in the future."""
    return min(base + dt.timedelta(days=days), now - dt.timedelta(minutes=5))


def _move(req: TrainingRequest, at: dt.datetime) -> None:
    """Date the last status change of ``req`` at ``at``."""
    last = RequestTransition.objects.filter(request=req).order_by("-id").first()
    if last is not None:
        RequestTransition.objects.filter(pk=last.pk).update(at=at)
    TrainingRequest.objects.filter(pk=req.pk).update(status_changed_at=at)


def _comment(req: TrainingRequest, author: Any, body: str, at: dt.datetime, *, internal: bool = False) -> None:
    comment = request_comment_add(actor=author, request=req, body=body, internal=internal)
    RequestComment.objects.filter(pk=comment.pk).update(created_at=at)


def seed(*, rng: random.Random) -> dict[str, int]:
    """Objectives and requests of the demo company. Counts of what was made (zeros when the
    demo users are missing or when it already ran)."""
    counts = {"objectives": 0, "requests": 0, "transitions": 0, "comments": 0, "withdrawn": 0}
    dlm, ld = _user("dlm"), _user("ld")
    requesters = {"com": _user("client.commercial"), "ind": _user("client.industrie"), "ld": ld}
    if dlm is None or ld is None or requesters["com"] is None or requesters["ind"] is None:
        return counts
    if Objective.objects.filter(title=OBJECTIVES[0].title).exists():
        return counts
    with nothing_sent_on_commit():
        objectives = _seed_objectives(dlm, counts)
        _seed_requests(rng, objectives, requesters, [dlm, ld], counts)
    return counts


def _seed_objectives(dlm: User, counts: dict[str, int]) -> dict[str, Objective]:
    made = {}
    for spec in OBJECTIVES:
        made[spec.key] = objective_create(
            actor=dlm,
            title=spec.title,
            description=spec.description,
            owner=_user(spec.owner),
            horizon=spec.horizon,
            business_indicator=spec.indicator,
            indicator_baseline=spec.baseline,
            indicator_target=spec.target,
            weight=spec.weight,
            status=spec.status,
        )
        counts["objectives"] += 1
    return made


# Status of each of the 41 originals, then of the 20 echoes ("merged" echoes join their original).
ORIGINAL_STATUSES = [S.SUBMITTED] * 7 + [S.UNDER_REVIEW] * 9 + [S.ACCEPTED] * 11 + [S.PARKED] * 7 + [S.DECLINED] * 7
ECHO_STATUSES = [S.MERGED] * 9 + [S.SUBMITTED] * 3 + [S.UNDER_REVIEW] * 3 + [S.PARKED] * 2 + [S.DECLINED] * 3
# How long ago a request in this status was filed (days): recent ones are still waiting.
AGE: dict[str, tuple[int, int]] = {
    S.SUBMITTED: (1, 25),
    S.UNDER_REVIEW: (10, 80),
    S.ACCEPTED: (45, 300),
    S.PARKED: (60, 280),
    S.DECLINED: (30, 290),
    S.MERGED: (20, 200),
}


def _seed_requests(
    rng: random.Random,
    objectives: dict[str, Objective],
    requesters: dict[str, User | None],
    team: list[User],
    counts: dict[str, int],
) -> None:
    now = timezone.now()
    audiences = {a.name: a for a in Audience.objects.all()}
    statuses: list[str] = [str(s) for s in ORIGINAL_STATUSES]
    rng.shuffle(statuses)
    originals: list[tuple[TrainingRequest, str, dt.datetime]] = []
    for spec, status in zip(REQUESTS, statuses, strict=True):
        low, high = AGE[status]
        filed = now - dt.timedelta(days=rng.uniform(low, high), hours=rng.uniform(0, 8))
        req = _file(spec, objectives, requesters, audiences, filed, rng)
        originals.append((req, status, filed))
        counts["requests"] += 1
    # Decide the originals first: echoes merge into an open or accepted request only.
    for req, status, filed in originals:
        _decide(req, status, filed, now, rng, team, requesters, counts)
    echo_statuses: list[str] = [str(s) for s in ECHO_STATUSES]
    rng.shuffle(echo_statuses)
    for (index, who, title, need), status in zip(ECHOES, echo_statuses, strict=True):
        original, original_status, original_filed = originals[index]
        if status == S.MERGED and original_status in {S.DECLINED}:
            status = S.UNDER_REVIEW
        spec = REQUESTS[index]
        # Filed some time after the original, leaving room for its own history.
        filed = original_filed + (now - original_filed) * rng.uniform(0.15, 0.5)
        echo = RequestSpec(who, spec.objective, title, need, spec.population, spec.headcount, spec.impact, spec.legal)
        req = _file(echo, objectives, requesters, audiences, filed, rng)
        counts["requests"] += 1
        _decide(req, status, filed, now, rng, team, requesters, counts, merged_into=original)


def _file(
    spec: RequestSpec,
    objectives: dict[str, Objective],
    requesters: dict[str, User | None],
    audiences: dict[str, Audience],
    filed: dt.datetime,
    rng: random.Random,
) -> TrainingRequest:
    actor = requesters[spec.who]
    objective = objectives.get(spec.objective) if spec.objective else None
    if objective is not None and objective.status != Objective.Status.ACTIVE:
        objective = None
    audience = audiences.get(spec.audience) if spec.audience and spec.who == "ld" else None
    wished = (filed + dt.timedelta(days=rng.choice([60, 90, 120, 180, 240]))).date()
    return request_create(
        actor=actor,
        title=spec.title,
        business_need=spec.need,
        audience=audience,
        population_description=spec.population,
        headcount=spec.headcount,
        wished_date=wished,
        objective=objective,
        expected_impact=spec.impact,
        legal_obligation=bool(spec.legal),
        legal_reference=spec.legal,
        budget_indication=Decimal(spec.budget) if spec.budget is not None else None,
        created_at=filed,
    )


def _decide(
    req: TrainingRequest,
    status: str,
    filed: dt.datetime,
    now: dt.datetime,
    rng: random.Random,
    team: list[User],
    requesters: dict[str, User | None],
    counts: dict[str, int],
    *,
    merged_into: TrainingRequest | None = None,
) -> None:
    """Walk ``req`` to ``status`` through the workflow, with believable dates and comments."""
    triager = rng.choice(team)
    when = filed
    has_thread = rng.random() < 0.55
    if status != S.SUBMITTED and (status in {S.UNDER_REVIEW, S.ACCEPTED, S.PARKED} or rng.random() < 0.6):
        when = _at(when, rng.uniform(1, 12), now)
        request_transition(actor=triager, request=req, to_status=S.UNDER_REVIEW)
        _move(req, when)
        counts["transitions"] += 1
    if has_thread or status == S.UNDER_REVIEW:
        when = _at(when, rng.uniform(0.2, 4), now)
        _comment(req, triager, rng.choice(COMMENTS_TEAM), when)
        counts["comments"] += 1
        if rng.random() < 0.7:
            when = _at(when, rng.uniform(0.1, 3), now)
            _comment(req, req.requester, rng.choice(COMMENTS_REQUESTER), when)
            counts["comments"] += 1
        if rng.random() < 0.4:
            when = _at(when, rng.uniform(0.1, 2), now)
            _comment(req, triager, rng.choice(COMMENTS_INTERNAL), when, internal=True)
            counts["comments"] += 1
    if status in {S.SUBMITTED, S.UNDER_REVIEW}:
        return
    when = _at(when, rng.uniform(3, 30), now)
    client_filed = req.requester not in team
    if status == S.DECLINED and client_filed and (counts["withdrawn"] == 0 or rng.random() < 0.25):
        # Some requesters withdraw their request themselves (it ends as declined).
        request_withdraw(actor=req.requester, request=req, reason="Le besoin a été couvert en interne.")
        counts["withdrawn"] += 1
    else:
        request_transition(
            actor=triager,
            request=req,
            to_status=status,
            reason=rng.choice(REASONS[status]),
            merged_into=merged_into if status == S.MERGED else None,
        )
    _move(req, when)
    counts["transitions"] += 1
