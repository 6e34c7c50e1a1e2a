"""What a tab hands from one démarche to the next: a warm renderer, and nothing a site left.

A fresh browser context per démarche starts a cold renderer process: axe's half megabyte is
parsed and compiled again and runs unoptimised, and the process itself is paid for. On the
bench that was half the CPU of a page (``bench/README.md``). So a tab that ended its démarche
without a failure keeps its context and page for the next one, and in between everything a
page can leave for a later page to see is wiped:

- the last document is replaced by ``about:blank`` first, so none of its scripts runs on (and
  writes again) once storage is cleared; a ``beforeunload`` prompt is accepted;
- every cookie of the context, and the permissions (none is granted, but a page cannot add one);
- for every origin the context loaded anything from: local and session storage, IndexedDB,
  Cache Storage, service workers (blocked anyway), file systems, shared storage, buckets;
- ``window.name``, which survives navigations, and the tab's history.

Kept on purpose: the HTTP cache (the same bytes, only sooner: what an audit reads does not
change) and the renderer's compiled code. Not reachable and not needed: storage partitioned
under a third-party frame (frames are not audited). A context whose pages touched more origins
than ``MAX_ORIGINS``, or that served ``recycle_context_after`` pages, or whose wipe fails or
takes longer than ``WIPE_TIMEOUT_S``, is closed instead, as is any context of a tab that failed.
The next démarche waits at most ``WAIT_S`` for a wipe (a page that keeps its renderer busy once
audited would delay it): past that it takes a fresh context, and the late one is closed.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, CDPSession, Dialog, Page

MAX_ORIGINS = 200
WIPE_TIMEOUT_S = 10
WAIT_S = 2  # the most the next démarche waits for a wipe (~0.1 s) before taking a fresh context


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a web URL (the key storage is cleared by), else None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


async def wipe(context: BrowserContext, page: Page, session: CDPSession, origins: set[str]) -> None:
    """Leave ``context`` and ``page`` as a new visitor's; raises when any step fails.
    ``session`` is the page's protocol session, kept for the next tab. The page's dialogs are
    answered meanwhile by its listeners (``leave``, with no tab holding it)."""
    async with asyncio.timeout(WIPE_TIMEOUT_S):
        for other in context.pages:  # a window the last page opened on its way out
            if other is not page:
                await other.close()
        await page.goto("about:blank")
        await asyncio.gather(context.clear_cookies(), context.clear_permissions(), session.send("Page.resetNavigationHistory"),
                             _evaluated(session, "window.name = ''"),
                             *(session.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
                               for origin in sorted(origins)))


async def _evaluated(session: CDPSession, expression: str) -> None:
    """``expression`` in the main world of the page's current document (``about:blank``, ours)."""
    answer = await session.send("Runtime.evaluate", {"expression": expression})
    if answer.get("exceptionDetails"):
        raise RuntimeError(f"wipe step failed: {expression}")


def leave(dialog: Dialog) -> None:
    """The page asks to stay (``beforeunload``) or prompts while leaving: leave, say nothing."""
    accept = dialog.accept() if dialog.type == "beforeunload" else dialog.dismiss()
    asyncio.ensure_future(quietly(accept))


async def quietly(awaitable) -> None:
    """Answering a dialog or closing a popup of a page that may be gone: nothing to report."""
    try:
        await awaitable
    except Exception:  # noqa: BLE001 — the page, the context or the browser closed meanwhile
        pass
