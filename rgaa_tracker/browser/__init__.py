"""Headless Chromium through Playwright: the executable, a pool of browser contexts, a tab that
audits one URL, and the page facts read back from the page, parsed at the boundary.

Nothing here raises for a page-level failure: a tab returns a ``PageResult`` with a machine
``error_code`` and a French ``error``, so a crawl records the failure and goes on.
"""

from .executable import NO_BROWSER, find_executable, launch
from .facts import Link, PageFacts, parse_page_facts
from .failure import classify_error
from .pool import BrowserPool
from .tab import PageResult, Tab, audit_url, axe_options

__all__ = [
    "NO_BROWSER", "BrowserPool", "Link", "PageFacts", "PageResult", "Tab", "audit_url", "axe_options",
    "classify_error", "find_executable", "launch", "parse_page_facts",
]
