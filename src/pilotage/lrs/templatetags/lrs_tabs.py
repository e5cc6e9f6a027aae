"""``{% lrs_tabs %}``: the tab bar of the Learning records pages (statements, activities,
clients, unmatched learners), each tab shown only to the roles that may open it."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pilotage.lrs.selectors import can_browse
from pilotage.people.permissions import is_dlm, is_staff_member

register = template.Library()

TABS = (
    ("statement_list", _("Statements"), can_browse, ("statement_list", "statement_detail")),
    ("activity_list", _("Activities"), can_browse, ("activity_list", "activity_detail")),
    ("client_list", _("LRS clients"), is_staff_member, ("client_list", "client_create", "client_revoke")),
    ("agent_unmatched", _("Unmatched learners"), is_dlm, ("agent_unmatched", "agent_link")),
    (
        "lms_import_start",
        _("LMS imports"),
        is_dlm,
        ("lms_import_start", "lms_import_mapping", "lms_import_detail", "lms_import_apply"),
    ),
)


@register.inclusion_tag("lrs/_tabs.html", takes_context=True)
def lrs_tabs(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match is not None and match.namespace == "lrs" else ""
    tabs = [
        {"label": label, "url": reverse(f"lrs:{name}"), "current": current in names}
        for name, label, allowed, names in TABS
        if allowed(user)
    ]
    return {"tabs": tabs}
