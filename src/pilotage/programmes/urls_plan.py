"""URLs of the programmes area: the roadmap and the annual plan (included by programmes/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from pilotage.programmes import views_plan

urlpatterns: list[URLPattern] = [
    path("roadmap/", views_plan.roadmap, name="roadmap"),
    path("annual-plan/", views_plan.annual_plan, name="annual_plan"),
    path("annual-plan/xlsx/", views_plan.annual_plan_xlsx, name="annual_plan_xlsx"),
    path("annual-plan/pdf/", views_plan.annual_plan_pdf, name="annual_plan_pdf"),
]
