"""Accounts: DINUM admins and ministry leads. Passwords are hashed with Argon2id; API tokens
are random and only their SHA-256 is stored, so a database leak gives neither away.

A password change or a disabled account ends the account's web sessions at once: the session
rows are deleted in the same transaction as the change."""

from __future__ import annotations

import hashlib
import re
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, delete, select
from zxcvbn import zxcvbn

from .errors import NotFound, TrackerError
from .models import Ministry, User, WebSession, utcnow

_HASHER = PasswordHasher()
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 12
MAX_PASSWORD = 256  # Argon2 takes any length; the strength estimate slows down on very long input
MIN_STRENGTH = 3  # zxcvbn score, 0 to 4: 3 resists an offline attack on a slow hash


@cache
def _dummy_hash() -> str:
    """Verifying against this keeps the time of a login for an unknown email like a known one.
    Made on first use, not at import: every command line would pay Argon2's cost otherwise."""
    return _HASHER.hash("rgaa-tracker-dummy-password")


def add_user(*, session: Session, email: str, password: str, ministry: str | None = None, admin: bool = False) -> User:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise TrackerError(f"Adresse électronique invalide : {email}")
    if admin == bool(ministry):
        raise TrackerError("Indiquez soit --admin, soit --ministry CODE.")
    if ministry and session.get(Ministry, ministry) is None:
        raise NotFound(f"Ministère inconnu : {ministry}")
    check_password(password, email)
    if session.exec(select(User).where(User.email == email)).first() is not None:
        raise TrackerError(f"Un compte existe déjà pour {email}.")
    user = User(email=email, password_hash=_HASHER.hash(password), role="admin" if admin else "lead", ministry_code=ministry)
    session.add(user)
    session.flush()
    return user


def check_password(password: str, email: str = "") -> None:
    """Length alone lets "aaaaaaaaaaaa" through; zxcvbn also knows common passwords, keyboard
    walks, repeats, dates and the account's own address."""
    if len(password) < MIN_PASSWORD:
        raise TrackerError(f"Mot de passe trop court : {MIN_PASSWORD} caractères au moins.")
    if len(password) > MAX_PASSWORD:
        raise TrackerError(f"Mot de passe trop long : {MAX_PASSWORD} caractères au plus.")
    words = [email, *re.split(r"[@.\-_]", email), "rgaa", "tracker", "dinum", "accessibilite"] if email else ["rgaa", "tracker"]
    if zxcvbn(password, user_inputs=[w for w in words if w])["score"] < MIN_STRENGTH:
        raise TrackerError("Mot de passe trop facile à deviner (mot courant, suite de clavier, répétition ou adresse du compte) : "
                           "choisissez par exemple plusieurs mots sans rapport entre eux.")


def find_user(session: Session, email: str) -> User:
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise NotFound(f"Compte inconnu : {email}")
    return user


def end_sessions(session: Session, user_id: int) -> None:
    session.exec(delete(WebSession).where(WebSession.user_id == user_id))


def set_password(*, session: Session, email: str, password: str) -> User:
    """A new password ends every web session of the account (a thief's included); the API
    token is kept, so the ministry's scripts go on working (``users token`` replaces it)."""
    user = find_user(session, email)
    check_password(password, user.email)
    user.password_hash = _HASHER.hash(password)
    session.add(user)
    end_sessions(session, user.id)
    return user


def verify_password(user: User, password: str) -> bool:
    try:
        return _HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def disable_user(*, session: Session, email: str) -> User:
    """No more sign-in, web session or API token for this account; its history stays."""
    user = find_user(session, email)
    if user.disabled_at is None:
        user.disabled_at = utcnow()
    session.add(user)
    end_sessions(session, user.id)
    return user


def is_active(user: User | None) -> bool:
    return user is not None and user.disabled_at is None


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    try:
        _HASHER.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled_at is not None:
        return None
    if user and _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
        session.add(user)
    return user


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(*, session: Session, email: str) -> str:
    """A new API token for ``email`` (the previous one stops working)."""
    user = find_user(session, email)
    token = secrets.token_urlsafe(32)
    user.token_hash = digest(token)
    user.token_created_at = utcnow()
    session.add(user)
    return token


def revoke_token(*, session: Session, email: str) -> User:
    """The account's API token stops working at once; scripts using it get 401 from then on."""
    user = find_user(session, email)
    user.token_hash = None
    user.token_created_at = None
    session.add(user)
    return user


def list_users(*, session: Session) -> list[User]:
    """Admins first, then leads by ministry: the order an admin scans the accounts page in."""
    query = select(User).order_by(User.role, User.ministry_code, User.email)
    return list(session.exec(query).all())


def get_user(*, session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"Compte inconnu : n° {user_id}")
    return user


def user_for_token(*, session: Session, token: str) -> User | None:
    """The token's account, unless it is disabled."""
    user = session.exec(select(User).where(User.token_hash == digest(token))).first() if token else None
    return user if is_active(user) else None


def can_write(user: User, ministry: str) -> bool:
    return user.role == "admin" or user.ministry_code == ministry
