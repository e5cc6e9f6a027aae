"""/surveys/ URLs of part "answers": answering, my evaluations, results."""

from __future__ import annotations

from django.urls import path

from pilotage.surveys import views_answers as views

urlpatterns: list = [
    path("answer/<uuid:token>/", views.answer, name="answer"),
    path("mine/", views.my_invitations, name="my_invitations"),
    path("results/", views.results_index, name="results_index"),
    path("<int:pk>/results/", views.survey_results, name="survey_results"),
]
