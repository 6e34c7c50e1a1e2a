"""The web UI and JSON API (FastAPI), on the same database and modules as the CLI."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

import anyio
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from .. import db
from ..settings import Settings, get_settings
from . import api, errors, pages
from .common import LoginLimiter
from .limits import RequestLimits

def secret_key(settings: Settings) -> str:
    """The configured key, or one generated once and kept in ``settings.secret_file`` (mode 600)."""
    if settings.web.secret_key:
        return settings.web.secret_key
    secret_file = settings.secret_file
    if not secret_file.exists():
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        secret_file.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        secret_file.chmod(0o600)
    return secret_file.read_text(encoding="utf-8").strip()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.engine.dispose()  # close pooled connections at shutdown


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="rgaa-tracker", description="Suivi de l'accessibilité des démarches en ligne de l'État (API JSON).",
                  version="0.1.0", docs_url="/api/docs", redoc_url=None, openapi_url="/openapi.json", lifespan=lifespan)
    app.state.settings = settings
    # The schema is brought to the Alembic head once, here, not on every request.
    app.state.engine = db.ensure_schema(db.engine_for(settings.database_url))
    app.state.login_limiter = LoginLimiter()  # per app: counts failed sign-ins of this process
    errors.install(app)  # before the session middleware, so that the error boundary sits inside it
    app.add_middleware(SessionMiddleware, secret_key=secret_key(settings), session_cookie="rgaa_session",
                       max_age=settings.web.session_hours * 3600, same_site="strict", https_only=settings.web.cookie_secure)
    # Outermost: an oversized or malformed request is refused before sign-in, sessions or spooling.
    app.add_middleware(RequestLimits, limits=settings.limits)
    app.state.import_limiter = anyio.CapacityLimiter(settings.limits.max_concurrent_imports)
    app.mount("/static", StaticFiles(directory=str(resources.files("rgaa_tracker") / "static")), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    return app
