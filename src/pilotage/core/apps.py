from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "pilotage.core"
    label = "core"
    verbose_name = "Core"
