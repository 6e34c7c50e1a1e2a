"""``python -m rgaa_tracker.browser.check``: say which Chromium will be used; exit 1 if none."""

import sys

from playwright.sync_api import sync_playwright

from .executable import find_executable
from ..errors import ConfigError
from ..settings import get_settings


def main() -> int:
    with sync_playwright() as playwright:
        own = playwright.chromium.executable_path
    try:
        found = find_executable(get_settings(), own)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Navigateur utilisé : {found or own + ' (navigateur de Playwright)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
