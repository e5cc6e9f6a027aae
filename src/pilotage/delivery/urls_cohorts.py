"""/delivery/ URLs of part "cohorts": cohorts, sessions, enrolments, delivery settings."""

from __future__ import annotations

from django.urls import URLPattern, path

from pilotage.delivery import views_cohorts as c
from pilotage.delivery import views_enrolments as e

urlpatterns: list[URLPattern] = [
    path("cohorts/", c.cohort_list, name="cohort_list"),
    path("cohorts/new/", c.cohort_create, name="cohort_create"),
    path("cohorts/<int:pk>/", c.cohort_detail, name="cohort_detail"),
    path("cohorts/<int:pk>/edit/", c.cohort_edit, name="cohort_edit"),
    path("cohorts/<int:pk>/sessions/new/", c.session_create, name="session_create"),
    path("cohorts/<int:pk>/enrol/", e.enrol_one, name="enrol_one"),
    path("cohorts/<int:pk>/enrol/audience/", e.enrol_bulk, name="enrol_bulk"),
    path("sessions/<int:pk>/", c.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", c.session_edit, name="session_edit"),
    path("sessions/<int:pk>/cancel/", c.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/restore/", c.session_restore, name="session_restore"),
    path("sessions/<int:pk>/hold/", c.session_hold, name="session_hold"),
    path("sessions/<int:pk>/calendar.ics", c.session_ics, name="session_ics"),
    path("enrolments/<int:pk>/", e.enrolment_detail, name="enrolment_detail"),
    path("enrolments/<int:pk>/unenrol/", e.enrolment_unenrol, name="enrolment_unenrol"),
    path("enrolments/<int:pk>/decide/", e.enrolment_decide, name="enrolment_decide"),
    path("enrolments/<int:pk>/transfer/", e.enrolment_transfer, name="enrolment_transfer"),
    path("enrolments/<int:pk>/due/", e.enrolment_due, name="enrolment_due"),
    path("programmes/<int:programme_pk>/settings/", c.programme_settings, name="programme_settings"),
]
