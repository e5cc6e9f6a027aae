"""Statement.ref_target: the statement a StatementRef object targets, for XAPI-00162 (filters
match a statement through its target). Backfilled from the stored statements whose object is a
StatementRef (a JSON lookup over the table, once)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import migrations, models


def backfill(apps: Any, schema_editor: Any) -> None:
    Statement = apps.get_model("lrs", "Statement")
    rows = Statement.objects.filter(payload__object__objectType="StatementRef").values_list("pk", "payload")
    batch = []
    for pk, payload in rows.iterator(chunk_size=2000):
        try:
            target = uuid.UUID(str(payload["object"]["id"]))
        except (KeyError, TypeError, ValueError):
            continue
        batch.append(Statement(pk=pk, ref_target=target))
        if len(batch) >= 2000:
            Statement.objects.bulk_update(batch, ["ref_target"])
            batch = []
    if batch:
        Statement.objects.bulk_update(batch, ["ref_target"])


class Migration(migrations.Migration):
    dependencies = [
        ("lrs", "0005_activity_sort_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="statement",
            name="ref_target",
            field=models.UUIDField(null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="statement",
            index=models.Index(
                condition=models.Q(("ref_target__isnull", False)), fields=["id"], name="lrs_stmt_refs_idx"
            ),
        ),
    ]
