"""URLs of the strategy area: needs campaigns (included by strategy/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from pilotage.strategy import views_campaigns as views

urlpatterns: list[URLPattern] = [
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/transition/", views.campaign_transition, name="campaign_transition"),
    path("campaigns/<int:pk>/needs/new/", views.need_create, name="need_create"),
    path("campaigns/<int:pk>/arbitrate/", views.campaign_arbitrate, name="campaign_arbitrate"),
    path("campaigns/<int:pk>/export.xlsx", views.campaign_export, name="campaign_export"),
    path("needs/<int:pk>/edit/", views.need_edit, name="need_edit"),
    path("needs/<int:pk>/decide/", views.need_decide, name="need_decide"),
]
