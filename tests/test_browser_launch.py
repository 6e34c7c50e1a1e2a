"""Launching Chromium (issue #20): our ``browser.disable_features`` merged into Playwright's own
``--disable-features`` switch, checked on the running browser's command line, and what it is
for: two browser contexts navigating in turn no longer fork a renderer process per navigation.

Real Chromium, pages served on 127.0.0.1; renderer processes counted from ``/proc`` by a
sampling thread. Asserts on process counts, never on times.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading

import psutil
import pytest
from playwright.async_api import async_playwright

from rgaa_tracker.browser import executable
from rgaa_tracker.browser.executable import FEATURES, launch, playwright_disabled_features
from rgaa_tracker.settings import get_settings

from .conftest import serve_directory

pytestmark = [pytest.mark.timeout(180),
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the command line is read from /proc")]
SPARE = "SpareRendererForSitePerProcess"


def _settings(**browser):
    settings = get_settings()
    return settings.model_copy(update={"browser": settings.browser.model_copy(update=browser)})


READ_SWITCHES = executable._features_switches


async def _switches(settings) -> list[list[str]]:
    """The features of each ``--disable-features`` switch of a browser launched as the crawl does."""
    async with async_playwright() as playwright:
        browser = await launch(playwright, settings)
        try:
            switches = await READ_SWITCHES(browser)
        finally:
            await browser.close()
    assert switches is not None, "the browser's command line could not be read"
    return [switch[len(FEATURES):].split(",") for switch in switches]


def test_our_features_join_playwrights_switch():
    own = playwright_disabled_features()
    assert own, "Playwright's own list of disabled features was not found in its driver"
    switches = asyncio.run(_switches(_settings()))
    assert len(switches) == 1  # a second switch would silently replace the first
    assert set(own) <= set(switches[0]) and SPARE in switches[0]


def test_a_configured_disable_features_flag_is_merged_too():
    settings = _settings(args=[*get_settings().browser.args, "--disable-features=Translate"])
    switches = asyncio.run(_switches(settings))
    assert len(switches) == 1
    assert {"Translate", SPARE, *playwright_disabled_features()} <= set(switches[0])


@pytest.mark.parametrize("failure", ["misread", "unreadable"])
def test_a_merge_that_does_not_hold_leaves_playwrights_list_alone(failure, monkeypatch, caplog):
    """Our reading of Playwright's list is wrong (a newer driver computes it otherwise: the
    browser carries two switches), or the command line cannot be read back: the browser is
    closed and started again without ours, once with a warning, and not tried again."""
    own = set(playwright_disabled_features())  # Playwright's, as read from its driver
    monkeypatch.setattr(executable, "_merge_failed", False)  # and put back as it was after the test
    if failure == "misread":
        monkeypatch.setattr(executable, "playwright_disabled_features", lambda: ("NotPlaywrightsList",))
    else:
        async def unreadable(_browser):
            return None
        monkeypatch.setattr(executable, "_features_switches", unreadable)
    with caplog.at_level(logging.WARNING, logger=executable.logger.name):
        launches = [asyncio.run(_switches(_settings())) for _ in range(2)]
    for switches in launches:
        assert len(switches) == 1 and SPARE not in switches[0] and own <= set(switches[0])
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "--disable-features" in r.getMessage()]
    assert len(warnings) == 1 and SPARE in warnings[0].getMessage()


def _renderers_now() -> set[int]:
    found = set()
    for child in psutil.Process().children(recursive=True):
        try:
            if "--type=renderer" in child.cmdline():
                found.add(child.pid)
        except psutil.Error:
            pass
    return found


class _Renderers:
    """Every renderer process of this process's tree seen while it runs (sampled every 5 ms:
    a spare renderer thrown away lives some tens of milliseconds)."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            for child in me.children(recursive=True):
                if child.pid not in self.seen:
                    try:
                        if "--type=renderer" in child.cmdline():
                            self.seen.add(child.pid)
                    except psutil.Error:
                        pass
            self._stop.wait(0.005)

    def __enter__(self) -> _Renderers:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


async def _renderers_forked(settings, base_url: str, navigations: int) -> int:
    """Renderer processes started while two contexts (two démarches' tabs) navigate in turn,
    once both are up."""
    async with async_playwright() as playwright:
        browser = await launch(playwright, settings)
        pages = []
        for _ in range(2):
            page = await (await browser.new_context()).new_page()
            await page.goto(f"{base_url}/page0.html")
            pages.append(page)
        await asyncio.sleep(0.5)  # the renderers of the start, spare included, are up
        before = _renderers_now()
        with _Renderers() as renderers:
            for number in range(1, navigations + 1):
                await asyncio.gather(*(page.goto(f"{base_url}/page{number}.html") for page in pages))
            await asyncio.sleep(0.3)
        await browser.close()
    return len(renderers.seen - before)


def test_two_contexts_navigating_in_turn_keep_their_renderers(tmp_path):
    for number in range(13):
        (tmp_path / f"page{number}.html").write_text(
            f"<!DOCTYPE html><html lang='fr'><head><title>Page {number}</title></head><body><p>{number}</p></body></html>", encoding="utf-8")
    server = serve_directory(tmp_path)
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        ours = asyncio.run(_renderers_forked(_settings(), base_url, 12))
        without = asyncio.run(_renderers_forked(_settings(disable_features=[]), base_url, 12))
    finally:
        server.shutdown()
        server.server_close()
    assert ours <= 2, f"{ours} renderer processes forked for 24 navigations"
    assert without > ours  # the control: Chromium's spare renderer, thrown away navigation after navigation
