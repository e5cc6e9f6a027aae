"""/programmes/: programmes and the skills framework, roadmap and annual plan, the modality
recommender, learning paths."""

from __future__ import annotations

from pilotage.programmes import urls_backlog, urls_paths, urls_plan, urls_programmes, urls_recommender

app_name = "programmes"

urlpatterns = [
    *urls_programmes.urlpatterns,
    *urls_plan.urlpatterns,
    *urls_recommender.urlpatterns,
    *urls_paths.urlpatterns,
    *urls_backlog.urlpatterns,
]
