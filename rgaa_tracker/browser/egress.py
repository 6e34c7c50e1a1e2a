"""Where a page may send the browser: never into internal address space unless Settings allow it.

A démarche's site is untrusted input. Without a guard, a site that redirects to
``http://10.0.0.5/admin`` or embeds ``http://169.254.169.254/…`` gets the crawler to fetch an
internal page, and its title and HTML end up stored and downloadable (SSRF). Every request the
tab makes — navigation, each redirect hop, subresources, sample pages — is paused (CDP
``Fetch``) and checked here before it leaves: the host is resolved and each of its addresses
classified; a host with any address in a class that is not allowed is refused. After a
navigation, the address the document actually came from is checked again (``refusal_of_ip``),
which closes the gap of a DNS answer that changed between our lookup and Chromium's.

Classes: ``public`` (always allowed), ``loopback`` (127/8, ::1, 0.0.0.0), ``link_local``
(169.254/16 — cloud metadata —, fe80::/10) and ``private`` (RFC 1918, unique-local, shared,
reserved and every other non-global range). ``crawl.allowed_address_classes`` lists the
non-public classes allowed; the demo and the tests allow ``loopback`` explicitly.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

CLASSES = ("loopback", "link_local", "private")
LABELS = {"loopback": "boucle locale", "link_local": "lien local", "private": "réseau privé"}
DNS_TIMEOUT_S = 5.0
MAX_CACHED_HOSTS = 2000


def address_class(ip: str) -> str:
    """The class of one IP address (text), ``public`` when it is globally routable."""
    try:
        address = ipaddress.ip_address(ip.split("%")[0].strip("[]"))
    except ValueError:
        return "private"  # not an address we can reason about: never trusted
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback or address.is_unspecified:  # Chromium connects 0.0.0.0 to this machine
        return "loopback"
    if address.is_link_local:
        return "link_local"
    return "public" if address.is_global else "private"


class Egress:
    """The guard of one tab; keeps the classes of the hosts it resolved (a page asks often)."""

    def __init__(self, allowed: list[str] | tuple[str, ...] | frozenset[str]):
        self.allowed = frozenset(allowed)
        self._hosts: dict[str, tuple[str, ...]] = {}

    @property
    def everything_allowed(self) -> bool:
        return set(CLASSES) <= self.allowed

    def refusal_of_ip(self, ip: str, host: str = "") -> str | None:
        kind = address_class(ip)
        if kind == "public" or kind in self.allowed:
            return None
        return _reason(host or ip, ip, kind)

    async def refusal(self, url: str) -> str | None:
        """None when the browser may fetch ``url``; else why not, in French."""
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            return "adresse illisible : requête bloquée"
        if parts.scheme not in ("http", "https", "ws", "wss") or not host:
            return None  # data:, blob:, about: … never leave the browser
        for ip, kind in await self._classes(host):
            if kind != "public" and kind not in self.allowed:
                return _reason(host, ip, kind)
        return None

    async def _classes(self, host: str) -> tuple[tuple[str, str], ...]:
        if host in self._hosts:
            return self._hosts[host]
        try:
            ipaddress.ip_address(host.strip("[]"))
            ips = [host.strip("[]")]
        except ValueError:
            try:
                async with asyncio.timeout(DNS_TIMEOUT_S):
                    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
                ips = sorted({info[4][0] for info in infos})
            except (OSError, UnicodeError):
                ips = []  # unknown name: Chromium, on the same resolver, fails the request itself
            except TimeoutError:
                ips = ["invalid"]  # a resolver that stalls is not trusted: classed private
        found = tuple((ip, address_class(ip)) for ip in ips)
        if len(self._hosts) >= MAX_CACHED_HOSTS:
            self._hosts.clear()
        self._hosts[host] = found
        return found


def _reason(host: str, ip: str, kind: str) -> str:
    shown = host if host == ip else f"{host} ({ip})"
    return (f"requête vers une adresse interne bloquée : {shown[:200]}, {LABELS[kind]} ; "
            "le robot ne suit pas un site vers le réseau interne (réglage crawl.allowed_address_classes)")
