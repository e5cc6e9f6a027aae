"""URLs of the strategy area: requests (included by strategy/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
