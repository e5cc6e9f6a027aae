from django.apps import AppConfig


class LrsConfig(AppConfig):
    name = "pilotage.lrs"
    label = "lrs"
    verbose_name = "Learning Record Store"

    def ready(self) -> None:
        # The LRS's own projections (progress, daily rollups) run before any other app's.
        from pilotage.lrs import progress

        progress.register()
