"""Security headers on every answer: pages, JSON, errors, static files, redirects.

The policy allows nothing but this origin: no inline script anywhere (the API docs' start-up
code is a static file), no plugin, no framing, forms posting only here. The one inline thing
allowed is a ``<style>`` element carrying the answer's nonce: pygal's SVG charts style
themselves that way, and ``render`` gives their ``<style>`` the nonce."""

from __future__ import annotations

import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PERMISSIONS = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
               "payment=(), usb=()")


def policy(nonce: str) -> str:
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        f"style-src 'self' 'nonce-{nonce}'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ])


class SecurityHeaders:
    """Outermost middleware, so that error answers and static files get the headers too; a
    header a route set itself is left as it is."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.values(nonce):
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def values(self, nonce: str) -> list[tuple[str, str]]:
        values = [
            ("content-security-policy", policy(nonce)),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "same-origin"),
            ("x-frame-options", "DENY"),
            ("permissions-policy", PERMISSIONS),
            ("cross-origin-opener-policy", "same-origin"),
            ("cross-origin-resource-policy", "same-origin"),
        ]
        if self.hsts:
            values.append(("strict-transport-security", "max-age=31536000"))
        return values
