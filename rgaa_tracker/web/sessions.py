"""Browser sign-ins kept in the database (table ``web_session``), and CSRF protection.

The cookie carries a random token; the table keeps only its SHA-256, the user, the times that
bound the session, and the session's CSRF token. Deleting the row ends the session everywhere,
which a signed stateless cookie could not do (logging out left it valid for hours).

CSRF. A signed-in browser sends the session's CSRF token with every write: forms in a hidden
field, scripts calling the API in the ``X-CSRF-Token`` header (the token is in the page's
``<meta name="csrf-token">``). Before sign-in there is no session to hold a token, so the
sign-in form uses a double-submit cookie (``rgaa_csrf``, random, HttpOnly, SameSite=Strict)
echoed by a hidden field. On top of the tokens, every cookie-authenticated write must come
from our own origin: a browser's ``Sec-Fetch-Site`` must be ``same-origin`` (or ``none`` for a
typed address) and an ``Origin`` header, when sent, must be ours. That also stops a
same-site page on another port or subdomain, which ``SameSite=Strict`` lets through and which
could plant a double-submit cookie. Bearer-token calls carry no ambient credential and are
not checked."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response
from sqlalchemy import update
from sqlmodel import Session, delete, select

from ..models import User, WebSession, utcnow
from ..settings import WebSettings
from ..user import digest, is_active

SESSION_COOKIE = "rgaa_session"
CSRF_COOKIE = "rgaa_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_REFUSED = "Jeton de sécurité absent ou invalide : rechargez la page et recommencez."
FOREIGN_ORIGIN = "Requête refusée : elle ne vient pas de ce site. Rechargez la page et recommencez."
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def aware(moment: dt.datetime) -> dt.datetime:
    """SQLite gives datetimes back without their zone; every one we write is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def open_session(session: Session, user: User) -> tuple[str, WebSession]:
    """A new session row for ``user``; returns the cookie token, which is stored nowhere."""
    token = secrets.token_urlsafe(32)
    row = WebSession(token_hash=digest(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32))
    session.add(row)
    return token, row


def expired(row: WebSession, web: WebSettings, now: dt.datetime) -> bool:
    return (now - aware(row.created_at) > dt.timedelta(hours=web.session_hours)
            or now - aware(row.last_seen_at) > dt.timedelta(minutes=web.session_idle_minutes))


def touch_interval(web: WebSettings) -> dt.timedelta:
    """``last_seen_at`` is rewritten at most this often: a write per request would make every
    page a writer, which SQLite serialises. The idle timeout is off by at most this much."""
    return min(dt.timedelta(seconds=60), dt.timedelta(minutes=web.session_idle_minutes) / 10)


def load(request: Request, session: Session) -> WebSession | None:
    """The live session of the request's cookie, once per request (cached on ``request.state``).

    An expired session, or one whose account was disabled, is deleted and counts as none."""
    if hasattr(request.state, "web_session"):
        return request.state.web_session
    request.state.web_session = None
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 100:
        return None
    row = session.exec(select(WebSession).where(WebSession.token_hash == digest(token))).first()
    if row is None:
        return None
    web = request.app.state.settings.web
    now = utcnow()
    user = session.get(User, row.user_id)
    if expired(row, web, now) or not is_active(user):
        session.exec(delete(WebSession).where(WebSession.id == row.id))
        session.commit()
        return None
    if now - aware(row.last_seen_at) > touch_interval(web):
        session.exec(update(WebSession).where(WebSession.id == row.id).values(last_seen_at=now))
        session.commit()
    request.state.web_session = row
    request.state.web_user = user
    return row


def close(request: Request, session: Session) -> None:
    """Delete the request's session row, whatever its state."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        session.exec(delete(WebSession).where(WebSession.token_hash == digest(token)))
    request.state.web_session = None


def set_cookie(response: Response, request: Request, token: str) -> None:
    web = request.app.state.settings.web
    response.set_cookie(SESSION_COOKIE, token, max_age=web.session_hours * 3600, path="/", httponly=True,
                        samesite="strict", secure=web.cookie_secure)
    response.delete_cookie(CSRF_COOKIE, path="/")


def clear_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def anonymous_csrf(request: Request) -> str:
    """The double-submit token of a visitor not signed in: the cookie's, or a new one that
    ``remember_anonymous_csrf`` puts in the answer's cookie."""
    token = request.cookies.get(CSRF_COOKIE, "")
    if not (20 <= len(token) <= 100):
        token = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def remember_anonymous_csrf(request: Request, response: Response) -> None:
    token = getattr(request.state, "new_csrf", None)
    if token:
        web = request.app.state.settings.web
        response.set_cookie(CSRF_COOKIE, token, path="/", httponly=True, samesite="strict", secure=web.cookie_secure)


def page_csrf(request: Request) -> str:
    """The token a page puts in its forms: the session's when signed in, else the visitor's."""
    row = getattr(request.state, "web_session", None)
    return row.csrf_token if row is not None else anonymous_csrf(request)


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another origin (another site, a
    sibling subdomain, another port). Clients that send neither header (curl, scripts) pass:
    they hold no victim's cookie, and the token is still required."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is not None:  # host and port only: behind a TLS proxy we see http, the browser https
        return urlsplit(origin).netloc == request.headers.get("host", "")
    return True


def check_origin(request: Request) -> None:
    if not same_origin(request):
        raise HTTPException(403, FOREIGN_ORIGIN)


def check_csrf(request: Request, submitted: str | None) -> None:
    """A form write: same origin, and the token of the session (or of the anonymous visitor)."""
    check_origin(request)
    row = getattr(request.state, "web_session", None)
    expected = row.csrf_token if row is not None else request.cookies.get(CSRF_COOKIE)
    if not expected or not submitted or not hmac.compare_digest(expected.encode(), submitted.encode()):
        raise HTTPException(403, CSRF_REFUSED)


def check_api_csrf(request: Request) -> None:
    """A cookie-authenticated API write: same origin and the session's token in ``X-CSRF-Token``."""
    if request.method in SAFE_METHODS:
        return
    check_origin(request)
    row = getattr(request.state, "web_session", None)
    submitted = request.headers.get(CSRF_HEADER, "")
    if row is None or not submitted or not hmac.compare_digest(row.csrf_token.encode(), submitted.encode()):
        raise HTTPException(403, CSRF_REFUSED)
