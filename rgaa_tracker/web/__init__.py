"""The web UI and JSON API (FastAPI), on the same database and modules as the CLI."""

from __future__ import annotations

import secrets
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from ..settings import Settings, get_settings
from . import api, pages
from .common import LoginLimiter, render

SECRET_FILE = Path("rgaa-tracker.secret")
MESSAGES = {400: "Requête invalide.", 401: "Connexion requise.", 403: "Accès refusé.", 404: "Page introuvable.",
            413: "Fichier trop volumineux.", 422: "Données invalides.", 429: "Trop de tentatives : réessayez plus tard."}


def secret_key(settings: Settings) -> str:
    """The configured key, or one generated once and kept beside the database (mode 600)."""
    if settings.web.secret_key:
        return settings.web.secret_key
    if not SECRET_FILE.exists():
        SECRET_FILE.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        SECRET_FILE.chmod(0o600)
    return SECRET_FILE.read_text(encoding="utf-8").strip()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="rgaa-tracker", description="Suivi de l'accessibilité des démarches en ligne de l'État (API JSON).",
                  version="0.1.0", docs_url="/api/docs", redoc_url=None, openapi_url="/openapi.json")
    app.state.settings = settings
    app.state.login_limiter = LoginLimiter()  # per app: counts failed sign-ins of this process
    app.add_middleware(SessionMiddleware, secret_key=secret_key(settings), session_cookie="rgaa_session",
                       max_age=settings.web.session_hours * 3600, same_site="strict", https_only=settings.web.cookie_secure)
    app.mount("/static", StaticFiles(directory=str(resources.files("rgaa_tracker") / "static")), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        message = error.detail if isinstance(error.detail, str) and error.detail not in ("Not Found", "Forbidden") else MESSAGES.get(error.status_code, "Erreur.")
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": message}, status_code=error.status_code, headers=getattr(error, "headers", None))
        if error.status_code == 401:
            from fastapi.responses import RedirectResponse

            return RedirectResponse(f"/connexion?suite={request.url.path}", status_code=303)
        return render(request, "error.html.j2", {"status": error.status_code, "message": message}, status_code=error.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "Paramètres invalides.", "errors": error.errors()}, status_code=422)
        return render(request, "error.html.j2", {"status": 422, "message": MESSAGES[422]}, status_code=422)

    return app
