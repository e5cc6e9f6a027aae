"""The modality catalogue and version 1 of the recommender's rules (both editable afterwards).

The data is written out here, not imported from the app, so that this migration keeps
producing the same v1 whatever the code becomes. docs/recommender.md explains each rule.
"""

from django.db import migrations
from django.utils import timezone

# key, name EN, name FR, description EN, description FR, base score
MODALITIES = [
    (
        "elearning",
        "E-learning module",
        "Module e-learning",
        "A self-paced, tracked online module (SCORM/xAPI) with interactions and a final quiz.",
        "Un module en ligne suivi à son rythme, tracé (SCORM/xAPI), avec interactions et quiz final.",
        2,
    ),
    (
        "micro_learning",
        "Micro-learning / mobile",
        "Micro-learning / mobile",
        "Short capsules of 3 to 5 minutes, designed for the phone, pushed over a few weeks.",
        "Des capsules de 3 à 5 minutes, pensées pour le téléphone, diffusées sur quelques semaines.",
        1,
    ),
    (
        "virtual_classroom",
        "Virtual classroom",
        "Classe virtuelle",
        "A live online session with a facilitator, 60 to 120 minutes, for up to about 15 people.",
        "Une session en ligne animée en direct, de 60 à 120 minutes, pour une quinzaine de personnes.",
        1,
    ),
    (
        "in_person",
        "In-person workshop",
        "Atelier présentiel",
        "A facilitated session in a room: exercises, role-play, hands-on practice.",
        "Une session animée en salle : exercices, mises en situation, pratique.",
        1,
    ),
    (
        "blended",
        "Blended path",
        "Parcours blended",
        "A path mixing online preparation, live sessions and practice at work.",
        "Un parcours qui mêle préparation en ligne, sessions en direct et mise en pratique au poste.",
        1,
    ),
    (
        "mooc",
        "MOOC / SPOC",
        "MOOC / SPOC",
        "A course over several weeks with a cohort rhythm, videos, activities and forums.",
        "Un cours sur plusieurs semaines au rythme d'une cohorte : vidéos, activités, forums.",
        0,
    ),
    (
        "video",
        "Video",
        "Vidéo",
        "Short explanatory or demonstration videos, subtitled, watchable anywhere.",
        "De courtes vidéos explicatives ou de démonstration, sous-titrées, consultables partout.",
        1,
    ),
    (
        "simulation",
        "Simulation / serious game",
        "Simulation / serious game",
        "A scenario where learners practise decisions or gestures safely, with feedback.",
        "Un scénario où l'on s'entraîne sans risque à des décisions ou des gestes, avec feedback.",
        0,
    ),
    (
        "social",
        "Peer and social learning",
        "Apprentissage social entre pairs",
        "Communities of practice, peer reviews, shared experience and forums.",
        "Communautés de pratique, revues entre pairs, partage d'expérience et forums.",
        0,
    ),
    (
        "coaching",
        "Coaching / mentoring",
        "Coaching / mentorat",
        "Individual or small-group support by a coach or an experienced colleague.",
        "Un accompagnement individuel ou en petit groupe par un coach ou un pair expérimenté.",
        0,
    ),
    (
        "on_the_job",
        "On-the-job learning",
        "Formation en situation de travail (AFEST)",
        "Learning at the workstation with a tutor, alternating action and reflection (AFEST).",
        "Apprendre au poste de travail avec un tuteur, en alternant action et réflexion (AFEST).",
        0,
    ),
]


def _c(input_, op, value):
    return {"input": input_, "op": op, "value": value}


# key, name, condition, effects, explanation EN, explanation FR
RULES = [
    (
        "large-audience",
        "Large audience (1,000 or more)",
        {"all": [_c("audience_size", ">=", 1000)]},
        {"elearning": 3, "micro_learning": 2, "mooc": 2, "video": 1, "in_person": -3, "coaching": -4,
         "virtual_classroom": -1, "on_the_job": -1},
        "Large audiences are reached at a sustainable cost by digital, self-paced formats.",
        "Un large public se touche à un coût soutenable avec des formats numériques, à son rythme.",
    ),
    (
        "medium-audience",
        "Mid-sized audience (31 to 999)",
        {"all": [_c("audience_size", ">", 30), _c("audience_size", "<", 1000)]},
        {"blended": 2, "virtual_classroom": 1},
        "A mid-sized audience suits a blended path: digital for the basics, live sessions for practice.",
        "Un public de taille moyenne se prête à un parcours blended : le numérique pour les bases, le direct pour la pratique.",
    ),
    (
        "small-audience",
        "Small audience (30 or fewer)",
        {"all": [_c("audience_size", "<=", 30)]},
        {"in_person": 2, "coaching": 3, "virtual_classroom": 1, "elearning": -2, "mooc": -3, "simulation": -2,
         "micro_learning": -1},
        "A small group does not pay back the production of digital content; live formats fit it better.",
        "Un petit groupe ne rentabilise pas la production d'un contenu numérique ; les formats en direct lui conviennent mieux.",
    ),
    (
        "deskless",
        "Deskless employees",
        {"all": [_c("device_access", "==", "deskless")]},
        {"micro_learning": 4, "on_the_job": 2, "in_person": 1, "elearning": -2, "virtual_classroom": -3, "mooc": -2},
        "Deskless employees rarely have a computer at work: learning must reach their phone or happen where they work.",
        "Les collaborateurs sans poste de bureau ont rarement un ordinateur : la formation doit passer par leur téléphone ou se faire au poste.",
    ),
    (
        "mobile-only",
        "Mobile only",
        {"all": [_c("device_access", "==", "mobile_only")]},
        {"micro_learning": 5, "video": 2, "elearning": -2, "virtual_classroom": -2, "simulation": -1, "mooc": -1},
        "Learners who only have a phone need short, mobile-first formats.",
        "Des apprenants qui n'ont qu'un téléphone ont besoin de formats courts, pensés pour le mobile.",
    ),
    (
        "desk",
        "Desk-based employees",
        {"all": [_c("device_access", "==", "desk")]},
        {"elearning": 1, "virtual_classroom": 1},
        "Desk-based employees can follow modules and virtual classes from their computer.",
        "Des collaborateurs équipés d'un poste de travail peuvent suivre modules et classes virtuelles depuis leur ordinateur.",
    ),
    (
        "many-sites",
        "Spread over five sites or more",
        {"all": [_c("sites", ">=", 5)]},
        {"in_person": -2, "virtual_classroom": 1, "elearning": 1, "micro_learning": 1},
        "Spread over many sites, gathering people in one room costs travel and working time.",
        "Répartis sur de nombreux sites, les réunir en salle coûte des déplacements et du temps de travail.",
    ),
    (
        "single-site",
        "One site",
        {"all": [_c("sites", "<=", 1), _c("audience_size", "<=", 200)]},
        {"in_person": 2, "on_the_job": 1},
        "Everyone works on the same site: in-person sessions need no travel.",
        "Tout le monde travaille sur le même site : le présentiel ne demande aucun déplacement.",
    ),
    (
        "many-time-zones",
        "Three time zones or more",
        {"all": [_c("time_zones", ">=", 3)]},
        {"virtual_classroom": -2, "elearning": 1, "micro_learning": 1, "mooc": 1},
        "Across three or more time zones, live sessions are hard to schedule: asynchronous formats are easier.",
        "Sur trois fuseaux horaires ou plus, les sessions en direct sont difficiles à planifier : l'asynchrone est plus simple.",
    ),
    (
        "urgent",
        "Less than a month to go",
        {"all": [_c("lead_time_weeks", "<", 4)]},
        {"virtual_classroom": 3, "video": 3, "elearning": -3, "simulation": -4, "mooc": -3, "blended": -1},
        "With less than a month, there is no time to produce a custom module: live sessions and short videos can be ready in time.",
        "Avec moins d'un mois, impossible de produire un module sur mesure : classes virtuelles et courtes vidéos seront prêtes à temps.",
    ),
    (
        "long-lead-time",
        "Four months or more to prepare",
        {"all": [_c("lead_time_weeks", ">=", 16)]},
        {"simulation": 1, "elearning": 1, "mooc": 1, "blended": 1},
        "With four months or more, richer digital content can be produced.",
        "Avec quatre mois ou plus, on peut produire des contenus numériques plus riches.",
    ),
    (
        "short-shelf-life",
        "Content outdated within six months",
        {"all": [_c("content_shelf_life_months", "<", 6)]},
        {"virtual_classroom": 2, "video": 1, "social": 1, "elearning": -2, "simulation": -3, "mooc": -1},
        "Content that will be outdated within six months is not worth heavy production.",
        "Un contenu périmé dans moins de six mois ne justifie pas une production lourde.",
    ),
    (
        "long-shelf-life",
        "Content valid three years or more",
        {"all": [_c("content_shelf_life_months", ">=", 36)]},
        {"elearning": 2, "simulation": 1, "mooc": 1},
        "Content that stays valid for three years or more pays back its production.",
        "Un contenu valable trois ans ou plus rentabilise sa production.",
    ),
    (
        "knowledge",
        "Knowledge to transmit",
        {"all": [_c("skill_type", "==", "knowledge")]},
        {"elearning": 2, "mooc": 1, "video": 1, "micro_learning": 1},
        "Knowledge is transmitted efficiently by self-paced content.",
        "Des connaissances se transmettent efficacement par des contenus à suivre à son rythme.",
    ),
    (
        "procedure",
        "A procedure to apply",
        {"all": [_c("skill_type", "==", "procedure")]},
        {"video": 2, "on_the_job": 2, "simulation": 1, "micro_learning": 1, "mooc": -1},
        "Procedures are learnt by seeing them done and doing them: demonstration videos and practice at the workstation.",
        "Une procédure s'apprend en la voyant faire et en la faisant : vidéos de démonstration et pratique au poste.",
    ),
    (
        "behaviour",
        "Behaviours to change",
        {"all": [_c("skill_type", "==", "behaviour")]},
        {"in_person": 2, "coaching": 2, "virtual_classroom": 1, "social": 1, "elearning": -2, "mooc": -1, "video": -1},
        "Behaviours (management, customer relations) change through role-play, feedback and exchange.",
        "Les comportements (management, relation client) évoluent par la mise en situation, le feedback et l'échange.",
    ),
    (
        "compliance",
        "Regulatory or compliance training",
        {"all": [_c("skill_type", "==", "compliance")]},
        {"elearning": 3, "micro_learning": 1, "social": -1},
        "Compliance training must reach everyone with the same content and a trace: a tracked module with a final quiz does both.",
        "Une formation réglementaire doit toucher tout le monde avec le même contenu et une trace : un module tracé avec quiz final fait les deux.",
    ),
    (
        "high-practice",
        "High need for practice",
        {"all": [_c("practice_need", "==", "high")]},
        {"simulation": 2, "in_person": 2, "blended": 2, "on_the_job": 1, "elearning": -2, "video": -2, "mooc": -1},
        "A high need for practice calls for exercises, simulations or hands-on sessions, not content alone.",
        "Un fort besoin de pratique appelle des exercices, des simulations ou des sessions pratiques, pas seulement du contenu.",
    ),
    (
        "no-practice",
        "No practice needed",
        {"all": [_c("practice_need", "==", "none")]},
        {"elearning": 1, "video": 1, "micro_learning": 1, "in_person": -2, "coaching": -2, "simulation": -2},
        "Without practice or interaction to organise, live sessions add little.",
        "Sans pratique ni interaction à organiser, les sessions en direct apportent peu.",
    ),
    (
        "low-budget",
        "Under €50 per learner",
        {"all": [_c("budget_per_learner", "<", 50)]},
        {"in_person": -3, "coaching": -4, "simulation": -2, "virtual_classroom": -1, "micro_learning": 1, "video": 1,
         "social": 2},
        "Under €50 per learner, live facilitation and custom simulations are out of reach.",
        "Sous 50 € par apprenant, l'animation en direct et les simulations sur mesure sont hors de portée.",
    ),
    (
        "high-budget",
        "€500 or more per learner",
        {"all": [_c("budget_per_learner", ">=", 500)]},
        {"coaching": 2, "in_person": 1, "simulation": 1, "blended": 1},
        "A budget of €500 or more per learner allows facilitated sessions and individual support.",
        "Un budget de 500 € ou plus par apprenant permet des sessions animées et un accompagnement individuel.",
    ),
    (
        "many-languages",
        "Three languages or more",
        {"all": [_c("language_count", ">=", 3)]},
        {"video": 1, "elearning": 1, "in_person": -1, "virtual_classroom": -1},
        "With three languages or more, translated asynchronous content (subtitled videos, modules) scales better than live sessions in each language.",
        "Avec trois langues ou plus, des contenus asynchrones traduits (vidéos sous-titrées, modules) passent mieux à l'échelle que des sessions dans chaque langue.",
    ),
    (
        "attendance-proof",
        "Attendance must be proven",
        {"all": [_c("attendance_proof", "==", True)]},
        {"elearning": 2, "virtual_classroom": 1, "in_person": 1, "social": -2, "video": -1, "mooc": -1},
        "Attendance must be proven: formats that record completion or sign-in (a tracked module, attended sessions) give that proof.",
        "La présence doit être prouvée : les formats qui tracent l'achèvement ou l'émargement (module tracé, sessions émargées) en apportent la preuve.",
    ),
    (
        "behaviour-at-scale",
        "Behaviours across a large population",
        {"all": [_c("skill_type", "==", "behaviour"), _c("audience_size", ">=", 200)]},
        {"blended": 5, "elearning": -2, "in_person": -1},
        "Behaviours do not change through a module alone: across a large population, a blended path combines online preparation with a few live practice sessions.",
        "Un module seul ne change pas les comportements : pour une large population, un parcours blended combine préparation en ligne et quelques sessions de pratique.",
    ),
    (
        "procedure-in-the-field",
        "Procedure for field staff",
        {"all": [_c("skill_type", "==", "procedure"), _c("device_access", "in", ["deskless", "mobile_only"])]},
        {"on_the_job": 3},
        "Procedures for field staff are best learnt at the workstation with a tutor (AFEST).",
        "Les procédures des équipes de terrain s'apprennent le mieux au poste, avec un tuteur (AFEST).",
    ),
    (
        "few-with-high-practice",
        "A handful of people (15 or fewer) who need a lot of practice",
        {"all": [_c("audience_size", "<=", 15), _c("practice_need", "==", "high"),
                 _c("skill_type", "in", ["behaviour", "procedure"])]},
        {"coaching": 2, "on_the_job": 1},
        "A few people with a strong need for practice get the most transfer from individual coaching.",
        "Peu de personnes avec un fort besoin de pratique : un accompagnement individuel donne le meilleur transfert.",
    ),
    (
        "communities",
        "Know-how shared across sites",
        {"all": [_c("sites", ">=", 3), _c("practice_need", "!=", "none"),
                 _c("skill_type", "in", ["behaviour", "knowledge"]), _c("audience_size", ">=", 50)]},
        {"social": 3},
        "Teams spread over several sites that share know-how benefit from peer exchange (communities, peer reviews).",
        "Des équipes réparties sur plusieurs sites qui partagent un savoir-faire gagnent à échanger entre pairs (communautés, revues croisées).",
    ),
    (
        "cohort-course",
        "Broad knowledge topic over several weeks",
        {"all": [_c("audience_size", ">=", 500), _c("skill_type", "==", "knowledge"),
                 _c("lead_time_weeks", ">=", 8), _c("practice_need", "!=", "none"),
                 _c("device_access", "in", ["desk", "mixed"])]},
        {"mooc": 5, "elearning": -2},
        "A broad knowledge topic for many people with a computer, with some exchange, suits a SPOC paced by cohorts better than a module followed alone.",
        "Un sujet de connaissances large pour beaucoup de personnes équipées d'un ordinateur, avec un peu d'échange, se prête mieux à un SPOC rythmé par cohortes qu'à un module suivi seul.",
    ),
    (
        "practise-on-screen",
        "A procedure to practise on screen",
        {"all": [_c("device_access", "==", "desk"), _c("skill_type", "==", "procedure"),
                 _c("practice_need", "in", ["some", "high"]), _c("audience_size", "<=", 200)]},
        {"virtual_classroom": 2},
        "Desk-based groups learning a procedure can practise it on their own screen, live with a trainer, in a virtual class.",
        "Des groupes équipés d'un poste qui apprennent une procédure peuvent la pratiquer sur leur écran, en direct avec un formateur, en classe virtuelle.",
    ),
    (
        "simulation-pays-back",
        "Practice without risk, stable for years",
        {"all": [_c("skill_type", "==", "procedure"), _c("practice_need", "==", "high"),
                 _c("content_shelf_life_months", ">=", 36), _c("lead_time_weeks", ">=", 12),
                 _c("audience_size", ">=", 50)]},
        {"simulation": 3},
        "A procedure that needs much practice, stays valid for years and can be prepared ahead is worth a simulation: people train without risk, again and again.",
        "Une procédure qui demande beaucoup de pratique, reste valable des années et peut se préparer à l'avance mérite une simulation : on s'entraîne sans risque, autant de fois que nécessaire.",
    ),
]


def create_defaults(apps, schema_editor):
    Modality = apps.get_model("programmes", "Modality")
    RuleSet = apps.get_model("programmes", "RuleSet")
    Rule = apps.get_model("programmes", "Rule")
    for position, (key, name_en, name_fr, desc_en, desc_fr, base) in enumerate(MODALITIES):
        Modality.objects.get_or_create(
            key=key,
            defaults={
                "name_en": name_en,
                "name_fr": name_fr,
                "description_en": desc_en,
                "description_fr": desc_fr,
                "base_score": base,
                "position": position,
            },
        )
    if RuleSet.objects.exists():
        return
    ruleset = RuleSet.objects.create(
        version=1, status="published", note="Default rules shipped with Pilotage", published_at=timezone.now()
    )
    Rule.objects.bulk_create(
        [
            Rule(
                ruleset=ruleset,
                key=key,
                name=name,
                condition=condition,
                effects=effects,
                explanation_en=en,
                explanation_fr=fr,
                position=position,
            )
            for position, (key, name, condition, effects, en, fr) in enumerate(RULES)
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("programmes", "0003_proficiency_levels")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
