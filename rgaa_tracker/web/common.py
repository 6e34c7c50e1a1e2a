"""What pages and API share: the database session, the signed-in user, CSRF, rate limits."""

from __future__ import annotations

import hmac
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Iterator

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from .. import report
from ..models import User
from ..user import user_for_token


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
    """The user of a Bearer token (scripts) or of the signed session cookie (browsers)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = user_for_token(session=session, token=header[7:].strip())
        if user is None:
            raise HTTPException(401, "Jeton d'API invalide.", headers={"WWW-Authenticate": "Bearer"})
        return user
    user_id = request.session.get("user_id")
    return session.get(User, user_id) if user_id else None


def require_user(user: User | None = Depends(current_user)) -> User:
    if user is None:
        raise HTTPException(401, "Connexion requise.", headers={"WWW-Authenticate": "Bearer"})
    return user


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise HTTPException(403, "Jeton de sécurité absent ou invalide : rechargez la page et recommencez.")


class LoginLimiter:
    """Failed sign-ins per (address, email) in a sliding window; in memory, per process."""

    def __init__(self) -> None:
        self.failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    def blocked(self, key: tuple[str, str], limit: int, window: float) -> bool:
        recent = self.failures[key]
        while recent and recent[0] < time.monotonic() - window:
            recent.popleft()
        return len(recent) >= limit

    def fail(self, key: tuple[str, str]) -> None:
        self.failures[key].append(time.monotonic())

    def reset(self, key: tuple[str, str]) -> None:
        self.failures.pop(key, None)



def render(request: Request, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
    """Render a page; ``context["user"]`` is looked up from the session when a route gave none."""
    if "user" not in context:
        user_id = request.session.get("user_id")
        with Session(request.app.state.engine) as session:  # a read: nothing to commit
            context["user"] = session.get(User, user_id) if user_id else None
    html = report.environment().get_template(f"web/{template}").render(request=request, csrf=csrf_token(request), **context)
    return HTMLResponse(html, status_code=status_code)
