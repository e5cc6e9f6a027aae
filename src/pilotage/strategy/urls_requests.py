"""URLs of the strategy area: requests (included by strategy/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from pilotage.strategy import views_requests as views

urlpatterns: list[URLPattern] = [
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/edit/", views.request_edit, name="request_edit"),
    path("requests/<int:pk>/transition/", views.request_transition, name="request_transition"),
    path("requests/<int:pk>/comments/", views.request_comment, name="request_comment"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path(
        "requests/<int:pk>/attachments/<int:attachment_pk>/",
        views.request_attachment,
        name="request_attachment",
    ),
]
