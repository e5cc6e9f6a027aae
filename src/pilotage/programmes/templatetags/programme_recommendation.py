"""``{% programme_recommendation programme as card %}``: the latest recommender run of a
programme for its detail page (``programmes/_recommendation_card.html``), scoped to the viewer."""

from __future__ import annotations

from typing import Any

from django import template

from pilotage.programmes import permissions, queries
from pilotage.programmes import services_recommender as services

register = template.Library()


@register.simple_tag(takes_context=True)
def programme_recommendation(context: template.Context, programme: Any) -> dict[str, Any]:
    user = context.get("user") or getattr(context.get("request"), "user", None)
    latest = queries.recommendation_list(user=user, programme=programme).first()
    card: dict[str, Any] = {"latest": latest, "can_design": permissions.can_design(user), "runs": 0}
    if latest is not None:
        names = services.modality_names()
        top = services.top_modality_key(latest)
        card.update(
            summary=services.recommendation_summary(latest),
            top=names.get(top or "", top),
            chosen=latest.chosen_modality,
            is_override=bool(latest.chosen_modality and latest.chosen_modality.key != top),
        )
    card["programme_modality"] = programme.chosen_modality
    return card
