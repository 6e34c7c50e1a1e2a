"""JSON API under /api/ (OpenAPI at /openapi.json). Same JSON as the CLI, same permissions as
the pages; scripts authenticate with ``Authorization: Bearer <token>`` (``rgaa-tracker users token``).
A browser calling a write with its session cookie sends the page's CSRF token in ``X-CSRF-Token``.

Routes raise the library's errors as they come; web/errors.py turns them into JSON answers
(404, 409, 422 with every bad cell…). A route that writes commits before it returns."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, UploadFile
from sqlmodel import Session

from .. import crawl, db, declaration, demarche, findings, indicator, observatoire, remediation, serialize
from ..errors import NotFound
from ..models import Demarche, User
from ..user import can_write
from .common import get_session, require_user, require_writer
from .limits import DbId, off_the_loop, save_upload

router = APIRouter(prefix="/api", tags=["API"])


@router.get("/demarches", summary="Démarches du catalogue")
def api_demarches(ministry: str | None = None, user: User = Depends(require_user), session: Session = Depends(get_session)) -> list[dict]:
    return [serialize.demarche(d) for d in demarche.list_demarches(session=session, ministry=ministry)]


@router.get("/indicators", summary="Indicateurs (même JSON que « rgaa-tracker indicators --json »)")
def api_indicators(request: Request, as_of: dt.date | None = None, ministry: str | None = None,
                   definition: Literal["2020", "2023"] | None = Query(None, description="Règle : 2020 ou 2023 (par défaut, celle en vigueur à la date)"),
                   user: User = Depends(require_user), session: Session = Depends(get_session)) -> dict:
    return indicator.compute(session=session, as_of=as_of or dt.date.today(), settings=request.app.state.settings, ministry=ministry,
                             definition=definition).as_json(ministry)


@router.get("/observatoire/comparison", summary="Écarts entre une édition de l'Observatoire et les niveaux calculés (même JSON que « rgaa-tracker observatoire compare --json »)")
def api_observatoire_comparison(request: Request, edition_on: dt.date | None = None,
                                definition: Literal["2020", "2023"] | None = Query(None, description="Règle : 2020 ou 2023 (par défaut, celle en vigueur à la date de l'édition)"),
                                user: User = Depends(require_user), session: Session = Depends(get_session)) -> dict | None:
    return observatoire.comparison(session=session, settings=request.app.state.settings, edition_on=edition_on, definition=definition)


@router.get("/declarations", summary="Déclarations d'accessibilité, avec leur provenance")
def api_declarations(demarche_id: str | None = None, user: User = Depends(require_user), session: Session = Depends(get_session)) -> list[dict]:
    return [declaration.as_dict(d) for d in declaration.list_declarations(session=session, demarche_id=demarche_id)]


@router.post("/declarations", summary="Déposer des déclarations (démarches de son ministère seulement)")
async def api_declarations_upload(request: Request, file: UploadFile, user: User = Depends(require_writer)) -> dict:
    limits = request.app.state.settings.limits

    def work() -> dict:
        with tempfile.TemporaryDirectory() as tmp, db.write_session(request.app.state.engine) as session:
            path, name = save_upload(file, limits, Path(tmp))
            result = declaration.import_declarations(session=session, path=path, provenance="web", source=user.email, display_name=name,
                                                     ministry=None if user.role == "admin" else user.ministry_code, limits=limits)
            session.commit()  # before answering: a failed commit is an error answer, never a 200
        return {"added": result.added, "unchanged": result.unchanged, "warnings": result.warnings}

    return await off_the_loop(request, work)


@router.get("/calendars/status", summary="Même JSON que « rgaa-tracker calendar status --json »")
def api_calendar_status(request: Request, as_of: dt.date | None = None, ministry: str | None = None,
                        user: User = Depends(require_user), session: Session = Depends(get_session)) -> dict:
    return remediation.status(session=session, as_of=as_of or dt.date.today(), settings=request.app.state.settings, ministry=ministry)


@router.get("/calendars/{ministry}", summary="Versions du calendrier d'un ministère")
def api_calendar_history(ministry: str, user: User = Depends(require_user), session: Session = Depends(get_session)) -> list[dict]:
    return [serialize.calendar_version(v) for v in remediation.history(session=session, ministry=ministry)]


@router.post("/calendars/{ministry}", summary="Déposer une nouvelle version du calendrier de son ministère")
async def api_calendar_upload(ministry: str, request: Request, file: UploadFile, user: User = Depends(require_writer)) -> dict:
    if not can_write(user, ministry):
        raise HTTPException(403, f"Vous ne pouvez déposer que le calendrier de votre ministère ({user.ministry_code}).")
    limits = request.app.state.settings.limits

    def work() -> dict:
        with tempfile.TemporaryDirectory() as tmp, db.write_session(request.app.state.engine) as session:
            path, name = save_upload(file, limits, Path(tmp))
            result = remediation.import_calendar(session=session, path=path, ministry=ministry, uploaded_by=user.email,
                                                 display_name=name, limits=limits)
            session.commit()  # before answering: a failed commit is an error answer, never a 200
        return {"version": result.version.id, "rows": result.version.row_count, "warnings": result.warnings, "changes": result.changes}

    return await off_the_loop(request, work)


@router.get("/runs", summary="Passages des robots")
def api_runs(user: User = Depends(require_user), session: Session = Depends(get_session)) -> list[dict]:
    return [crawl.run_summary(r) for r in crawl.list_runs(session=session)]


@router.get("/runs/{run_id}", summary="Un passage et ses pages (même JSON que « rgaa-tracker runs show --json »)")
def api_run(run_id: DbId, user: User = Depends(require_user), session: Session = Depends(get_session)) -> dict:
    return crawl.run_detail(session=session, run_id=run_id)


@router.get("/findings", summary="Dernier audit de chaque démarche (même JSON que « rgaa-tracker findings --json »)")
def api_findings(as_of: dt.date | None = None, demarche_id: str | None = None, user: User = Depends(require_user),
                 session: Session = Depends(get_session)) -> list[dict]:
    ids = {demarche_id} if demarche_id else None
    if demarche_id and session.get(Demarche, demarche_id) is None:
        raise NotFound(f"Démarche inconnue : {demarche_id}")
    latest = findings.latest_findings(session=session, as_of=as_of, demarche_ids=ids)
    return [serialize.findings(latest[d]) for d in sorted(latest)]
