"""/surveys/ URLs of part "builder": surveys and templates, questions, dispatch rules."""

from __future__ import annotations

from django.urls import path

from pilotage.surveys import views_builder as views

urlpatterns: list = [
    path("", views.survey_list, name="survey_list"),
    path("new/", views.survey_create, name="survey_create"),
    path("<int:pk>/", views.survey_detail, name="survey_detail"),
    path("<int:pk>/edit/", views.survey_edit, name="survey_edit"),
    path("<int:pk>/publish/", views.survey_publish, name="survey_publish"),
    path("<int:pk>/archive/", views.survey_archive, name="survey_archive"),
    path("<int:pk>/copy/", views.survey_copy, name="survey_copy"),
    path("<int:pk>/preview/", views.survey_preview, name="survey_preview"),
    path("<int:pk>/questions/new/", views.question_create, name="question_create"),
    path("questions/<int:pk>/edit/", views.question_edit, name="question_edit"),
    path("questions/<int:pk>/delete/", views.question_delete, name="question_delete"),
    path("questions/<int:pk>/move/<str:direction>/", views.question_move, name="question_move"),
    path("programmes/<int:programme_pk>/", views.programme_surveys, name="programme_surveys"),
    path("programmes/<int:programme_pk>/rules/new/", views.rule_create, name="rule_create"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
]
