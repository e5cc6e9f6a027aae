"""URLs of the programmes area: recommender (included by programmes/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from pilotage.programmes import views_recommender as views

urlpatterns: list[URLPattern] = [
    path("<int:pk>/recommend/", views.programme_recommend, name="programme_recommend"),
    path("recommendations/<int:pk>/choose/", views.recommendation_choose, name="recommendation_choose"),
    path("modalities/", views.modality_list, name="modality_list"),
    path("modalities/new/", views.modality_create, name="modality_create"),
    path("modalities/<int:pk>/", views.modality_edit, name="modality_edit"),
    path("rules/", views.ruleset_list, name="ruleset_list"),
    path("rules/draft/", views.ruleset_draft, name="ruleset_draft"),
    path("rules/<int:pk>/", views.ruleset_detail, name="ruleset_detail"),
    path("rules/<int:pk>/new/", views.rule_create, name="rule_create"),
    path("rules/<int:pk>/publish/", views.ruleset_publish, name="ruleset_publish"),
    path("rules/<int:pk>/preview/", views.ruleset_preview, name="ruleset_preview"),
    path("rules/rule/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/rule/<int:pk>/move/", views.rule_move, name="rule_move"),
]
