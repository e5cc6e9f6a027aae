"""URLs of the strategy area: prioritisation (included by strategy/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from pilotage.strategy import views_priorities as views

urlpatterns: list[URLPattern] = [
    path("criteria/", views.criteria, name="criteria"),
    path("requests/<int:pk>/scores/", views.request_scores, name="request_scores"),
]
