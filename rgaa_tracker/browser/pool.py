"""One Chromium process shared by every tab in flight, relaunched when it dies or has served
enough pages, and the browser contexts handed out from it.
"""

from __future__ import annotations

import asyncio
import logging

from playwright.async_api import Browser, BrowserContext, Playwright
from playwright.async_api import Error as PlaywrightError

from ..errors import RunAborted
from ..settings import Settings
from .executable import launch
from .scripts import script

log = logging.getLogger("rgaa_tracker.browser")

class BrowserPool:
    """One browser for all tabs in flight; relaunched when it dies or has served enough pages.

    A restart drains first: every tab gives back its context at its next page, the old browser
    closes, then the new one starts, so two browsers never add up at the memory peak.
    """

    def __init__(self, playwright: Playwright, settings: Settings):
        self.playwright, self.settings = playwright, settings
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
        context = await browser.new_context(
            viewport={"width": self.settings.browser.viewport_width, "height": self.settings.browser.viewport_height},
            user_agent=self.settings.browser.user_agent,
            locale=self.settings.browser.locale,
            accept_downloads=False,
            bypass_csp=True,  # a page's CSP must not forbid our probe
            service_workers="block",  # a first visit, as a new user makes it
        )
        await context.add_init_script(script("settle_probe"))
        return context

    async def release(self, context: BrowserContext) -> None:
        browser = context.browser
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
        async with self.lock:
            for browser in {*self.open, *(b for b in (self.browser, self.retiring) if b)}:
                await self._close(browser)
            self.browser = self.retiring = None
            self.drained.set()
