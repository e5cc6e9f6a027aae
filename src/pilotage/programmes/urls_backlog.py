"""URLs of the programmes area: the ranked backlog and programme scores (included by programmes/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from pilotage.programmes import views_backlog as views

urlpatterns: list[URLPattern] = [
    path("backlog/", views.backlog_view, name="backlog"),
    path("<int:pk>/scores/", views.programme_scores, name="programme_scores"),
]
