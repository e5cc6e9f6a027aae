"""The LRS's web pages, mounted at /lrs/ (namespace ``lrs``)."""

from __future__ import annotations

from django.urls import path

from pilotage.lrs.views import browser, clients, identity, lms_import

app_name = "lrs"

urlpatterns = [
    # --- statement browser and activity catalogue (views/browser.py) ---
    path("", browser.statement_list, name="statement_list"),
    path("statements/<uuid:statement_id>/", browser.statement_detail, name="statement_detail"),
    path("statements/export.csv", browser.statement_export_csv, name="statement_export_csv"),
    path("statements/export.jsonl", browser.statement_export_jsonl, name="statement_export_jsonl"),
    path("activities/", browser.activity_list, name="activity_list"),
    path("activities/<int:pk>/", browser.activity_detail, name="activity_detail"),
    # --- end statement browser ---
    path("clients/", clients.client_list, name="client_list"),
    path("clients/new/", clients.client_create, name="client_create"),
    path("clients/<int:pk>/revoke/", clients.client_revoke, name="client_revoke"),
    path("learners/unmatched/", identity.agent_unmatched, name="agent_unmatched"),
    path("learners/<int:pk>/link/", identity.agent_link, name="agent_link"),
    path("projections/recompute/", identity.projections_recompute, name="projections_recompute"),
    path("import/", lms_import.lms_import_start, name="lms_import_start"),
    path("import/<int:pk>/", lms_import.lms_import_detail, name="lms_import_detail"),
    path("import/<int:pk>/mapping/", lms_import.lms_import_mapping, name="lms_import_mapping"),
    path("import/<int:pk>/apply/", lms_import.lms_import_apply, name="lms_import_apply"),
]
