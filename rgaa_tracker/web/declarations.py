"""Accessibility statements from the web: one typed in a form, or a file of them, by a lead for
their ministry's démarches and by DINUM for any. Both go through declaration.py's one set of
row checks, so a form and a file cannot accept different things."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from sqlmodel import Session, select

from .. import db, declaration
from ..errors import ImportRejected
from ..models import Demarche, User
from .common import check_csrf, get_session, render, require_user
from .limits import off_the_loop, save_upload

router = APIRouter(include_in_schema=False)

PAGE = "declarations.html.j2"
FIELDS = ("demarche_id", "status", "rate", "published_on", "updated_on", "audited_on", "url")
# The form's labels, used to name a refused field in the error summary.
LABELS = {"demarche_id": "Démarche", "status": "État de conformité", "rate": "Taux de conformité", "published_on": "Établie le",
          "updated_on": "Mise à jour le", "audited_on": "Audit réalisé le", "url": "Adresse de la déclaration"}


def _scope(user: User) -> str | None:
    """The ministry a user may write for; None for DINUM (every ministry)."""
    return None if user.role == "admin" else user.ministry_code


def _context(session: Session, user: User, **extra) -> dict:
    query = select(Demarche).where(Demarche.active == True).order_by(Demarche.ministry_code, Demarche.title)  # noqa: E712
    if _scope(user):
        query = query.where(Demarche.ministry_code == _scope(user))
    return {"user": user, "demarches": session.exec(query).all(), "labels": LABELS, "errors": {}, "values": {},
            "filed": None, "rejected": None, "imported": None, **extra}


@router.get("/declarations")
def declarations_page(request: Request, user: User = Depends(require_user), session: Session = Depends(get_session)):
    return render(request, PAGE, _context(session, user))


@router.post("/declarations")
def declaration_file(request: Request, demarche_id: str = Form(""), status: str = Form(""), rate: str = Form(""), published_on: str = Form(""),
                     updated_on: str = Form(""), audited_on: str = Form(""), url: str = Form(""), csrf_token: str = Form(""),
                     user: User = Depends(require_user), session: Session = Depends(get_session)):
    check_csrf(request, csrf_token)
    values = {"demarche_id": demarche_id, "status": status, "rate": rate, "published_on": published_on, "updated_on": updated_on,
              "audited_on": audited_on, "url": url}
    try:
        filed = declaration.file_declaration(session=session, fields=values, source=user.email, ministry=_scope(user))
    except ImportRejected as rejected:
        session.rollback()
        errors: dict[str, str] = {}
        for error in rejected.errors:
            errors.setdefault(error.column or "demarche_id", error.reason)
        return render(request, PAGE, _context(session, user, errors=errors, values=values), 422)
    session.commit()
    return render(request, PAGE, _context(session, user, filed=filed, demarche=session.get(Demarche, filed.declaration.demarche_id)))


@router.post("/declarations/import")
async def declarations_import(request: Request, fichier: UploadFile, csrf_token: str = Form(""), user: User = Depends(require_user),
                              session: Session = Depends(get_session)):
    check_csrf(request, csrf_token)
    limits = request.app.state.settings.limits

    def work():
        with tempfile.TemporaryDirectory() as tmp, db.write_session(request.app.state.engine) as writer:
            try:
                path, name = save_upload(fichier, limits, Path(tmp))
                result = declaration.import_declarations(session=writer, path=path, provenance="web", source=user.email, display_name=name,
                                                         ministry=_scope(user), limits=limits)
            except ImportRejected as rejected:
                writer.rollback()
                return render(request, PAGE, _context(session, user, rejected=rejected), 422)
            writer.commit()  # before answering: a failed commit is an error answer, never a 200
        return render(request, PAGE, _context(session, user, imported=result, filename=name))

    return await off_the_loop(request, work)
