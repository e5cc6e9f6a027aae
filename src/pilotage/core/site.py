"""The public address of this Pilotage (``SITE_URL``), for links in e-mails and xAPI IRIs."""

from __future__ import annotations

from django.conf import settings


def site_url(path: str = "") -> str:
    """``SITE_URL`` without its trailing slash, followed by ``path`` (which starts with ``/``)."""
    return str(settings.SITE_URL).rstrip("/") + path
