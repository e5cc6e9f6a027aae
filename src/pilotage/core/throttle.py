"""Login throttling: after N failures for an account (or from an address) in a window,
further attempts are refused until the window passes."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from pilotage.core.models import LoginFailure


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def _since() -> object:
    return timezone.now() - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)


def is_throttled(username: str, address: str) -> bool:
    username = username.strip().lower()
    limit = settings.LOGIN_THROTTLE_FAILURES
    recent = LoginFailure.objects.filter(at__gte=_since())
    by_user = recent.filter(username=username).count() if username else 0
    by_address = recent.filter(address=address).count() if address else 0
    # An address gets a wider allowance: several people may share one (a corporate proxy).
    return by_user >= limit or by_address >= limit * 4


def record_failure(username: str, address: str) -> None:
    LoginFailure.objects.create(username=username.strip().lower()[:254], address=address)
    LoginFailure.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()


def clear_failures(username: str, address: str) -> None:
    LoginFailure.objects.filter(Q(username=username.strip().lower()) | Q(address=address, username="")).delete()
