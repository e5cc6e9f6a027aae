"""The audit list shows changes as "before → after" and recorded facts as their value."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from pilotage.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_changes_and_facts_render_each_their_way() -> None:
    event = AuditEvent.objects.create(
        action="programme.modality_choose",
        object_type="programmes.programme",
        object_id="1",
        changes={"chosen_modality": [None, 10], "modality": "coaching", "retired": [3, 4, 5]},
    )
    html = render_to_string("core/components/audit_list.html", {"events": [event]})
    assert "chosen_modality: — → 10" in html
    assert "modality: coaching" in html
    assert "c → o" not in html
    assert "retired: [3, 4, 5]" in html
