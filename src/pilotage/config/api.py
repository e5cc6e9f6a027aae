"""The REST API, mounted once at /api/v1/. Imported lazily from the URLconf (ninja needs settings).

Each app contributes a router from its own ``api.py``.
"""

from __future__ import annotations

from ninja import NinjaAPI, Swagger

from pilotage.core.api import install_error_handlers, token_or_session_auth, tokens_router

api = NinjaAPI(
    title="Pilotage API",
    version="1",
    urls_namespace="api",
    auth=token_or_session_auth(),
    docs_url="/docs",
    # Swagger UI from django-ninja's own static files ("ninja" is in INSTALLED_APPS): no CDN,
    # nothing inline, so the strict CSP holds.
    docs=Swagger(settings={"persistAuthorization": False}),
    description=(
        "The Pilotage REST API. Authenticate with a personal access token created on your "
        "account page (`Authorization: Bearer plt_...` or `X-API-Token: plt_...`); read-only "
        "tokens are refused on POST/PUT/PATCH/DELETE. In the browser, the session works too, "
        "with the CSRF token on unsafe methods.\n\n"
        "Every list answers `{count, limit, offset, items}`; errors answer "
        "`{detail, errors: [{field, message}]}` (400 rule broken, 401 not authenticated, "
        "403 role not allowed or read-only token, 404 absent or outside your scope, "
        "422 malformed parameter).\n\n"
        "People, org units, sites and job roles are read-only here: the HRIS import is their "
        "write path. See docs/api.md."
    ),
)
install_error_handlers(api)

from pilotage.delivery.api import router as delivery_router  # noqa: E402
from pilotage.lrs.api import router as lrs_router  # noqa: E402
from pilotage.people.api import router as people_router  # noqa: E402
from pilotage.people.api_audiences import router as audiences_router  # noqa: E402
from pilotage.programmes.api import router as programmes_router  # noqa: E402
from pilotage.strategy.api import router as strategy_router  # noqa: E402
from pilotage.surveys.api import router as surveys_router  # noqa: E402
from pilotage.surveys.api_dashboard import router as dashboard_router  # noqa: E402

api.add_router("/", people_router)
api.add_router("/", tokens_router)
api.add_router("/", audiences_router)
api.add_router("/lrs/", lrs_router)
api.add_router("/strategy/", strategy_router)
api.add_router("/programmes/", programmes_router)
api.add_router("/delivery/", delivery_router)
api.add_router("/surveys/", surveys_router)
api.add_router("/dashboards/", dashboard_router)

# Included from config/urls.py: the "api" namespace lets ninja reverse its docs and schema.
urlpatterns, app_name = api.urls[0], api.urls_namespace
