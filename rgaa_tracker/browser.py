"""Headless Chromium through Playwright: finding an executable, and auditing one URL.

``audit_url`` never raises for a page-level failure: it returns a ``PageResult`` with a machine
``error_code`` and a French ``error``, so a crawl records the failure and goes on.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Error as PlaywrightError, Playwright
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
# Text and links are read after axe, in one round trip; capped so a huge page stays cheap.
_PAGE_FACTS_JS = """() => {
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

    @property
    def ok(self) -> bool:
        return self.error_code is None and self.axe is not None


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


def describe_executable(settings: Settings, playwright: Playwright) -> str:
    found = find_executable(settings, playwright.chromium.executable_path)
    return found or f"{playwright.chromium.executable_path} (navigateur de Playwright)"


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


def classify_error(error: BaseException, url: str) -> tuple[str, str]:
    """(machine code, French reason) for a failure while opening or auditing ``url``."""
    message = str(error)
    table = (
        ("ERR_CONNECTION_REFUSED", "connection_refused", "connexion refusée par le serveur"),
        ("ERR_NAME_NOT_RESOLVED", "dns", "nom de domaine introuvable"),
        ("ERR_TOO_MANY_REDIRECTS", "redirect_loop", "trop de redirections (boucle)"),
        ("Download is starting", "download", "l'adresse déclenche un téléchargement au lieu d'afficher une page"),
        ("ERR_ABORTED", "aborted", "chargement interrompu (téléchargement ou redirection annulée)"),
        ("ERR_CONNECTION_RESET", "connection_reset", "connexion interrompue par le serveur"),
        ("ERR_EMPTY_RESPONSE", "empty_response", "le serveur n'a rien répondu"),
        ("ERR_UNSAFE_PORT", "invalid_url", "port refusé par le navigateur"),
        ("ERR_CERT", "tls", "certificat TLS invalide"),
        ("ERR_SSL", "tls", "erreur TLS"),
        ("crashed", "crash", "le moteur de rendu de la page a planté"),
        ("Target closed", "crash", "la page ou le navigateur s'est fermé pendant l'audit"),
        ("has been closed", "crash", "la page ou le navigateur s'est fermé pendant l'audit"),
        ("Cannot navigate to invalid URL", "invalid_url", "adresse invalide"),
        ("invalid URL", "invalid_url", "adresse invalide"),
    )
    if isinstance(error, (PlaywrightTimeout, asyncio.TimeoutError, TimeoutError)):
        return "timeout", f"délai dépassé en ouvrant ou en auditant {url}"
    for needle, code, reason in table:
        if needle in message:
            return code, f"{reason} ({url})"
    first_line = message.strip().splitlines()[0] if message.strip() else type(error).__name__
    return "browser_error", f"erreur du navigateur sur {url} : {first_line[:300]}"


async def _settle(page, timeout_s: float) -> None:
    """Bounded wait for network quiet, so script-rendered content is audited whole."""
    if timeout_s <= 0:
        return
    try:
        await page.wait_for_load_state("networkidle", timeout=timeout_s * 1000)
    except PlaywrightTimeout:
        pass


async def audit_url(browser: Browser, url: str, settings: Settings, *, axe: Axe | None = None) -> PageResult:
    """Open ``url`` in a fresh context, run axe, read links and footer; never raises for the page."""
    result = PageResult(url=url)
    crawl = settings.crawl
    context = None
    try:
        context = await browser.new_context(
            viewport={"width": settings.browser.viewport_width, "height": settings.browser.viewport_height},
            user_agent=settings.browser.user_agent,
            locale=settings.browser.locale,
        )
        context.set_default_timeout(crawl.navigation_timeout_s * 1000)
        page = await context.new_page()
        started = time.perf_counter()
        response = await page.goto(url, wait_until="load", timeout=crawl.navigation_timeout_s * 1000)
        await _settle(page, crawl.settle_timeout_s)
        result.load_ms = round((time.perf_counter() - started) * 1000)
        result.final_url = page.url
        result.http_status = response.status if response else None
        result.title = (await page.title())[:1000]
        if result.http_status is not None and result.http_status >= 400:
            result.error_code = "http_error"
            result.error = f"le serveur a répondu HTTP {result.http_status} ({url})"
            return result
        axe = axe or Axe(axe_script())
        audited = await asyncio.wait_for(axe.run(page, options=axe_options(settings)), crawl.axe_timeout_s)
        result.axe = audited.response
        facts = await page.evaluate(_PAGE_FACTS_JS)
        result.links = [(text, href) for text, href in facts["links"]]
        result.footer_text = facts["footer"]
        result.text = facts["text"]
    except (PlaywrightError, asyncio.TimeoutError, TimeoutError) as error:
        result.error_code, result.error = classify_error(error, url)
    finally:
        if context is not None:
            try:
                await context.close()
            except PlaywrightError:
                pass
    return result
