from django.apps import AppConfig


class StrategyConfig(AppConfig):
    name = "pilotage.strategy"
    label = "strategy"
    verbose_name = "Strategy"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _  # noqa: F401

        from pilotage.core import navigation  # noqa: F401
        from pilotage.strategy import permissions  # noqa: F401

        # --- navigation: objectives and requests (views_objectives.py, views_requests.py) ---
        navigation.register(
            "requests", _("Requests"), "strategy:request_list", order=20, visible=permissions.can_see_requests
        )
        navigation.register(
            "objectives", _("Objectives"), "strategy:objective_list", order=21, visible=permissions.can_read_objectives
        )
        # --- end navigation: objectives and requests ---

        # --- navigation: needs campaigns and prioritisation (views_campaigns.py, views_priorities.py) ---
        # --- end navigation: needs campaigns and prioritisation ---
        navigation.register(
            "campaigns", _("Needs campaigns"), "strategy:campaign_list", order=23, visible=permissions.can_see_campaigns
        )
        navigation.register("backlog", _("Backlog"), "programmes:backlog", order=24, visible=permissions.can_prioritise)
        navigation.register(
            "criteria", _("Criteria"), "strategy:criteria", order=84, visible=permissions.can_configure_criteria
        )
