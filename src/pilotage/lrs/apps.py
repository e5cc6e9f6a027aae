from django.apps import AppConfig


class LrsConfig(AppConfig):
    name = "pilotage.lrs"
    label = "lrs"
    verbose_name = "Learning Record Store"
