"""URLs of the strategy area: objectives (included by strategy/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from pilotage.strategy import views_objectives as views

urlpatterns: list[URLPattern] = [
    path("objectives/", views.objective_list, name="objective_list"),
    path("objectives/new/", views.objective_create, name="objective_create"),
    path("objectives/<int:pk>/", views.objective_detail, name="objective_detail"),
    path("objectives/<int:pk>/edit/", views.objective_edit, name="objective_edit"),
]
