"""Accounts: DINUM admins and ministry leads. Passwords are hashed with Argon2id; API tokens
are random and only their SHA-256 is stored, so a database leak gives neither away."""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from .errors import NotFound, TrackerError
from .models import Ministry, User

_HASHER = PasswordHasher()
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 12
# Verifying against this keeps the time of a login for an unknown email like a known one.
_DUMMY_HASH = _HASHER.hash("rgaa-tracker-dummy-password")


def add_user(*, session: Session, email: str, password: str, ministry: str | None = None, admin: bool = False) -> User:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise TrackerError(f"Adresse électronique invalide : {email}")
    if admin == bool(ministry):
        raise TrackerError("Indiquez soit --admin, soit --ministry CODE.")
    if ministry and session.get(Ministry, ministry) is None:
        raise NotFound(f"Ministère inconnu : {ministry}")
    if len(password) < MIN_PASSWORD:
        raise TrackerError(f"Mot de passe trop court : {MIN_PASSWORD} caractères au moins.")
    if session.exec(select(User).where(User.email == email)).first() is not None:
        raise TrackerError(f"Un compte existe déjà pour {email}.")
    user = User(email=email, password_hash=_HASHER.hash(password), role="admin" if admin else "lead", ministry_code=ministry)
    session.add(user)
    session.flush()
    return user


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    try:
        _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user and _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
        session.add(user)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(*, session: Session, email: str) -> str:
    """A new API token for ``email`` (the previous one stops working)."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise NotFound(f"Compte inconnu : {email}")
    token = secrets.token_urlsafe(32)
    user.token_hash = _digest(token)
    session.add(user)
    return token


def user_for_token(*, session: Session, token: str) -> User | None:
    return session.exec(select(User).where(User.token_hash == _digest(token))).first() if token else None


def can_write(user: User, ministry: str) -> bool:
    return user.role == "admin" or user.ministry_code == ministry
