"""One Chromium process shared by every tab in flight, relaunched when it dies or has served
enough pages, and the browser contexts handed out from it.

A tab that ended its démarche without a failure hands its context and page back, and the next
démarche gets them wiped (``handover.py``): a warm renderer, nothing of the last site. A context
is otherwise new, and with ``prewarm`` the pool keeps one with its blank page made ahead, while
the tabs in flight wait on their pages; contexts are closed off the tabs' path for the same
reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Browser, BrowserContext, CDPSession, Page, Playwright
from playwright.async_api import Error as PlaywrightError

from ..errors import RunAborted
from ..settings import Settings
from . import handover
from .executable import launch
from .scripts import script

log = logging.getLogger("rgaa_tracker.browser")

@dataclass
class Lease:
    """A context and its page lent to a tab; handed over, also its protocol session (requests
    interception on), the main frame's id, how many pages the context served and the listeners
    the first tab registered on them (``tab._Listeners``)."""

    context: BrowserContext
    page: Page
    used: int = 0
    session: CDPSession | None = None
    main_frame: str | None = None
    listeners: Any = None


class BrowserPool:
    """One browser for all tabs in flight; relaunched when it dies or has served enough pages.

    A restart drains first: every tab gives back its context at its next page, the old browser
    closes, then the new one starts, so two browsers never add up at the memory peak.
    """

    def __init__(self, playwright: Playwright, settings: Settings, *, prewarm: bool = False):
        self.playwright, self.settings = playwright, settings
        self.prewarm = prewarm
        # The next tab's context and blank page, made ahead; not counted in ``open`` until taken,
        # so it never holds up a restart's drain (it dies with its browser and is then dropped).
        self._spare: asyncio.Task | None = None
        self._closing: set[asyncio.Task] = set()
        # Contexts handed back at the end of a démarche, each being wiped for the next one.
        self._kept: deque[asyncio.Task] = deque()
        self._late: set[asyncio.Task] = set()  # wipes the next démarche stopped waiting for (``_take_kept``)
        self._origins: dict[BrowserContext, set[str]] = {}  # what each context's pages loaded from
        self.browser: Browser | None = None
        self.served = 0
        self.launches = 0
        self.generation = 0  # bumped at each restart: tabs with an older context reopen
        self.open: dict[Browser, int] = {}
        self.retiring: Browser | None = None
        self.drained = asyncio.Event()
        self.lock = asyncio.Lock()

    async def _launch(self) -> None:
        try:
            self.browser = await launch(self.playwright, self.settings)
        except PlaywrightError as error:
            first_line = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
            raise RunAborted(f"le navigateur ne démarre pas ({first_line})") from error
        self.served, self.launches = 0, self.launches + 1
        log.info("browser launched (launch %d of this crawl)", self.launches)
        self.open[self.browser] = 0

    async def new_context(self) -> BrowserContext:
        while True:
            async with self.lock:
                if self.retiring is None and (self.browser is None or not self.browser.is_connected()):
                    if self.browser is not None:
                        await self._close(self.browser)
                    await self._launch()
                elif self.retiring is None and self.served >= self.settings.crawl.restart_browser_after:
                    self.retiring, self.browser = self.browser, None
                    self.generation += 1
                    self.drained = asyncio.Event()
                    if self.open.get(self.retiring, 0) <= 0:
                        self.drained.set()
                if self.retiring is None:
                    browser = self.browser
                    self.open[browser] += 1
                    break
                drained = self.drained
            try:  # outside the lock: other tabs release their contexts meanwhile (bounded, to be safe)
                await asyncio.wait_for(drained.wait(), self.settings.crawl.navigation_timeout_s + self.settings.crawl.axe_timeout_s)
            except asyncio.TimeoutError:
                pass
            async with self.lock:
                if self.retiring is not None:
                    if self.open.get(self.retiring, 0) <= 0:
                        await self._close(self.retiring)
                    self.retiring = None  # if still in use after the wait, it closes with the pool
                    await self._launch()
        return await self._context(browser)

    async def _context(self, browser: Browser) -> BrowserContext:
        context = await browser.new_context(
            viewport={"width": self.settings.browser.viewport_width, "height": self.settings.browser.viewport_height},
            user_agent=self.settings.browser.user_agent,
            locale=self.settings.browser.locale,
            accept_downloads=False,
            bypass_csp=True,  # a page's CSP must not forbid our probe
            service_workers="block",  # a first visit, as a new user makes it
        )
        await context.add_init_script(script("settle_probe"))
        origins = self._origins[context] = set()

        def loaded(response) -> None:
            if len(origins) <= handover.MAX_ORIGINS and (origin := handover.origin_of(response.url)):
                origins.add(origin)

        context.on("response", loaded)
        return context

    async def start(self) -> None:
        """Launch the browser now, so a crawl fails fast when none can start; the first tab's
        context is then made ahead (with ``prewarm``) instead of being opened and closed."""
        async with self.lock:
            if self.browser is None or not self.browser.is_connected():
                await self._launch()
        if self.prewarm:
            self._start_spare()
        else:
            await self.release(await self.new_context())

    async def open_tab(self) -> Lease:
        """A context with its page: one handed over by an earlier démarche and wiped (with its
        protocol session and the pages it served), else a fresh one — the spare when it is
        still good (same browser, no restart due), else one made now; then the next spare is
        started."""
        kept = await self._take_kept()
        if kept is not None:
            return kept
        context, page = await self._take_spare()
        if context is None:
            context = await self.new_context()
            try:
                page = await context.new_page()
            except BaseException:
                await self.release(context)
                raise
        if self.prewarm:
            self._start_spare()
        return Lease(context, page)

    def hand_over(self, lease: Lease) -> None:
        """Keep a démarche's context and page for the next démarche, wiped meanwhile."""
        self._kept.append(asyncio.ensure_future(self._wipe(lease)))

    def _reusable(self, browser: Browser | None, lease: Lease) -> bool:
        return (browser is self.browser and self.retiring is None and browser is not None and browser.is_connected()
                and not lease.page.is_closed() and self.served < self.settings.crawl.restart_browser_after
                and lease.used < self.settings.crawl.recycle_context_after)

    async def _wipe(self, lease: Lease) -> tuple[Browser, Lease] | None:
        browser = lease.context.browser
        origins = self._origins.get(lease.context, set())
        try:
            if self._reusable(browser, lease) and lease.session is not None and len(origins) <= handover.MAX_ORIGINS:
                await handover.wipe(lease.context, lease.page, lease.session, origins)
                origins.clear()
                return browser, lease
        except Exception:  # noqa: BLE001 — any step that failed: that context is closed, not lent again
            pass
        await self.release(lease.context)
        return None

    async def _take_kept(self) -> Lease | None:
        """The oldest context handed over, once wiped, if still good for a tab. A wipe still
        under way after ``handover.WAIT_S`` (the last page keeps its renderer busy) is left to
        end and close its context: the next démarche takes a fresh one rather than wait."""
        while self._kept:
            task = self._kept.popleft()
            try:
                made = await asyncio.wait_for(asyncio.shield(task), handover.WAIT_S)
            except asyncio.TimeoutError:
                self._late.add(task)
                task.add_done_callback(self._close_late)
                made = None
            except Exception:  # noqa: BLE001 — a wipe that broke: that context is not used again
                made = None
            if made is None:
                continue
            browser, lease = made
            if self._reusable(browser, lease):
                return lease
            await self.release(lease.context)  # a restart is due, or the browser went
        return None

    def _close_late(self, task: asyncio.Task) -> None:
        self._late.discard(task)
        made = task.result() if not task.cancelled() and task.exception() is None else None
        if made is not None:
            self.release_soon(made[1].context)

    def _start_spare(self) -> None:
        if self._spare is None:
            self._spare = asyncio.ensure_future(self._make_spare())

    async def _make_spare(self) -> tuple[Browser, BrowserContext, Page] | None:
        browser = self.browser
        if browser is None or self.retiring is not None or not browser.is_connected():
            return None
        context = None
        try:
            context = await self._context(browser)
            return browser, context, await context.new_page()
        except PlaywrightError:  # the browser went away meanwhile: the next tab makes its own
            if context is not None:
                await _close_quietly(context)
            return None

    async def _take_spare(self) -> tuple[BrowserContext | None, Page | None]:
        task, self._spare = self._spare, None
        if task is None:
            return None, None
        try:
            made = await task
        except Exception:  # noqa: BLE001 — a spare that could not be made: the tab makes its own
            made = None
        if made is None:
            return None, None
        browser, context, page = made
        async with self.lock:
            good = (browser is self.browser and self.retiring is None and browser.is_connected() and not page.is_closed()
                    and self.served < self.settings.crawl.restart_browser_after)
            if good:
                self.open[browser] += 1
        if good:
            return context, page
        await _close_quietly(context)
        return None, None

    def release_soon(self, context: BrowserContext) -> None:
        """A tab gives its context back to be closed, off its path: the next démarche does not
        wait for a close."""
        task = asyncio.ensure_future(self.release(context))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def release(self, context: BrowserContext) -> None:
        browser = context.browser
        self._origins.pop(context, None)
        try:
            await asyncio.wait_for(context.close(), 10)
        except (PlaywrightError, asyncio.TimeoutError):
            pass
        async with self.lock:
            if browser in self.open:
                self.open[browser] -= 1
                if browser is self.retiring and self.open[browser] <= 0:
                    self.drained.set()

    async def _close(self, browser: Browser) -> None:
        self.open.pop(browser, None)
        try:
            if browser.is_connected():
                await asyncio.wait_for(browser.close(), 15)
        except (PlaywrightError, asyncio.TimeoutError):
            pass

    async def close(self) -> None:
        spare, self._spare = self._spare, None
        if spare is not None:
            spare.cancel()
            await asyncio.wait([spare], timeout=15)
            made = spare.result() if spare.done() and not spare.cancelled() and spare.exception() is None else None
            if made is not None:
                await _close_quietly(made[1])
        kept, self._kept = [*self._kept, *self._late], deque()
        for task in kept:  # no démarche will take these contexts: not wiped, closed with their browser
            task.cancel()
        if kept:
            await asyncio.wait(kept, timeout=handover.WIPE_TIMEOUT_S + 5)
        if self._closing:
            await asyncio.wait(list(self._closing), timeout=15)
        async with self.lock:
            for browser in {*self.open, *(b for b in (self.browser, self.retiring) if b)}:
                await self._close(browser)
            self.browser = self.retiring = None
            self.drained.set()


async def _close_quietly(context: BrowserContext) -> None:
    try:
        await asyncio.wait_for(context.close(), 10)
    except (PlaywrightError, asyncio.TimeoutError):
        pass
