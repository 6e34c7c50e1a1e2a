"""Headless Chromium through Playwright: finding an executable, a pool of reusable tabs, and
auditing one URL.

Auditing never raises for a page-level failure: it returns a ``PageResult`` with a machine
``error_code`` and a French ``error``, so a crawl records the failure and goes on. Tabs are
reused (navigating a live tab costs a fraction of opening one) and recycled after a number of
pages or any failure; the browser process is restarted after a number of pages or a crash, so
memory stays flat however long the crawl.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, Playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from .errors import ConfigError
from .rgaa import axe_script
from .settings import Settings

SYSTEM_BROWSERS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
NO_BROWSER = (
    "Aucun navigateur Chromium trouvé. Installez-en un (Debian : « apt-get install -y chromium » ; "
    "ailleurs : « playwright install chromium ») ou indiquez son chemin dans playwright.config.toml "
    "(browser.executable_path) ou la variable RGAA_TRACKER_BROWSER__EXECUTABLE_PATH."
)
TRANSIENT = {"timeout", "connection_refused", "connection_reset", "empty_response", "crash", "browser_error"}
TRANSIENT_HTTP = {429, 502, 503, 504}
# Installed before any page script: records the last DOM change and counts fetch/XHR in flight,
# so "settled" means quiet for real, not a fixed sleep.
_SETTLE_PROBE = """(() => {
  if (window.__rgaa) return;
  const state = window.__rgaa = {last: performance.now(), inflight: 0};
  const mark = () => { state.last = performance.now(); };
  new MutationObserver(mark).observe(document, {childList: true, subtree: true, characterData: true});
  if (window.fetch) {
    const fetch0 = window.fetch;
    window.fetch = function (...args) {
      state.inflight++;
      return fetch0.apply(this, args).finally(() => { state.inflight--; mark(); });
    };
  }
  // Short timers (<= 1 s) usually start rendering; longer ones are polling, not awaited.
  const timers = state.timers = new Set();
  const setTimeout0 = window.setTimeout, clearTimeout0 = window.clearTimeout;
  window.setTimeout = function (fn, delay, ...rest) {
    if (typeof fn !== 'function' || (delay || 0) > 1000) return setTimeout0.call(this, fn, delay, ...rest);
    const id = setTimeout0.call(this, function (...args) {
      timers.delete(id);
      try { return fn.apply(this, args); } finally { mark(); }
    }, delay, ...rest);
    timers.add(id);
    return id;
  };
  window.clearTimeout = function (id) { timers.delete(id); return clearTimeout0.call(this, id); };
  const send0 = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    state.inflight++;
    this.addEventListener('loadend', () => { state.inflight--; mark(); }, {once: true});
    return send0.apply(this, args);
  };
})();"""
_SETTLED = """(quiet) => !window.__rgaa || (window.__rgaa.inflight <= 0 && window.__rgaa.timers.size === 0
  && performance.now() - window.__rgaa.last >= quiet)"""
_SIZE = """() => [document.getElementsByTagName('*').length,
  ((performance.getEntriesByType('navigation')[0] || {}).decodedBodySize) || 0]"""
# Text and links are read after axe, in one round trip; capped so a huge page stays cheap.
_PAGE_FACTS = """() => {
  const text = (el) => (el.innerText || el.textContent || el.getAttribute('aria-label') || el.title || '').trim();
  const links = Array.from(document.querySelectorAll('a[href]')).slice(0, 3000)
    .map((a) => [text(a) || (a.querySelector('img[alt]') ? a.querySelector('img[alt]').alt : ''), a.href]);
  const footer = Array.from(document.querySelectorAll('footer, [role=contentinfo]'))
    .map((el) => el.innerText).join('\\n');
  return {links, footer: footer.slice(0, 20000), text: (document.body ? document.body.innerText : '').slice(0, 200000)};
}"""


@dataclass
class PageResult:
    url: str
    final_url: str | None = None
    http_status: int | None = None
    title: str | None = None
    load_ms: int | None = None
    axe: dict | None = None
    links: list[tuple[str, str]] = field(default_factory=list)
    footer_text: str = ""
    text: str = ""
    error_code: str | None = None
    error: str | None = None
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.error_code is None and self.axe is not None

    @property
    def transient(self) -> bool:
        return self.error_code in TRANSIENT or (self.error_code == "http_error" and self.http_status in TRANSIENT_HTTP)


def find_executable(settings: Settings, playwright_path: str | None = None) -> str | None:
    """The Chromium to launch; None means Playwright's own installed build.

    Order: setting/env var, Playwright's own browser, then the system's packages.
    """
    configured = settings.browser.executable_path.strip()
    if configured:
        if not Path(configured).is_file():
            raise ConfigError(f"Le navigateur configuré est introuvable : {configured}. {NO_BROWSER}")
        return configured
    if playwright_path and Path(playwright_path).is_file():
        return None
    for candidate in SYSTEM_BROWSERS:
        if Path(candidate).is_file() or shutil.which(Path(candidate).name) == candidate:
            return candidate
    raise ConfigError(NO_BROWSER)


async def launch(playwright: Playwright, settings: Settings) -> Browser:
    executable = find_executable(settings, playwright.chromium.executable_path)
    return await playwright.chromium.launch(
        executable_path=executable, headless=settings.browser.headless, args=settings.browser.args
    )


def axe_options(settings: Settings) -> dict:
    # resultTypes keeps node lists only where we need them: passes come back with one node.
    options: dict = {"resultTypes": ["violations", "incomplete"]}
    if settings.crawl.axe_rules == "rgaa":
        options["runOnly"] = {"type": "tag", "values": ["RGAAv4"]}
    return options


_ERRORS = (
    ("ERR_CONNECTION_REFUSED", "connection_refused", "connexion refusée par le serveur"),
    ("ERR_NAME_NOT_RESOLVED", "dns", "nom de domaine introuvable"),
    ("ERR_TOO_MANY_REDIRECTS", "redirect_loop", "trop de redirections (boucle)"),
    ("Download is starting", "download", "l'adresse déclenche un téléchargement au lieu d'afficher une page"),
    ("ERR_ABORTED", "download", "chargement interrompu : l'adresse déclenche probablement un téléchargement"),
    ("ERR_CONNECTION_RESET", "connection_reset", "connexion interrompue par le serveur"),
    ("ERR_CONNECTION_CLOSED", "connection_reset", "connexion fermée par le serveur"),
    ("ERR_EMPTY_RESPONSE", "empty_response", "le serveur n'a rien répondu"),
    ("ERR_INVALID_HTTP_RESPONSE", "empty_response", "réponse HTTP invalide"),
    ("ERR_UNSAFE_PORT", "invalid_url", "port refusé par le navigateur"),
    ("ERR_CERT", "tls", "certificat TLS invalide"),
    ("ERR_SSL", "tls", "erreur TLS"),
    ("crashed", "crash", "le moteur de rendu de la page a planté"),
    ("Target closed", "crash", "la page ou le navigateur s'est fermé pendant l'audit"),
    ("has been closed", "crash", "la page ou le navigateur s'est fermé pendant l'audit"),
    ("invalid URL", "invalid_url", "adresse invalide"),
)


def classify_error(error: BaseException, url: str) -> tuple[str, str]:
    """(machine code, French reason) for a failure while opening or auditing ``url``."""
    if isinstance(error, (PlaywrightTimeout, asyncio.TimeoutError, TimeoutError)):
        return "timeout", f"délai dépassé en ouvrant ou en auditant la page ({url})"
    message = str(error)
    for needle, code, reason in _ERRORS:
        if needle in message:
            return code, f"{reason} ({url})"
    first_line = message.strip().splitlines()[0] if message.strip() else type(error).__name__
    return "browser_error", f"erreur du navigateur : {first_line[:300]} ({url})"


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
        self.browser = await launch(self.playwright, self.settings)
        self.served, self.launches = 0, self.launches + 1
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
        )
        await context.add_init_script(_SETTLE_PROBE)
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


class Tab:
    """A reusable tab; holds per-page state (dialogs, crash) between events and the audit."""

    def __init__(self, pool: BrowserPool, axe: Axe | None = None):
        self.pool, self.settings = pool, pool.settings
        self.axe = axe or Axe(axe_script())
        self.context: BrowserContext | None = None
        self.page: Page | None = None
        self.used = 0
        self.generation = -1
        self.dialogs: list[str] = []
        self.crashed = False

    async def _open(self) -> Page:
        await self.close()
        self.generation = self.pool.generation
        self.context = await self.pool.new_context()
        self.generation = self.pool.generation
        self.context.set_default_timeout(self.settings.crawl.navigation_timeout_s * 1000)
        page = await self.context.new_page()
        page.on("dialog", self._on_dialog)
        page.on("crash", lambda _page: setattr(self, "crashed", True))
        self.page, self.used = page, 0
        return page

    def _on_dialog(self, dialog) -> None:
        if dialog.type == "beforeunload":  # the previous page's: let the tab move on
            asyncio.ensure_future(dialog.accept())
            return
        self.dialogs.append(f"{dialog.type} « {dialog.message[:200]} »")
        asyncio.ensure_future(dialog.dismiss())

    async def close(self) -> None:
        if self.context is not None:
            context, self.context, self.page = self.context, None, None
            await self.pool.release(context)

    async def audit(self, url: str) -> PageResult:
        crawl = self.settings.crawl
        stale = self.generation != self.pool.generation  # the browser is being restarted
        if self.page is None or self.page.is_closed() or self.used >= crawl.recycle_context_after or self.crashed or stale:
            self.crashed = False
            await self._open()
        else:
            await self.context.clear_cookies()
        self.used += 1
        self.pool.served += 1
        self.dialogs = []
        result = PageResult(url=url)
        page = self.page
        try:
            started = time.perf_counter()
            response = await page.goto(url, wait_until="load", timeout=crawl.navigation_timeout_s * 1000)
            await self._settle(page)
            result.load_ms = round((time.perf_counter() - started) * 1000)
            result.final_url = page.url
            result.http_status = response.status if response else None
            result.title = (await page.title())[:1000]
            if result.http_status is not None and result.http_status >= 400:
                result.error_code, result.error = "http_error", f"le serveur a répondu HTTP {result.http_status} ({url})"
                return result
            elements, size = await page.evaluate(_SIZE)
            if elements > crawl.max_dom_elements or size > crawl.max_page_mb * 1_000_000:
                result.error_code = "too_large"
                result.error = f"page trop volumineuse pour être auditée ({elements} éléments, {size / 1e6:.1f} Mo) ({url})"
                return result
            audited = await asyncio.wait_for(self.axe.run(page, options=axe_options(self.settings)), crawl.axe_timeout_s)
            result.axe = audited.response
            facts = await asyncio.wait_for(page.evaluate(_PAGE_FACTS), crawl.axe_timeout_s)
            result.links = [(text, href) for text, href in facts["links"]]
            result.footer_text, result.text = facts["footer"], facts["text"]
        except (PlaywrightError, asyncio.TimeoutError, TimeoutError) as error:
            result.error_code, result.error = classify_error(error, url)
            if self.crashed:
                result.error_code, result.error = "crash", f"le moteur de rendu de la page a planté ({url})"
            await self.close()  # a tab that failed is not trusted for the next page
        if self.dialogs and result.error_code is None:
            result.error_code = "dialog"
            result.error = f"la page a ouvert une boîte de dialogue ({'; '.join(self.dialogs)}) ({url})"
        return result

    async def _settle(self, page: Page) -> None:
        """Bounded wait for no DOM change and no fetch/XHR for ``quiet_ms``."""
        crawl = self.settings.crawl
        if crawl.settle_timeout_s <= 0:
            return
        try:
            # "raf" polling: interval polling would go through the setTimeout the probe wraps.
            await page.wait_for_function(_SETTLED, arg=crawl.quiet_ms, polling="raf", timeout=crawl.settle_timeout_s * 1000)
        except PlaywrightTimeout:
            pass  # a page that never settles is audited as it stands


async def audit_url(browser_pool: BrowserPool, url: str) -> PageResult:
    """Audit one URL in its own tab (used by ``rgaa-tracker audit``)."""
    tab = Tab(browser_pool)
    try:
        return await tab.audit(url)
    finally:
        await tab.close()
