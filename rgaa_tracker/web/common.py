"""What pages and API share: the database session, the signed-in user, CSRF on API writes, rendering."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from .. import report
from ..models import User
from ..user import user_for_token
from . import sessions
from .sessions import check_csrf  # noqa: F401  (the pages' import)


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, on the engine whose schema ``create_app`` checked once.

    It never commits: FastAPI runs the code after ``yield`` once the answer has been sent, so a
    commit there could fail behind a 200. A handler that writes calls ``session.commit()``
    itself before returning; a failed commit then raises inside the handler and becomes an
    error answer (web/errors.py). Here whatever was not committed is rolled back."""
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()  # rolls back an open transaction


def current_user(request: Request, session: Session = Depends(get_session)) -> User | None:
    """The user of a Bearer token (scripts) or of the session cookie (browsers); a disabled
    account has neither."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = user_for_token(session=session, token=header[7:].strip())
        if user is None:
            raise HTTPException(401, "Jeton d'API invalide.", headers={"WWW-Authenticate": "Bearer"})
        return user
    row = sessions.load(request, session)
    return request.state.web_user if row is not None else None


def require_user(user: User | None = Depends(current_user)) -> User:
    if user is None:
        raise HTTPException(401, "Connexion requise.", headers={"WWW-Authenticate": "Bearer"})
    return user


def require_writer(request: Request, user: User = Depends(require_user)) -> User:
    """An API write: a Bearer call as it is; a browser's (session cookie) needs the CSRF header."""
    if not request.headers.get("authorization", "").lower().startswith("bearer "):
        sessions.check_api_csrf(request)
    return user


def render(request: Request, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
    """Render a page; ``context["user"]`` is looked up from the session cookie when a route gave none."""
    if "user" not in context:
        with Session(request.app.state.engine, expire_on_commit=False) as session:
            context["user"] = request.state.web_user if sessions.load(request, session) is not None else None
    nonce = getattr(request.state, "csp_nonce", "")
    html = report.environment().get_template(f"web/{template}").render(request=request, csrf=sessions.page_csrf(request), **context)
    if nonce:
        # The pages' own <style> elements (the SVG charts'): templates escape every value, so
        # a "<style" here was written by us, never by a user.
        html = html.replace("<style", f'<style nonce="{nonce}"')
    response = HTMLResponse(html, status_code=status_code)
    sessions.remember_anonymous_csrf(request, response)
    return response
