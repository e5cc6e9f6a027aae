from django.apps import AppConfig


class StrategyConfig(AppConfig):
    name = "pilotage.strategy"
    label = "strategy"
    verbose_name = "Strategy"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _  # noqa: F401

        from pilotage.core import navigation  # noqa: F401
        from pilotage.strategy import permissions  # noqa: F401

        # One menu entry for the demand side: requests, objectives, campaigns, backlog, criteria.
        navigation.register_group("demand", _("Demand"), order=20)

        # --- navigation: objectives and requests (views_objectives.py, views_requests.py) ---
        navigation.register(
            "requests",
            _("Requests"),
            "strategy:request_list",
            order=20,
            visible=permissions.can_see_requests,
            group="demand",
        )
        navigation.register(
            "objectives",
            _("Objectives"),
            "strategy:objective_list",
            order=21,
            visible=permissions.can_read_objectives,
            group="demand",
        )
        # --- end navigation: objectives and requests ---

        # --- navigation: needs campaigns and prioritisation (views_campaigns.py, views_priorities.py) ---
        navigation.register(
            "campaigns",
            _("Needs campaigns"),
            "strategy:campaign_list",
            order=23,
            visible=permissions.can_see_campaigns,
            group="demand",
        )
        navigation.register(
            "backlog", _("Backlog"), "programmes:backlog", order=24, visible=permissions.can_prioritise, group="demand"
        )
        navigation.register(
            "criteria",
            _("Prioritisation criteria"),
            "strategy:criteria",
            order=25,
            visible=permissions.can_configure_criteria,
            group="demand",
        )
        # --- end navigation: needs campaigns and prioritisation ---
