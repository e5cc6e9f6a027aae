from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "pilotage.delivery"
    label = "delivery"
    verbose_name = "Delivery"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from pilotage.core import navigation
        from pilotage.delivery import nav_attendance, nav_cohorts, nav_portal, nav_progress

        navigation.register_group("delivery", _("Delivery"), order=40)
        nav_cohorts.register()
        nav_attendance.register()
        nav_progress.register()
        nav_portal.register()
        # The LRS projection (delivery.progress) is registered by the progress part:
        # Periodic reminders (core.schedule), by the progress part:
        from pilotage.delivery import (
            progress,  # noqa: F401
            reminders,
        )

        reminders.register()
        from pilotage.delivery import sessions_held

        sessions_held.register()
