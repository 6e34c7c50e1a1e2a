"""Which Chromium to launch, and launching it: Debian's package on these machines, found through
the settings or the usual paths, since Playwright's own browser download is not possible here.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from playwright.async_api import Browser, Playwright

from ..errors import ConfigError
from ..settings import Settings

logger = logging.getLogger(__name__)
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
    executable = find_executable(settings, playwright.chromium.executable_path)
    # Playwright adds --no-sandbox itself unless told chromium_sandbox; a stray flag in the
    # configured args must not turn the sandbox off behind the setting's back.
    args = [arg for arg in settings.browser.args if arg != "--no-sandbox"]
    return await playwright.chromium.launch(
        executable_path=executable, headless=settings.browser.headless, args=args, chromium_sandbox=sandboxed(settings)
    )
