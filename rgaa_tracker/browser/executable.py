"""Which Chromium to launch, and launching it: Debian's package on these machines, found through
the settings or the usual paths, since Playwright's own browser download is not possible here.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
from functools import cache
from pathlib import Path

import playwright as playwright_package
from playwright.async_api import Browser, Playwright
from playwright.async_api import Error as PlaywrightError

from ..errors import ConfigError
from ..settings import Settings

logger = logging.getLogger(__name__)
FEATURES = "--disable-features="
CHECK_TIMEOUT_S = 5
_merge_failed = False  # the merge did not hold once: this process launches as configured from then on
# Playwright's own list in its driver: an array of plain string literals, one per line (a
# conditional entry is left out, so the switch read would not match and nothing is merged).
_PLAYWRIGHT_LIST = re.compile(r"disabledFeatures\s*=\s*(?:\([^)]*\)\s*=>\s*)?\[(.*?)\]", re.S)
_PLAIN_NAME = re.compile(r"""^\s*["']([A-Za-z0-9_]+)["'],?\s*$""", re.M)
SYSTEM_BROWSERS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
NO_BROWSER = (
    "Aucun navigateur Chromium trouvé. Installez-en un (Debian : « apt-get install -y chromium » ; "
    "ailleurs : « playwright install chromium ») ou indiquez son chemin dans playwright.config.toml "
    "(browser.executable_path) ou la variable RGAA_TRACKER_BROWSER__EXECUTABLE_PATH."
)

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


def sandboxed(settings: Settings) -> bool:
    """Chromium keeps its sandbox whenever the platform allows it: a page that exploits the
    renderer is then still confined. As root Chromium refuses to start sandboxed, so ``auto``
    turns it off there, loudly; ``on`` makes that a configuration error instead."""
    mode = settings.browser.sandbox
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if mode == "off" or (mode == "auto" and as_root):
        if mode == "auto":
            logger.warning("Chromium runs without its sandbox because rgaa-tracker runs as root: run it as an unprivileged user")
        return False
    if as_root:
        raise ConfigError("Le bac à sable de Chromium (browser.sandbox = \"on\") est impossible en tant que root : "
                          "lancez rgaa-tracker avec un compte non privilégié.")
    return True


async def launch(playwright: Playwright, settings: Settings) -> Browser:
    """Chromium with the configured flags and ``browser.disable_features`` merged into Playwright's
    own ``--disable-features`` switch: Chromium honours the last such switch only, so a second
    one would silently turn Playwright's list back on. The merged switch is checked on the
    running browser's command line. When it does not hold there or cannot be read (a Playwright
    whose list we misread, no ``/proc``), the browser starts again as configured, with one
    warning, and the process does not try merging again."""
    global _merge_failed
    executable = find_executable(settings, playwright.chromium.executable_path)
    # Playwright adds --no-sandbox itself unless told chromium_sandbox; a stray flag in the
    # configured args must not turn the sandbox off behind the setting's back.
    args = [arg for arg in settings.browser.args if arg != "--no-sandbox"]
    options = {"executable_path": executable, "headless": settings.browser.headless, "chromium_sandbox": sandboxed(settings)}
    wanted = [*settings.browser.disable_features, *(name for arg in args if arg.startswith(FEATURES) for name in arg[len(FEATURES):].split(",") if name)]
    own = playwright_disabled_features()
    if wanted and own and not _merge_failed:
        merged = FEATURES + ",".join(dict.fromkeys([*own, *wanted]))
        rest = [arg for arg in args if not arg.startswith(FEATURES)]
        browser = await playwright.chromium.launch(**options, args=[*rest, merged], ignore_default_args=[FEATURES + ",".join(own)])
        try:
            switches = await asyncio.wait_for(_features_switches(browser), CHECK_TIMEOUT_S)
        except asyncio.TimeoutError:
            switches = None
        except BaseException:
            await _close_quietly(browser)
            raise
        if switches == [merged]:
            return browser
        await _close_quietly(browser)
    if wanted and not _merge_failed:
        _merge_failed = True
        logger.warning("Chromium starts without the features merged into Playwright's --disable-features (%s): "
                       "Playwright's list could not be read, or the merge did not show on the browser's command line", ",".join(wanted))
    return await playwright.chromium.launch(**options, args=args)


async def _close_quietly(browser: Browser) -> None:
    try:
        await asyncio.wait_for(browser.close(), CHECK_TIMEOUT_S * 3)
    except (PlaywrightError, asyncio.TimeoutError):
        pass


@cache
def playwright_disabled_features() -> tuple[str, ...] | None:
    """The features Playwright turns off in Chromium, read from its driver (None: not found)."""
    lib = Path(playwright_package.__file__).resolve().parent / "driver" / "package" / "lib"
    for path in (lib / "server" / "chromium" / "chromiumSwitches.js", lib / "coreBundle.js"):
        try:
            source = path.read_text("utf-8")
        except OSError:
            continue
        at = source.find("disabledFeatures")
        while at >= 0:  # the literal first: a regex search through the 3.6 MB bundle costs 13 ms
            found = _PLAYWRIGHT_LIST.match(source, at)
            if found and (names := tuple(_PLAIN_NAME.findall(found.group(1)))):
                return names
            at = source.find("disabledFeatures", at + 1)
    return None


async def _features_switches(browser: Browser) -> list[str] | None:
    """The ``--disable-features`` switches on the running browser's command line (None: not
    readable here, e.g. no ``/proc``: then the merge is not trusted)."""
    try:
        session = await browser.new_browser_cdp_session()
        try:
            processes = (await session.send("SystemInfo.getProcessInfo"))["processInfo"]
        finally:
            await session.detach()
        pid = next(int(p["id"]) for p in processes if p.get("type") == "browser")
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")
    except (OSError, StopIteration, KeyError, TypeError, ValueError, PlaywrightError):
        return None
    return [arg for arg in argv if arg.startswith(FEATURES)]
