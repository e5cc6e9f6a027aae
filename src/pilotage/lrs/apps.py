from django.apps import AppConfig


class LrsConfig(AppConfig):
    name = "pilotage.lrs"
    label = "lrs"
    verbose_name = "Learning Record Store"

    def ready(self) -> None:
        # The LRS's own projections (progress, daily rollups) run before any other app's.
        from pilotage.lrs import progress

        progress.register()

        # --- navigation: LRS clients and learner identity (views/clients.py, views/identity.py) ---
        from django.utils.translation import gettext_lazy as _

        from pilotage.core import navigation
        from pilotage.lrs.selectors import can_browse

        # The statement browser (views/browser.py); clients and unmatched learners are tabs of it.
        navigation.register("lrs", _("Learning records"), "lrs:statement_list", order=30, visible=can_browse)
        # --- end navigation ---
