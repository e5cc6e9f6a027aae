"""URLs of the programmes area: programmes and the skills framework (included by programmes/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from pilotage.programmes import views_programmes as views
from pilotage.programmes import views_skills

urlpatterns: list[URLPattern] = [
    path("", views.programme_list, name="programme_list"),
    path("new/", views.programme_create, name="programme_create"),
    path("headcount/", views.programme_headcount, name="programme_headcount"),
    path("from-request/<int:request_pk>/", views.from_request, name="from_request"),
    path("<int:pk>/", views.programme_detail, name="programme_detail"),
    path("<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("<int:pk>/transition/", views.programme_transition, name="programme_transition"),
    path("skills/", views_skills.skill_framework, name="skill_framework"),
    path("skills/domains/new/", views_skills.domain_create, name="domain_create"),
    path("skills/domains/<int:pk>/", views_skills.domain_edit, name="domain_edit"),
    path("skills/domains/<int:pk>/delete/", views_skills.domain_delete, name="domain_delete"),
    path("skills/new/", views_skills.skill_create, name="skill_create"),
    path("skills/<int:pk>/", views_skills.skill_edit, name="skill_edit"),
    path("skills/<int:pk>/delete/", views_skills.skill_delete, name="skill_delete"),
    path("skills/levels/new/", views_skills.level_create, name="level_create"),
    path("skills/levels/<int:pk>/", views_skills.level_edit, name="level_edit"),
    path("skills/levels/<int:pk>/delete/", views_skills.level_delete, name="level_delete"),
]
