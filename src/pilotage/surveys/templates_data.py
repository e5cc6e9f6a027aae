"""The standard evaluation templates (created by ``services.templates_ensure``), in French and
English. Hot evaluation (Kirkpatrick level 1, right after a session or the path): anonymous, so
that learners say what they think of the facilitator. Cold evaluations (level 3, weeks after
completion): named, to follow up on the application on the job — one for the learner, one for
their manager.

Questions marked ``measure`` feed the programme dashboard: "satisfaction" (hot) and
"application" (cold: the share of answers of 4 or 5 is the L3 application rate).
"""

from __future__ import annotations

from typing import Any

_AGREE = "likert"

TEMPLATES: list[dict[str, Any]] = [
    {
        "kind": "hot",
        "anonymous": True,
        "title_fr": "Évaluation à chaud",
        "title_en": "Hot evaluation",
        "intro_fr": "Quelques questions sur la formation que vous venez de suivre. Vos réponses sont anonymes.",
        "intro_en": "A few questions about the training you have just attended. Your answers are anonymous.",
        "questions": [
            {
                "kind": _AGREE,
                "text_fr": "Dans l'ensemble, je suis satisfait(e) de cette formation.",
                "text_en": "Overall, I am satisfied with this training.",
                "measure": "satisfaction",
            },
            {
                "kind": _AGREE,
                "text_fr": "Les contenus correspondaient à mes besoins.",
                "text_en": "The content matched my needs.",
                "measure": "satisfaction",
            },
            {
                "kind": _AGREE,
                "text_fr": "L'animation m'a aidé(e) à apprendre.",
                "text_en": "The facilitation helped me learn.",
                "measure": "satisfaction",
            },
            {
                "kind": "single",
                "text_fr": "La durée de la formation était…",
                "text_en": "The length of the training was…",
                "choices": [
                    {"value": "short", "fr": "Trop courte", "en": "Too short"},
                    {"value": "right", "fr": "Adaptée", "en": "About right"},
                    {"value": "long", "fr": "Trop longue", "en": "Too long"},
                ],
            },
            {
                "kind": "nps",
                "text_fr": "Recommanderiez-vous cette formation à un(e) collègue ?",
                "text_en": "How likely are you to recommend this training to a colleague?",
            },
            {
                "kind": "text",
                "required": False,
                "text_fr": "Un commentaire, une suggestion ?",
                "text_en": "Any comment or suggestion?",
            },
        ],
    },
    {
        "kind": "cold_learner",
        "anonymous": False,
        "title_fr": "Évaluation à froid — apprenant",
        "title_en": "Cold evaluation — learner",
        "intro_fr": "Quelques semaines après la formation : qu'en appliquez-vous dans votre travail ?",
        "intro_en": "A few weeks after the training: what do you apply of it in your work?",
        "questions": [
            {
                "kind": _AGREE,
                "text_fr": "J'applique dans mon travail ce que j'ai appris.",
                "text_en": "I apply what I learnt in my work.",
                "measure": "application",
            },
            {
                "kind": "single",
                "text_fr": "À quelle fréquence utilisez-vous ces acquis ?",
                "text_en": "How often do you use what you learnt?",
                "choices": [
                    {"value": "daily", "fr": "Chaque jour", "en": "Every day"},
                    {"value": "weekly", "fr": "Chaque semaine", "en": "Every week"},
                    {"value": "monthly", "fr": "Chaque mois", "en": "Every month"},
                    {"value": "never", "fr": "Jamais", "en": "Never"},
                ],
            },
            {
                "kind": "multiple",
                "required": False,
                "text_fr": "Qu'est-ce qui freine la mise en pratique ?",
                "text_en": "What gets in the way of applying it?",
                "choices": [
                    {"value": "time", "fr": "Le manque de temps", "en": "Lack of time"},
                    {"value": "tools", "fr": "Les outils", "en": "The tools"},
                    {"value": "support", "fr": "Le manque de soutien", "en": "Lack of support"},
                    {"value": "relevance", "fr": "Peu utile dans mon poste", "en": "Of little use in my job"},
                ],
            },
            {
                "kind": "rating",
                "scale_max": 5,
                "text_fr": "Quel impact la formation a-t-elle eu sur votre efficacité ?",
                "text_en": "What impact has the training had on your effectiveness?",
            },
            {
                "kind": "text",
                "required": False,
                "text_fr": "Un exemple de mise en pratique ?",
                "text_en": "An example of putting it into practice?",
            },
        ],
    },
    {
        "kind": "cold_manager",
        "anonymous": False,
        "title_fr": "Évaluation à froid — manager",
        "title_en": "Cold evaluation — manager",
        "intro_fr": "Un membre de votre équipe a terminé une formation il y a quelques semaines. Qu'observez-vous ?",
        "intro_en": "A member of your team completed a training a few weeks ago. What do you observe?",
        "questions": [
            {
                "kind": _AGREE,
                "text_fr": "Mon collaborateur applique dans son travail ce qu'il a appris.",
                "text_en": "My team member applies what they learnt in their work.",
                "measure": "application",
            },
            {
                "kind": _AGREE,
                "text_fr": "La formation a amélioré ses résultats.",
                "text_en": "The training improved their results.",
                "measure": "application",
            },
            {
                "kind": "text",
                "required": False,
                "text_fr": "Vos observations",
                "text_en": "Your observations",
            },
        ],
    },
]
