from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "pilotage.surveys"
    label = "surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        from pilotage.core import schedule
        from pilotage.delivery import portal
        from pilotage.surveys import dispatch, nav_answers, nav_builder, nav_dashboard
        from pilotage.surveys.views_answers import pending_evaluations_panel

        nav_builder.register()
        nav_answers.register()
        nav_dashboard.register()
        # Invitations and reminders (surveys/dispatch.py), idempotent: see decision 0037.
        schedule.register("surveys.dispatch", dispatch.run_scheduled, every_minutes=15)
        # "Evaluations to answer" on the learner portal's home.
        portal.register_panel("surveys.pending", pending_evaluations_panel, order=40)
