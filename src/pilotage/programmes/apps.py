from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "pilotage.programmes"
    label = "programmes"
    verbose_name = "Programmes"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _  # noqa: F401

        from pilotage.core import navigation  # noqa: F401
        from pilotage.programmes import permissions  # noqa: F401

        navigation.register_group("portfolio", _("Programmes"), order=30)

        # --- navigation: programmes, skills, roadmap and annual plan (views_programmes.py, views_plan.py) ---
        navigation.register(
            "programmes",
            _("Programmes"),
            "programmes:programme_list",
            order=30,
            visible=permissions.can_see_programmes,
            group="portfolio",
        )
        navigation.register(
            "roadmap",
            _("Roadmap"),
            "programmes:roadmap",
            order=31,
            visible=permissions.can_see_programmes,
            group="portfolio",
        )
        navigation.register(
            "annual_plan",
            _("Annual plan"),
            "programmes:annual_plan",
            order=32,
            visible=permissions.can_export_plan,
            group="portfolio",
        )
        navigation.register(
            "skills",
            _("Skills"),
            "programmes:skill_framework",
            order=33,
            visible=permissions.can_manage_framework,
            group="portfolio",
        )
        # --- end navigation: programmes, skills, roadmap and annual plan ---

        # --- navigation: modality recommender (views_recommender.py) ---
        navigation.register(
            "recommender_rules",
            _("Modality rules"),
            "programmes:ruleset_list",
            order=34,
            visible=permissions.can_design,
            group="portfolio",
        )
        # --- end navigation: modality recommender ---
