"""The web's one error boundary: every exception becomes a French answer with the right status.

API paths (``/api/...``) and clients asking for ``application/json`` get ``{"detail": ...}``;
browsers get a page rendered with the site's template. No answer ever carries a Python trace:
an unexpected error is logged with its traceback under a short reference, and the answer only
gives that reference.

    NotFound                                   404 Page introuvable
    ImportRejected                             422 Données refusées (+ every bad cell)
    CrawlAlreadyRunning                        409 Conflit
    ConfigError, RunAborted                    503 Service indisponible
    other TrackerError                         400 Requête invalide
    HTTPException                              its own status (401 on a page: the sign-in page)
    RequestValidationError                     422 Données refusées (+ every bad field)
    OperationalError: lock, timeout, lost link 503 La base de données est occupée, réessayez.
    OperationalError, anything else            500 Erreur interne (référence XXXXXXXX)
    IntegrityError (e.g. refused at COMMIT)    409 Conflit : rien n'a été enregistré
    DataError (NUL, number or text too large)  422 Données refusées : rien n'a été enregistré
    anything else                              500 Erreur interne (référence XXXXXXXX)
"""

from __future__ import annotations

import html
import logging
import secrets
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import ConfigError, CrawlAlreadyRunning, ImportRejected, NotFound, RunAborted, TrackerError

logger = logging.getLogger("rgaa_tracker.web")

TITLES = {400: "Requête invalide", 401: "Connexion requise", 403: "Accès refusé", 404: "Page introuvable",
          405: "Méthode non autorisée", 409: "Conflit", 413: "Fichier trop volumineux", 422: "Données refusées",
          429: "Trop de tentatives", 500: "Erreur interne", 503: "Service indisponible"}
MESSAGES = {400: "Requête invalide.", 401: "Connexion requise.", 403: "Accès refusé.",
            404: "Rien à cette adresse : vérifiez le lien ou revenez à l'accueil.", 405: "Méthode non autorisée pour cette adresse.",
            409: "Conflit avec l'état des données : réessayez.", 413: "Fichier trop volumineux.", 422: "Données invalides.",
            429: "Trop de tentatives : réessayez plus tard.", 500: "Erreur interne.", 503: "Service momentanément indisponible : réessayez."}
DATABASE_BUSY = "La base de données est occupée, réessayez."
DATA_REFUSED = ("Valeur refusée par la base de données (caractère nul, nombre ou texte trop grand) : "
                "rien n'a été enregistré.")
CONFLICT = "Conflit avec des données enregistrées entre-temps : rien n'a été enregistré, réessayez."

# Pydantic's error types, in words a ministry lead reads.
REASONS = {"missing": "valeur obligatoire", "int_parsing": "nombre entier attendu", "int_type": "nombre entier attendu",
           "float_parsing": "nombre attendu", "float_type": "nombre attendu", "bool_parsing": "valeur attendue : true ou false",
           "date_parsing": "date attendue au format AAAA-MM-JJ", "date_from_datetime_parsing": "date attendue au format AAAA-MM-JJ",
           "date_from_datetime_inexact": "date attendue au format AAAA-MM-JJ", "date_type": "date attendue au format AAAA-MM-JJ",
           "datetime_parsing": "date et heure attendues (AAAA-MM-JJTHH:MM:SS)", "string_type": "texte attendu",
           "string_too_long": "texte trop long", "string_too_short": "texte trop court", "upload_file_type": "fichier attendu",
           "value_error": "valeur invalide", "literal_error": "valeur non autorisée", "enum": "valeur non autorisée",
           "greater_than_equal": "valeur trop petite", "less_than_equal": "valeur trop grande",
           "json_invalid": "JSON illisible", "model_attributes_type": "objet attendu", "dict_type": "objet attendu"}
LOCATIONS = {"path": "chemin", "query": "paramètre", "body": "corps", "header": "en-tête", "cookie": "cookie"}


def reference() -> str:
    """A short id shown to the user and written in the log with the traceback."""
    return secrets.token_hex(4).upper()


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def answer(request: Request, status: int, message: str, *, errors: list[dict] | None = None, ref: str | None = None,
           headers: dict[str, str] | None = None, title: str | None = None) -> Response:
    """The error as JSON or as a page, whichever the client reads."""
    if wants_json(request):
        body: dict[str, Any] = {"detail": message}
        if errors is not None:
            body["errors"] = errors
        if ref:
            body["reference"] = ref
        return JSONResponse(body, status_code=status, headers=headers)
    return error_page(request, status, message, errors=errors, headers=headers, title=title, look_up_user=status < 500)


def error_page(request: Request, status: int, message: str, *, errors: list[dict] | None = None, headers: dict[str, str] | None = None,
               title: str | None = None, look_up_user: bool = True) -> HTMLResponse:
    """The site's error page; if even that cannot be rendered (templates or database broken), a
    bare page that still names the error in French."""
    from .common import render  # common imports nothing from here; late import keeps it that way

    title = title or TITLES.get(status, "Erreur")
    context = {"status": status, "title": title, "message": message, "errors": errors}
    if not look_up_user:
        context["user"] = None  # a 5xx may come from the database: do not ask it who is signed in
    try:
        response = render(request, "error.html.j2", context, status_code=status)
    except Exception:  # noqa: BLE001
        logger.exception("error page %s could not be rendered", status)
        response = HTMLResponse(
            f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{html.escape(title)} — Suivi de l\'accessibilité des démarches</title>'
            f'</head><body><main><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p><p>Code d\'erreur : {status}.</p>'
            f'<p><a href="/">Retour à l\'accueil</a></p></main></body></html>', status_code=status)
    if headers:
        response.headers.update(headers)
    return response


def internal_error(request: Request, error: BaseException) -> Response:
    ref = reference()
    logger.error("unexpected error, reference %s, on %s %s", ref, request.method, request.url.path, exc_info=error)
    return answer(request, 500, f"Erreur interne : l'incident est journalisé (référence {ref}).", ref=ref)


def status_of(error: TrackerError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, ImportRejected):
        return 422
    if isinstance(error, CrawlAlreadyRunning):
        return 409
    if isinstance(error, (ConfigError, RunAborted)):
        return 503  # the service, not the request, is at fault; the message says what to fix
    return 400


def rejected_summary(error: ImportRejected) -> str:
    return f"Le fichier « {error.filename} » est refusé ({len(error.errors)} erreur(s)) ; rien n'a été enregistré."


def rejected_rows(error: ImportRejected) -> list[dict]:
    return [{"row": e.row, "column": e.column, "value": e.value, "reason": e.reason} for e in error.errors]


def on_tracker_error(request: Request, error: TrackerError) -> Response:
    status = status_of(error)
    if status >= 500:
        logger.warning("%s on %s %s: %s", type(error).__name__, request.method, request.url.path, error)
    if isinstance(error, ImportRejected):
        return answer(request, status, rejected_summary(error), errors=rejected_rows(error))
    return answer(request, status, str(error))


def on_http_error(request: Request, error: HTTPException) -> Response:
    status = error.status_code
    default = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else None
    detail = error.detail if isinstance(error.detail, str) and error.detail and error.detail != default else None
    if status == 401 and not wants_json(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/connexion?suite={quote(target, safe='/')}", status_code=303)
    return answer(request, status, detail or MESSAGES.get(status, "Erreur."), headers=getattr(error, "headers", None))


def field_errors(error: RequestValidationError) -> list[dict]:
    rows = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ())]
        where = LOCATIONS.get(location[0], location[0]) if location else ""
        field = ".".join(location[1:]) or where
        reason = REASONS.get(item.get("type", ""), "valeur invalide")
        if "UploadFile" in str(item.get("msg", "")):  # a text field sent where a file is expected
            reason = REASONS["upload_file_type"]
        row = {"location": where, "field": field, "reason": reason}
        value = item.get("input")
        if item.get("type") != "missing" and isinstance(value, (str, int, float, bool)):
            row["value"] = str(value)[:200]
        rows.append(row)
    return rows


def on_invalid_request(request: Request, error: RequestValidationError) -> Response:
    rows = field_errors(error)
    names = ", ".join(f"« {row['field']} » ({row['reason']})" for row in rows)
    return answer(request, 422, f"Paramètres invalides : {names}." if names else "Paramètres invalides.", errors=rows)


BUSY_SQLSTATES = {"55P03", "40001", "40P01", "57014"}  # lock timeout, serialization failure, deadlock, statement timeout


def database_busy(error: OperationalError) -> bool:
    """A lock or a lost connection: the request may succeed if tried again."""
    orig = error.orig
    if error.connection_invalidated or getattr(orig, "sqlstate", None) in BUSY_SQLSTATES:
        return True
    return getattr(orig, "sqlite_errorname", "") in ("SQLITE_BUSY", "SQLITE_LOCKED") or "database is locked" in str(orig)


def on_database_error(request: Request, error: OperationalError) -> Response:
    if not database_busy(error):  # a missing table, a full disk…: ours to fix, not the user's to retry
        return internal_error(request, error)
    ref = reference()
    logger.warning("database busy, reference %s, on %s %s: %s", ref, request.method, request.url.path, error.orig)
    return answer(request, 503, f"{DATABASE_BUSY} (référence {ref})", ref=ref, headers={"Retry-After": "5"})


def on_conflict(request: Request, error: IntegrityError) -> Response:
    ref = reference()
    logger.warning("integrity error, reference %s, on %s %s", ref, request.method, request.url.path, exc_info=error)
    return answer(request, 409, f"{CONFLICT} (référence {ref})", ref=ref)


def on_data_error(request: Request, error: DataError) -> Response:
    """A value the database cannot hold came from the request: the client's to fix, not a 500."""
    logger.info("data refused by the database on %s %s: %s", request.method, request.url.path, error.orig)
    return answer(request, 422, DATA_REFUSED)


class ErrorBoundary:
    """Last line: an exception no handler knows becomes the French 500 answer, with its reference
    in the log, and is not re-raised to the server (which would log a second traceback).

    Installed inside the security headers middleware, so its answers carry the headers too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            request = Request(scope)
            if started:  # part of an answer is out: nothing better than letting the server cut it
                logger.error("unexpected error after the answer started, on %s %s", request.method, request.url.path, exc_info=error)
                raise
            response = internal_error(request, error)
            await response(scope, receive, send)


def install(app: FastAPI) -> None:
    """Register the boundary on ``app``; call before adding the security headers middleware."""
    app.add_middleware(ErrorBoundary)
    app.add_exception_handler(TrackerError, on_tracker_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_exception_handler(OperationalError, on_database_error)
    app.add_exception_handler(IntegrityError, on_conflict)
    app.add_exception_handler(DataError, on_data_error)
