"""The REST API, mounted once at /api/v1/. Imported lazily from the URLconf (ninja needs settings).

Each app contributes a router from its own ``api.py``.
"""

from __future__ import annotations

from ninja import NinjaAPI

from pilotage.core.api import install_error_handlers, token_or_session_auth

api = NinjaAPI(
    title="Pilotage API",
    version="1",
    urls_namespace="api",
    auth=token_or_session_auth(),
    docs_url="/docs",
)
install_error_handlers(api)

from pilotage.people.api import router as people_router  # noqa: E402

api.add_router("/", people_router)

urlpatterns = [api.urls[0]] if False else api.urls[0]  # noqa: SIM108
