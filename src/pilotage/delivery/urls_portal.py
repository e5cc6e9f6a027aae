"""/learn/: the learner portal (namespace "portal")."""

from __future__ import annotations

from django.urls import URLPattern, path

from pilotage.delivery import views_portal as v

app_name = "portal"

urlpatterns: list[URLPattern] = [
    path("", v.my_learning, name="home"),
    path("enrolments/<int:pk>/", v.enrolment_detail, name="enrolment"),
    path("enrolments/<int:pk>/steps/<int:step_pk>/launch/", v.step_launch, name="launch"),
    path("enrolments/<int:pk>/steps/<int:step_pk>/done/", v.step_done, name="step_done"),
    path("enrolments/<int:pk>/withdraw/", v.withdraw, name="withdraw"),
    path("catalogue/", v.catalogue, name="catalogue"),
    path("catalogue/cohorts/<int:pk>/enrol/", v.enrol, name="enrol"),
    path("approvals/", v.approvals, name="approvals"),
    path("approvals/<int:pk>/", v.approval_decide, name="approval_decide"),
    path("sessions/", v.sessions, name="sessions"),
    path("sessions/<int:pk>/calendar.ics", v.session_ics, name="session_ics"),
    path("certificates/", v.certificates, name="certificates"),
    path("certificates/<int:pk>/", v.certificate, name="certificate"),
]
