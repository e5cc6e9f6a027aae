"""URLs of the programmes area: learning paths and their steps (included by programmes/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from pilotage.programmes import views_paths as v

urlpatterns: list[URLPattern] = [
    path("<int:programme_pk>/paths/new/", v.path_create, name="path_create"),
    path("paths/<int:pk>/", v.path_detail, name="path_detail"),
    path("paths/<int:pk>/edit/", v.path_edit, name="path_edit"),
    path("paths/<int:pk>/delete/", v.path_delete, name="path_delete"),
    path("paths/<int:pk>/preview/", v.path_preview, name="path_preview"),
    path("paths/<int:pk>/reorder/", v.path_reorder, name="path_reorder"),
    path("paths/<int:path_pk>/steps/new/", v.step_create, name="step_create"),
    path("steps/<int:pk>/edit/", v.step_edit, name="step_edit"),
    path("steps/<int:pk>/delete/", v.step_delete, name="step_delete"),
    path("steps/<int:pk>/move/<str:direction>/", v.step_move, name="step_move"),
]
