"""/delivery/ URLs of part "progress"."""

from __future__ import annotations

from django.urls import URLPattern, path

from pilotage.delivery import views_progress as v

urlpatterns: list[URLPattern] = [
    path("cohorts/<int:pk>/board/", v.cohort_board, name="cohort_board"),
    path("at-risk/", v.at_risk, name="at_risk"),
    path("team/", v.team, name="team"),
    path("enrolments/<int:pk>/progress/", v.enrolment_progress, name="enrolment_progress"),
    path("programmes/<int:programme_pk>/reminders/", v.reminder_rules, name="reminder_rules"),
    path("reminders/<int:pk>/edit/", v.reminder_rule_edit, name="reminder_rule_edit"),
    path("reminders/<int:pk>/delete/", v.reminder_rule_delete, name="reminder_rule_delete"),
]
