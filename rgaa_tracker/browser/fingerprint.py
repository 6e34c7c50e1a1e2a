"""What a page's audit depends on, reduced to one hash, so an unchanged page can reuse its last
audit instead of running axe and our checks again (``docs/incremental.md``).

The hash covers the page as the audit would see it (final URL, the live DOM with its shadow
roots, form state and script-written styles, and the body of every resource the document
loaded), what the checks read besides the page (the titles of the démarche's earlier pages, the
popups it opened), and what would judge it differently: the axe build, the source of our checks
and of the mapping to RGAA criteria, the browser version and the settings that change results.
Anything unreadable gives no fingerprint, hence a full audit: reuse is only ever a proof of
sameness, never a guess.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from functools import cache
from pathlib import Path

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Request, Response

from ..settings import Settings

PACKAGE = Path(__file__).resolve().parent.parent
# Sources whose change changes what an audit finds or how it is stored as criteria. Not the
# French rule summaries (data/rule_summaries.csv): they are read when shown, never stored.
JUDGE_SOURCES = ("checks/**/*.py", "checks/js/*.js", "browser/js/*.js", "browser/tab.py", "browser/facts.py",
                 "audit.py", "rgaa.py", "data/rgaa_criteria.csv", "crawl/store.py")
BODY_TIMEOUT_S = 10
STREAMING = ("websocket", "eventsource")


@cache
def checks_version() -> str:
    """A hash of our checks' and mapping's sources: a new release of them invalidates reuse."""
    digest = hashlib.sha256()
    for pattern in JUDGE_SOURCES:
        for path in sorted(PACKAGE.glob(pattern)):
            digest.update(str(path.relative_to(PACKAGE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@cache
def _axe_hash(axe_source: str) -> str:
    return hashlib.sha256(axe_source.encode()).hexdigest()


def judge_version(settings: Settings, axe_source: str, browser_version: str) -> str:
    """Everything besides the page that decides what its audit finds."""
    crawl = settings.crawl
    relevant = {
        "axe": _axe_hash(axe_source),
        "checks": checks_version() if settings.checks.enabled else "off",
        "check_settings": settings.checks.model_dump(mode="json") if settings.checks.enabled else None,
        "browser": browser_version,
        "viewport": [settings.browser.viewport_width, settings.browser.viewport_height],
        "user_agent": settings.browser.user_agent,
        "locale": settings.browser.locale,
        "axe_rules": crawl.axe_rules,
        "limits": [crawl.max_dom_elements, crawl.max_page_mb, crawl.max_links],
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()


class Resources:
    """The requests of the current document of the tab's main frame, as Playwright reports them."""

    def __init__(self) -> None:
        self.requests: dict[Request, str] = {}  # request → "pending" | "finished" | "failed"
        self._bodies: dict[Request, asyncio.Future[bytes]] = {}

    def reset(self) -> None:
        self.requests, self._bodies = {}, {}

    async def body(self, response: Response) -> bytes:
        """The body of ``response``; a document's is asked of the browser once however many read
        it (hashed here, its head read again by the checks: each asking is a round trip through
        the driver with the whole body, base64-encoded). Only documents' are kept until the next
        page: a page's images and fonts are hashed and dropped. Raises as ``body()`` does."""
        request = response.request
        if request.resource_type != "document":
            return await response.body()
        if request not in self._bodies:
            asking = self._bodies[request] = asyncio.ensure_future(response.body())
            asking.add_done_callback(lambda done: done.cancelled() or done.exception())  # retrieved even if nobody waits
        return await asyncio.shield(self._bodies[request])

    def started(self, request: Request) -> None:
        self.requests[request] = "pending"

    def finished(self, request: Request) -> None:
        self.requests[request] = "finished"

    def failed(self, request: Request) -> None:
        self.requests[request] = "failed"

    async def tokens(self) -> list[str] | None:
        """One token per resource: its type, status, content type and body hash. URLs are left out
        on purpose: a cache-busting query or a statistics beacon's timestamp changes nothing the
        audit sees, while the document itself names every URL that matters (``src``, ``href``)."""
        items = list(self.requests.items())
        try:
            async with asyncio.timeout(BODY_TIMEOUT_S):
                tokens = await asyncio.gather(*(self._token(request, state) for request, state in items))
        except (TimeoutError, PlaywrightError):
            return None
        if any(token is None for token in tokens):
            return None
        return sorted(tokens)

    async def _token(self, request: Request, state: str) -> str | None:
        kind = request.resource_type
        if request.url.startswith(("data:", "blob:")):
            return f"{kind}|inline"  # its content is in the document or in a hashed script
        if state != "finished" or kind in STREAMING:
            return f"{kind}|{state}|{request.failure or ''}" if state == "failed" else f"{kind}|{state}"
        response = await request.response()
        if response is None:
            return f"{kind}|no-response"
        status = response.status
        content_type = response.headers.get("content-type", "")
        if 300 <= status < 400:
            return f"{kind}|{status}|{response.headers.get('location', '')}"
        try:
            body = await self.body(response)
        except PlaywrightError:
            return None  # evicted from the browser's buffer: unknown, so no reuse
        return f"{kind}|{status}|{content_type}|{hashlib.sha256(body).hexdigest()}"


def combine(*, judge: str, final_url: str, dom: str, resources: list[str], earlier_titles: dict[str, str], popups: int) -> str:
    digest = hashlib.sha256()
    for part in (judge, final_url, hashlib.sha256(dom.encode("utf-8", "surrogatepass")).hexdigest(),
                 json.dumps(resources), json.dumps(sorted(earlier_titles.items())), str(popups)):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()
