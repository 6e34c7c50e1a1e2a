"""Sign-in limits, counted in the database (table ``login_attempt``) so that every process of
the web server shares them, per account and per client address.

Race-free without locks: an attempt is committed *before* its password is checked, then the
attempts of the window are counted, its own included. The n-th attempt to be committed counts
at least n rows, so however many arrive at once, in however many processes, at most the limit
reach the password check. A successful sign-in clears its account's attempts from its address.
Refused attempts are recorded too, so hammering keeps the window full.

The client address is the TCP peer, unless the peer is one of ``web.trusted_proxies``: then
``X-Forwarded-For`` is read from the right, skipping our own proxies, and the first other
address is the client. A header from anyone else is ignored: rotating it changes nothing."""

from __future__ import annotations

import datetime as dt
import ipaddress
from functools import lru_cache

from fastapi import HTTPException, Request
from sqlalchemy import func
from sqlmodel import Session, delete, select

from ..models import LoginAttempt, utcnow
from ..settings import WebSettings

TOO_MANY = "Trop de tentatives de connexion : réessayez dans quelques minutes."
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(request: Request, web: WebSettings) -> str:
    peer = request.client.host if request.client else ""
    proxies = networks(tuple(web.trusted_proxies))
    if not proxies or not trusted(peer, proxies):
        return peer
    hops = [hop.strip() for header in request.headers.getlist("x-forwarded-for") for hop in header.split(",")]
    for hop in reversed(hops):
        if not trusted(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage from the proxy's own client: count it as the proxy's
    return peer


def admit(engine, request: Request, email: str) -> tuple[str, str]:
    """Record this attempt, then refuse it (429) if its account or its address is over the
    limit in the window. Returns the (email, client) key for ``succeeded``.

    Runs in its own session, committed before the password is checked (see the module)."""
    web = request.app.state.settings.web
    email = email.strip().lower()[:255]
    client = client_address(request, web)[:64]
    now = utcnow()
    since = now - dt.timedelta(seconds=web.login_window_s)
    with Session(engine) as session:
        session.exec(delete(LoginAttempt).where(LoginAttempt.attempted_at < since))  # the table stays the window's size
        session.add(LoginAttempt(email=email, client=client, attempted_at=now))
        session.commit()
        per_account = session.exec(select(func.count()).select_from(LoginAttempt)
                                   .where(LoginAttempt.email == email, LoginAttempt.attempted_at >= since)).one()
        per_client = session.exec(select(func.count()).select_from(LoginAttempt)
                                  .where(LoginAttempt.client == client, LoginAttempt.attempted_at >= since)).one()
    if per_account > web.login_max_failures or per_client > web.login_max_per_client:
        raise HTTPException(429, TOO_MANY, headers={"Retry-After": str(web.login_window_s)})
    return email, client


def succeeded(session: Session, key: tuple[str, str]) -> None:
    """A right password clears the account's attempts from this address (committed by the caller)."""
    email, client = key
    session.exec(delete(LoginAttempt).where(LoginAttempt.email == email, LoginAttempt.client == client))
