"""URLs of the programmes area: paths (included by programmes/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
