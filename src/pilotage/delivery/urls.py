"""/delivery/: cohorts, sessions, enrolments (cohorts); attendance, sign-in sheets and
certificates (attendance); progress boards, the team view and reminders (progress)."""

from __future__ import annotations

from pilotage.delivery import urls_attendance, urls_cohorts, urls_progress

app_name = "delivery"

urlpatterns = [
    *urls_cohorts.urlpatterns,
    *urls_attendance.urlpatterns,
    *urls_progress.urlpatterns,
]
