"""The web UI and JSON API (FastAPI), on the same database and modules as the CLI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

import anyio
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from .. import db
from ..settings import Settings, get_settings
from . import account, admin, api, calendars, declarations, errors, pages
from .headers import SecurityHeaders
from .limits import RequestLimits

# The API documentation page: Swagger UI from our own static files (docs/security.md gives the
# version), started by a script file, so nothing comes from a CDN and the CSP holds.
API_DOCS = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Documentation de l'API — rgaa-tracker</title>
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">
<link rel="stylesheet" href="/static/api-docs.css">
</head>
<body>
<header class="api-docs-entete"><h1>Documentation de l'API de rgaa-tracker</h1>
  <p><a href="/">Retour au tableau de bord</a></p></header>
<div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.engine.dispose()  # close pooled connections at shutdown


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="rgaa-tracker", description="Suivi de l'accessibilité des démarches en ligne de l'État (API JSON).",
                  version="0.1.0", docs_url=None, redoc_url=None, openapi_url="/openapi.json", lifespan=lifespan)
    app.state.settings = settings
    # The schema is brought to the Alembic head once, here, not on every request.
    app.state.engine = db.ensure_schema(db.engine_for(settings.database_url))
    errors.install(app)
    # Sessions are rows of web_session (web/sessions.py), read by the routes' dependencies: no
    # session middleware. Limits refuse an oversized or malformed request before sign-in or
    # spooling; the headers go on last, outermost, so every answer (a 413 too) carries them.
    app.add_middleware(RequestLimits, limits=settings.limits)
    app.add_middleware(SecurityHeaders, hsts=settings.web.cookie_secure)
    app.state.import_limiter = anyio.CapacityLimiter(settings.limits.max_concurrent_imports)
    app.mount("/static", StaticFiles(directory=str(resources.files("rgaa_tracker") / "static")), name="static")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return HTMLResponse(API_DOCS)

    app.include_router(api.router)
    app.include_router(pages.router)
    for module in (admin, account, declarations, calendars):  # what a lead or DINUM does without the CLI
        app.include_router(module.router)
    return app
