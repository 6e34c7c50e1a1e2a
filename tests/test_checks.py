"""Our own RGAA checks against fixture pages in real Chromium (issue #16).

Each check has a folder ``tests/fixtures/checks/<check id>/`` of pages: ``fail-*.html`` that must
fail and ``pass-*.html`` near-identical pages that must pass. A page states what it expects in
``<meta name="rgaa-expect" content="11.5.1=non_conforme 11.6.1=sans_anomalie">``; every test of
the check it names is asserted exactly. A passing page must also raise nothing in any of our
checks: false positives are what costs an auditor's trust.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from rgaa_tracker.browser import BrowserPool, Tab
from rgaa_tracker.checks import registry
from rgaa_tracker.settings import get_settings

from .conftest import FIXTURES, serve_directory

CHECK_PAGES = FIXTURES / "checks"
# One module fixture audits ~100 pages in real Chromium: more than one test's default bound.
pytestmark = pytest.mark.timeout(900)
EXPECT = re.compile(r'<meta name="rgaa-expect" content="([^"]*)"')


def fixture_pages() -> list[Path]:
    return sorted(CHECK_PAGES.glob("*/*.html"))


def expectations(path: Path) -> dict[str, str]:
    match = EXPECT.search(path.read_text(encoding="utf-8"))
    assert match, f"{path} states no expectation"
    return dict(item.split("=") for item in match.group(1).split())


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    """Every fixture page audited once, by two tabs; each page starts a démarche of its own
    (the tab forgets the titles it saw, so 8.6.1 compares nothing across fixtures)."""
    server = serve_directory(CHECK_PAGES)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    get_settings.cache_clear()
    settings = get_settings()

    async def run():
        async with async_playwright() as playwright:
            pool = BrowserPool(playwright, settings)
            pending = list(fixture_pages())
            results: dict[Path, object] = {}

            async def worker():
                tab = Tab(pool)
                try:
                    while pending:
                        path = pending.pop()
                        tab.titles.clear()
                        results[path] = await tab.audit(f"{base}/{path.parent.name}/{path.name}")
                finally:
                    await tab.close()

            try:
                await asyncio.gather(worker(), worker())
                return results
            finally:
                await pool.close()

    try:
        yield asyncio.run(run())
    finally:
        server.shutdown()
        server.server_close()


def test_every_check_has_two_failing_and_two_passing_pages():
    for check in registry():
        folder = CHECK_PAGES / check.id
        fails, passes = list(folder.glob("fail-*.html")), list(folder.glob("pass-*.html"))
        assert len(fails) >= 2 and len(passes) >= 2, f"{check.id}: {len(fails)} failing, {len(passes)} passing fixture pages"
        covered = {test for page in fails for test, status in expectations(page).items() if status in ("non_conforme", "a_verifier")}
        assert covered == set(check.tests) - set(getattr(check, "untested", ())), (check.id, covered)


@pytest.mark.parametrize("path", fixture_pages(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_check_verdicts_on_fixture_pages(audited, path):
    result = audited[path]
    assert result.error_code is None, result.error
    by_id = {r.check.id: r for r in result.checks}
    check = by_id[path.parent.name]
    assert check.error is None, check.error
    statuses = check.statuses()
    for test, expected in expectations(path).items():
        assert statuses[test] == expected, (test, [f.as_json() for f in check.findings])
    for finding in check.findings:
        assert finding.reason and finding.test in check.check.tests
        assert finding.selector or finding.test.startswith(("8.1", "8.6", "10.11", "13.2")), finding  # page-wide tests name no element
    if path.name.startswith("pass-"):
        raised = {r.check.id: [f.as_json() for f in r.findings] for r in result.checks if r.findings or r.error}
        assert raised == {}, "a passing page must raise nothing in any check"
