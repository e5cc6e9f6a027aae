"""/dashboards/: the programme dashboard (namespace "dashboards")."""

from __future__ import annotations

from django.urls import path

from pilotage.surveys import views_dashboard as views

app_name = "dashboards"

urlpatterns = [
    path("", views.dashboard_index, name="index"),
    path("programmes/<int:pk>/", views.programme_dashboard, name="programme"),
    path("programmes/<int:pk>/learners/", views.programme_learners, name="programme_learners"),
]
