"""DINUM's own pages: the démarches catalogue upload and the accounts, what the CLI's
``demarches import`` and ``users`` do, for an admin who does not open a terminal.

Every route checks the role before reading anything; every POST checks the CSRF token and
commits once before it answers, so a failed commit is an error page, never a success."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from sqlmodel import Session, func, select

from .. import db, demarche
from ..errors import ImportRejected, NotFound, TrackerError
from ..models import Demarche, Ministry, User
from ..user import add_user, check_password, disable_user, get_user, list_users, set_password
from .common import check_csrf, get_session, render, require_user
from .limits import DbId, off_the_loop, save_upload

router = APIRouter(include_in_schema=False)


def require_admin(user: User = Depends(require_user)) -> User:
    if user.role != "admin":
        raise HTTPException(403, "Cette page est réservée aux administrateurs de la DINUM.")
    return user


# ---- The démarches catalogue ----------------------------------------------------------------

def _catalogue_context(session: Session, user: User, **extra) -> dict:
    active = session.exec(select(func.count()).select_from(Demarche).where(Demarche.active == True)).one()  # noqa: E712
    total = session.exec(select(func.count()).select_from(Demarche)).one()
    ministries = session.exec(select(func.count()).select_from(Ministry)).one()
    return {"user": user, "active": active, "total": total, "ministries": ministries, "errors": None, "result": None, **extra}


@router.get("/admin/demarches")
def catalogue_form(request: Request, user: User = Depends(require_admin), session: Session = Depends(get_session)):
    return render(request, "admin_demarches.html.j2", _catalogue_context(session, user))


@router.post("/admin/demarches")
async def catalogue_upload(request: Request, fichier: UploadFile, csrf_token: str = Form(""), user: User = Depends(require_admin),
                           session: Session = Depends(get_session)):
    """The same limits and the same all-or-nothing import as ``demarches import``: the file is the
    whole list, so démarches it no longer has leave the list today (never deleted)."""
    check_csrf(request, csrf_token)
    settings = request.app.state.settings

    def work():
        with tempfile.TemporaryDirectory() as tmp, db.write_session(request.app.state.engine) as writer:
            try:
                path, name = save_upload(fichier, settings.limits, Path(tmp))
                summary = demarche.import_demarches(session=writer, path=path, display_name=name, limits=settings.limits)
            except ImportRejected as rejected:
                writer.rollback()
                return render(request, "admin_demarches.html.j2", _catalogue_context(session, user, errors=rejected), 422)
            writer.commit()  # before answering: a failed commit is an error answer, never a 200
        return render(request, "admin_demarches.html.j2", _catalogue_context(session, user, result=summary, filename=name))

    return await off_the_loop(request, work)


# ---- Accounts -------------------------------------------------------------------------------

ACCOUNTS_PAGE = "accounts.html.j2"
ACCOUNT_PAGE = "account_admin.html.j2"


def _accounts_context(session: Session, user: User, **extra) -> dict:
    ministries = session.exec(select(Ministry).order_by(Ministry.code)).all()
    return {"user": user, "accounts": list_users(session=session), "ministries": ministries, "errors": {}, "values": {}, "done": None, **extra}


@router.get("/admin/comptes")
def accounts_page(request: Request, user: User = Depends(require_admin), session: Session = Depends(get_session)):
    return render(request, ACCOUNTS_PAGE, _accounts_context(session, user))


@router.post("/admin/comptes")
def account_create(request: Request, email: str = Form(""), profil: str = Form(""), mot_de_passe: str = Form(""),
                   csrf_token: str = Form(""), user: User = Depends(require_admin), session: Session = Depends(get_session)):
    """``profil`` is ``admin`` or a ministry code: one choice, so an account is never both or neither."""
    check_csrf(request, csrf_token)
    values = {"email": email.strip(), "profil": profil}
    errors: dict[str, str] = {}
    admin = profil == "admin"
    if not email.strip():
        errors["email"] = "Indiquez l'adresse électronique du compte."
    if not profil:
        errors["profil"] = "Choisissez le ministère du compte, ou « Administration DINUM »."
    elif not admin and session.get(Ministry, profil) is None:
        errors["profil"] = f"Ministère inconnu : {profil}."
    try:
        check_password(mot_de_passe, email.strip().lower())
    except TrackerError as error:
        errors["mot_de_passe"] = str(error)
    if not errors:
        try:  # the address is checked here: malformed, or already an account
            created = add_user(session=session, email=email, password=mot_de_passe, ministry=None if admin else profil, admin=admin)
        except TrackerError as error:
            errors["email"] = str(error)
    if errors:
        session.rollback()
        return render(request, ACCOUNTS_PAGE, _accounts_context(session, user, errors=errors, values=values), 422)
    session.commit()
    return render(request, ACCOUNTS_PAGE, _accounts_context(session, user, done=f"Compte créé pour {created.email}. "
                                                            "Transmettez-lui son mot de passe initial par un autre canal que ce message."))


def _target(session: Session, account_id: int) -> User:
    try:
        return get_user(session=session, user_id=account_id)
    except NotFound as error:
        raise HTTPException(404, str(error)) from None


@router.get("/admin/comptes/{account_id}")
def account_page(account_id: DbId, request: Request, user: User = Depends(require_admin), session: Session = Depends(get_session)):
    return render(request, ACCOUNT_PAGE, {"user": user, "account": _target(session, account_id), "errors": {}, "done": None})


@router.post("/admin/comptes/{account_id}/mot-de-passe")
def account_reset(account_id: DbId, request: Request, mot_de_passe: str = Form(""), confirmation: str = Form(""), csrf_token: str = Form(""),
                  user: User = Depends(require_admin), session: Session = Depends(get_session)):
    """The admin chooses the new password and gives it to its owner; every session of that
    account ends in the same transaction, so whoever held one is out."""
    check_csrf(request, csrf_token)
    account = _target(session, account_id)
    if account.id == user.id:
        raise HTTPException(409, "Pour votre propre compte, utilisez la page « Changer mon mot de passe ».")
    errors: dict[str, str] = {}
    try:
        check_password(mot_de_passe, account.email)
    except TrackerError as error:
        errors["mot_de_passe"] = str(error)
    if not errors and mot_de_passe != confirmation:
        errors["confirmation"] = "La confirmation ne correspond pas au nouveau mot de passe."
    if errors:
        return render(request, ACCOUNT_PAGE, {"user": user, "account": account, "errors": errors, "done": None}, 422)
    set_password(session=session, email=account.email, password=mot_de_passe)
    session.commit()
    return render(request, ACCOUNT_PAGE, {"user": user, "account": account, "errors": {},
                                          "done": f"Mot de passe de {account.email} remplacé ; ses connexions en cours sont terminées."})


@router.post("/admin/comptes/{account_id}/desactiver")
def account_disable(account_id: DbId, request: Request, csrf_token: str = Form(""), user: User = Depends(require_admin),
                    session: Session = Depends(get_session)):
    """No more sign-in, session or API token for the account; its uploads and history stay."""
    check_csrf(request, csrf_token)
    account = _target(session, account_id)
    if account.id == user.id:
        raise HTTPException(409, "Vous ne pouvez pas désactiver votre propre compte : demandez-le à un autre administrateur.")
    disable_user(session=session, email=account.email)
    session.commit()
    return render(request, ACCOUNT_PAGE, {"user": user, "account": account, "errors": {},
                                          "done": f"Compte {account.email} désactivé : ses connexions et son jeton d'API ne fonctionnent plus."})
