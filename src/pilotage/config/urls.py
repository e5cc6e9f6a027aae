from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from pilotage.config import views
from pilotage.core import views as core_views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("account/", include("pilotage.core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("people/", include("pilotage.people.urls")),
    path("api/v1/", include("pilotage.config.api")),
    path("xapi/", include("pilotage.lrs.urls")),
    path("lrs/", include("pilotage.lrs.urls_web")),
    path("strategy/", include("pilotage.strategy.urls")),
    path("programmes/", include("pilotage.programmes.urls")),
    path("delivery/", include("pilotage.delivery.urls")),
    path("learn/", include("pilotage.delivery.urls_portal")),
    path("surveys/", include("pilotage.surveys.urls")),
    path("dashboards/", include("pilotage.surveys.urls_dashboard")),
    path("admin/", admin.site.urls),
]
