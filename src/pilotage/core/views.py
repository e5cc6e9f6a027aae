"""Shell views: login (throttled), the job progress fragment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from pilotage.core.models import Job
from pilotage.core.throttle import clear_failures, client_address, is_throttled, record_failure


class LoginView(auth_views.LoginView):
    """Django's login view, refusing attempts once an account or address is throttled."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        address = client_address(request)
        if is_throttled(username, address):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, _("Too many failed attempts. Please wait a few minutes and try again."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            clear_failures(username, address)
        else:
            record_failure(username, address)
        return response


@login_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
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


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The user's own page: identity and personal access tokens."""
    tokens = request.user.api_tokens.all()  # type: ignore[union-attr]
    return render(request, "core/account.html", {"tokens": tokens})
