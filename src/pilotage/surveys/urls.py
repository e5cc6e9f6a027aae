"""/surveys/: the builder, templates and dispatch rules (builder); answering and results (answers)."""

from __future__ import annotations

from pilotage.surveys import urls_answers, urls_builder

app_name = "surveys"

urlpatterns = [
    *urls_builder.urlpatterns,
    *urls_answers.urlpatterns,
]
