from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "pilotage.programmes"
    label = "programmes"
    verbose_name = "Programmes"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _  # noqa: F401

        from pilotage.core import navigation  # noqa: F401
        from pilotage.programmes import permissions  # noqa: F401

        # --- navigation: programmes, skills, roadmap and annual plan (views_programmes.py, views_plan.py) ---
        # --- end navigation: programmes, skills, roadmap and annual plan ---

        # --- navigation: modality recommender (views_recommender.py) ---
        navigation.register(
            "recommender_rules",
            _("Modality rules"),
            "programmes:ruleset_list",
            order=34,
            visible=permissions.can_design,
        )
        # --- end navigation: modality recommender ---
