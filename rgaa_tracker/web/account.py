"""« Mes jetons d'API »: every user creates and revokes the token their scripts use, without
asking DINUM to run ``users token``.

An account holds one token (only its SHA-256 is stored): creating one replaces the previous,
revoking it leaves none. The token is shown once, in the answer to the POST that made it, and
that answer is never cached."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session

from ..models import User
from ..user import issue_token, revoke_token
from .common import check_csrf, get_session, render, require_user

router = APIRouter(include_in_schema=False)

TOKENS_PAGE = "tokens.html.j2"


def _page(request: Request, user: User, status_code: int = 200, **extra):
    response = render(request, TOKENS_PAGE, {"user": user, "token": None, "revoked": False, **extra}, status_code)
    response.headers["Cache-Control"] = "no-store"  # a page that may show a token stays out of every cache
    return response


@router.get("/compte/jetons")
def tokens_page(request: Request, user: User = Depends(require_user)):
    return _page(request, user)


@router.post("/compte/jetons")
def token_create(request: Request, csrf_token: str = Form(""), user: User = Depends(require_user), session: Session = Depends(get_session)):
    check_csrf(request, csrf_token)
    token = issue_token(session=session, email=user.email)
    session.commit()
    return _page(request, session.get(User, user.id), token=token)


@router.post("/compte/jetons/revoquer")
def token_revoke(request: Request, csrf_token: str = Form(""), user: User = Depends(require_user), session: Session = Depends(get_session)):
    check_csrf(request, csrf_token)
    revoke_token(session=session, email=user.email)
    session.commit()
    return _page(request, session.get(User, user.id), revoked=True)
