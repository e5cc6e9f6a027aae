"""Shell views: login (throttled), the job progress fragment, the account page and its tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pilotage.core import tokens
from pilotage.core.errors import ValidationFailed
from pilotage.core.forms import ApiTokenForm
from pilotage.core.models import Job
from pilotage.core.throttle import clear_failures, client_address, is_throttled, record_failure
from pilotage.core.web import Request, add_service_errors


class LoginView(auth_views.LoginView):
    """Django's login view, refusing attempts once an account or address is throttled."""

    redirect_authenticated_user = True

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if "data" in kwargs:
            # E-mail addresses are stored in lower case: "Claire.Martin@…" is the same login.
            data = kwargs["data"].copy()
            data["username"] = data.get("username", "").strip().lower()
            kwargs["data"] = data
        return kwargs

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        address = client_address(request)
        if is_throttled(username, address):
            # Bound without the password, so that the form does not check it: a throttled
            # attempt costs no password hash and tells nothing.
            data = request.POST.copy()
            data["password"] = ""
            form = self.get_form_class()(request, data=data)
            form.errors.clear()
            form.add_error(None, _("Too many failed attempts. Please wait a few minutes and try again."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            clear_failures(username, address)
            # First visit from this browser: speak the user's own language.
            language = getattr(request.user, "language", "")
            if language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    language,
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                    httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                )
        else:
            record_failure(username, address)
        return response


@login_required
def job_progress(request: Request, pk: int) -> HttpResponse:
    """The progress of a job started by this user (or any job, for superusers)."""
    job = get_object_or_404(Job, pk=pk)
    if job.created_by_id != request.user.pk and not request.user.is_superuser:
        raise Http404
    next_url = (job.result or {}).get("url", "")
    if job.status == Job.Status.FAILED and not request.htmx:
        messages.error(request, job.message)
    return render(
        request,
        "core/job_detail.html" if not request.htmx else "core/components/job_progress.html",
        {"job": job, "next_url": next_url},
    )


def _account_context(request: Request, form: ApiTokenForm | None = None, **extra: Any) -> dict[str, Any]:
    rows = list(tokens.api_token_list(user=request.user))
    for token in rows:
        token.status = tokens.api_token_status(token)  # type: ignore[attr-defined]
    return {"tokens": rows, "form": form or ApiTokenForm(), **extra}


def _render_account(request: Request, context: dict[str, Any], status: int = 200) -> HttpResponse:
    template = "core/account.html#tokens" if request.htmx else "core/account.html"
    return render(request, template, context, status=status)


@login_required
@require_GET
def account(request: Request) -> HttpResponse:
    """The user's own page: identity and personal access tokens."""
    return _render_account(request, _account_context(request))


@login_required
@require_POST
def api_token_create(request: Request) -> HttpResponse:
    """Create a token and show its key once; the key is never stored nor shown again."""
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = tokens.api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_in_days=form.expires_in_days(),
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            # Rendered, not redirected: a redirect would have to keep the clear key somewhere.
            response = _render_account(request, _account_context(request, new_token=token, new_key=key))
            response["Cache-Control"] = "no-store"
            return response
    return _render_account(request, _account_context(request, form=form))


@login_required
@require_http_methods(["GET", "POST"])
def api_token_revoke(request: Request, pk: int) -> HttpResponse:
    """GET: ask for confirmation (the no-JavaScript path); POST: revoke. Others' tokens: 404."""
    if request.method == "POST":
        token = tokens.api_token_revoke(user=request.user, token_id=pk)
        if request.htmx:
            return _render_account(request, _account_context(request, revoked=token))
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
        return redirect("account")
    token = get_object_or_404(tokens.api_token_list(user=request.user), pk=pk)
    if token.revoked_at is not None:
        return redirect("account")
    return render(request, "core/api_token_revoke.html", {"token": token})
