"""/delivery/ URLs of part "attendance": the facilitator's home, attendance taking, sign-in
sheets, certificates and a cohort's papers."""

from __future__ import annotations

from django.urls import URLPattern, path

from pilotage.delivery import views_attendance as views

urlpatterns: list[URLPattern] = [
    path("facilitate/", views.facilitator_home, name="facilitator_home"),
    path("sessions/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("sessions/<int:pk>/attendance/<int:enrolment_pk>/", views.attendance_mark, name="attendance_mark"),
    path("sessions/<int:pk>/sign-in-sheet.pdf", views.sign_in_sheet, name="sign_in_sheet"),
    path("enrolments/<int:pk>/certificate.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("cohorts/<int:pk>/papers/", views.cohort_papers, name="cohort_papers"),
]
