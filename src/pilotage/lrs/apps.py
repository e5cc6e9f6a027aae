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
        from pilotage.people import permissions

        navigation.register(
            "lrs", _("Learning records"), "lrs:client_list", order=30, visible=permissions.is_staff_member
        )
        # --- end navigation ---
