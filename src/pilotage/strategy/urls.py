"""/strategy/: objectives, training requests and triage, needs campaigns, prioritisation."""

from __future__ import annotations

from pilotage.strategy import urls_campaigns, urls_objectives, urls_priorities, urls_requests

app_name = "strategy"

urlpatterns = [
    *urls_objectives.urlpatterns,
    *urls_requests.urlpatterns,
    *urls_campaigns.urlpatterns,
    *urls_priorities.urlpatterns,
]
