from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "pilotage.surveys"
    label = "surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        from pilotage.surveys import nav_answers, nav_builder, nav_dashboard

        nav_builder.register()
        nav_answers.register()
        nav_dashboard.register()
