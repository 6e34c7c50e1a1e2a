"""What one request may cost: the body limit (checked before sign-in), malformed request lines,
and uploaded files parsed off the event loop, a few at a time.

Parsing runs in a worker thread, not a process: every limit of ``settings.limits`` bounds its
memory already, the database session it writes with is synchronous, and a thread gives the GIL
back to the event loop every few milliseconds, so pages keep answering while a file is checked.
A process would isolate memory we have bounded anyway, at the price of a start-up and of sending
the whole file and the result across. A capacity limiter of its own keeps hostile uploads from
taking every thread of the pool the synchronous pages run in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import anyio.to_thread
from fastapi import Path as PathParam, Request, Response, UploadFile
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import ImportRejected, RowError
from ..settings import LimitsSettings

UPLOAD_SUFFIXES = {".csv", ".xlsx", ".ods"}
MAX_NAME_CHARS = 255  # what a file system and calendar_version.filename hold
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
T = TypeVar("T")

# Ids are INTEGER columns: a larger number is refused as a bad parameter (422), not sent to a
# database that would overflow on it.
DbId = Annotated[int, PathParam(ge=0, le=2**31 - 1)]


def body_too_large(limits: LimitsSettings) -> str:
    return f"Requête trop volumineuse : {limits.max_body_mb:g} Mo au plus (réglage limits.max_body_mb)."


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once the body passes the limit; FastAPI lets an HTTPException
    met while reading the body through, so the error boundary answers it in French."""

    def __init__(self, limits: LimitsSettings) -> None:
        super().__init__(413, body_too_large(limits), headers={"Connection": "close"})


class RequestLimits:
    """Outermost middleware: refuses, before any route, sign-in or spooling to disk, a body
    announced or found larger than ``limits.max_body_mb`` (413) and a path or query holding a
    NUL character (400)."""

    def __init__(self, app: ASGIApp, limits: LimitsSettings) -> None:
        self.app = app
        self.limits = limits
        self.max_bytes = int(limits.max_body_mb * 1024 * 1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        if "\x00" in scope["path"] or b"%00" in raw or b"%00" in scope["query_string"] or b"\x00" in scope["query_string"]:
            await self.refuse(scope, send, 400, "Requête invalide : l'adresse contient un caractère nul.")
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await self.refuse(scope, send, 400, "Requête invalide : en-tête Content-Length illisible.")
                return
            if int(length) > self.max_bytes:
                await self.refuse(scope, send, 413, body_too_large(self.limits))
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:  # a chunked body, or one longer than announced
                    raise BodyTooLarge(self.limits)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as error:  # met outside a route (no handler saw it)
            if started:
                raise
            await self.refuse(scope, send, 413, error.detail)

    async def refuse(self, scope: Scope, send: Send, status: int, message: str) -> None:
        """A bare French answer: no session, template or database is touched before the body
        limit, so a refusal costs nothing."""
        accept = dict(scope["headers"]).get(b"accept", b"").decode("latin-1")
        as_json = scope["path"].startswith("/api/") or ("application/json" in accept and "text/html" not in accept)
        if as_json:
            body, kind = json.dumps({"detail": message}, ensure_ascii=False).encode(), b"application/json"
        else:
            title = "Requête trop volumineuse" if status == 413 else "Requête invalide"
            body = (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title} (erreur {status})</title></head>'
                    f'<body><main><h1>{title}</h1><p>{message}</p><p><a href="/">Retour à l\'accueil</a></p></main></body></html>').encode()
            kind = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def display_name(filename: str | None, default: str) -> str:
    """The name a lead gave the file, safe to store and show: no folder, no control character;
    longer than any file system allows, it is refused rather than stored cut."""
    name = _CONTROL.sub("", Path((filename or "").replace("\\", "/")).name).strip() or default
    if len(name) > MAX_NAME_CHARS:
        raise ImportRejected(name[:40] + "…", [RowError(None, None, None, f"nom de fichier trop long : {MAX_NAME_CHARS} caractères au plus")])
    return name


def save_upload(upload: UploadFile, limits: LimitsSettings, folder: Path) -> tuple[Path, str]:
    """The uploaded file copied to ``folder`` under a name of ours, refused past
    ``limits.max_file_mb`` before it is all copied; and its display name. Runs in a worker
    thread (the body was received whole by then, within the body limit)."""
    if not isinstance(upload, StarletteUpload):  # a text field where a file is expected
        raise ImportRejected("envoi", [RowError(None, None, None, "fichier attendu : envoyez le fichier lui-même, pas du texte")])
    name = display_name(upload.filename, "envoi")
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ImportRejected(name, [RowError(None, None, suffix or None, "format de fichier non pris en charge : envoyez un fichier CSV, XLSX ou ODS")])
    limit = int(limits.max_file_mb * 1024 * 1024)
    path = folder / f"envoi{suffix}"
    size = 0
    upload.file.seek(0)
    with path.open("wb") as handle:
        while chunk := upload.file.read(1 << 16):
            size += len(chunk)
            if size > limit:
                raise HTTPException(413, f"Fichier trop volumineux : {limits.max_file_mb:g} Mo au plus (réglage limits.max_file_mb).")
            handle.write(chunk)
    return path, name


async def off_the_loop(request: Request, work: Callable[[], T]) -> T | Response:
    """Run an upload's parsing, checking and writing in a worker thread, at most
    ``limits.max_concurrent_imports`` at once per process; waiting for a turn takes no thread.

    A refusal is turned into its answer there too: the JSON of 50,000 bad cells takes longer to
    write than a page takes to serve, and must not be written on the event loop."""
    from .errors import on_tracker_error  # errors renders pages through common; imported late like it

    def guarded() -> T | Response:
        try:
            return work()
        except ImportRejected as rejected:
            return on_tracker_error(request, rejected)

    return await anyio.to_thread.run_sync(guarded, limiter=request.app.state.import_limiter)
