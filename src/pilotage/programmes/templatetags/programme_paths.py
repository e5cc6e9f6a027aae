"""``{% programme_paths programme as card %}``: the programme's learning paths for its detail
page (``programmes/_paths_card.html``), scoped to the viewer, with step counts and durations."""

from __future__ import annotations

from typing import Any

from django import template

from pilotage.programmes import paths, permissions, queries

register = template.Library()


@register.simple_tag(takes_context=True)
def programme_paths(context: template.Context, programme: Any) -> dict[str, Any]:
    user = context.get("user") or getattr(context.get("request"), "user", None)
    rows = []
    annotated: Any = queries.programme_paths(user=user, programme=programme)  # step_count, *_minutes
    for p in annotated:
        rows.append(
            {
                "path": p,
                "steps": p.step_count,
                "total": paths.duration_text(p.total_minutes or 0),
                "mandatory": paths.duration_text(p.mandatory_minutes or 0),
                "rule": paths.completion_rule_text(
                    p.completion_rule,
                    count=p.completion_count,
                    min_score=p.completion_min_score,
                    total_steps=p.step_count,
                ),
            }
        )
    return {"paths": rows, "can_design": permissions.can_design(user)}
