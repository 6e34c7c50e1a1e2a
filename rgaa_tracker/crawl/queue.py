"""The crawl queue: démarches audited by a bounded pool of tabs, one démarche per tab at a time.

A démarche is audited whole by one tab (its start page, then the RGAA sample pages found on it);
its browser context goes to the next démarche only wiped (``browser/handover.py``). A URL shared by several démarches (a ministry's common
statement page) is audited once per run and its result reused. Whatever goes wrong with one
page — in the browser, in our parsing, in storing — is stored on that page and the run goes on;
only ``RunAborted`` (no browser, database gone) and cancellation end the run.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from concurrent.futures import ThreadPoolExecutor

from playwright.async_api import async_playwright

from ..browser import BrowserPool, PageResult, Tab
from ..browser.tab import Reusable
from ..errors import TrackerError
from ..rgaa import axe_script
from ..settings import Settings
from ..statement import sample_pages
from .store import Target, slim

log = logging.getLogger("rgaa_tracker.crawl")
SyncStore = Callable[[Target, str, PageResult], None]
Store = Callable[[Target, str, PageResult], Awaitable[None]]


def internal_error(url: str, error: BaseException, during: str) -> PageResult:
    """The page result of a bug of ours: logged with its traceback, stored on this page only."""
    log.error("internal error while %s %s", during, url, exc_info=error)
    message = " ".join(str(error).split())[:200] or "sans message"
    return PageResult(url=url).fail("internal_error", f"erreur interne de rgaa-tracker en {during} la page : {type(error).__name__} : {message}")


Gate = Callable[[str], AbstractAsyncContextManager[None]]


async def audit_with_retries(tab: Tab, url: str, settings: Settings, gate: Gate | None = None) -> PageResult:
    """Transient failures (timeout, reset, 502/503/504, crash) are retried with doubling backoff.

    ``gate`` (the distributed mode's per-host limit) is held while the page loads and is audited,
    not during the backoff, so a slow host does not hold a slot asleep.
    """
    crawl = settings.crawl
    for attempt in range(crawl.retries + 1):
        try:
            if gate is None:
                result = await tab.audit(url)
            else:
                async with gate(url):
                    result = await tab.audit(url)
        except TrackerError:
            raise
        except Exception as error:  # noqa: BLE001 — our bug on this page: stored, the run goes on
            await tab.close()
            return internal_error(url, error, "auditant")
        result.attempts = attempt + 1
        if not result.transient or attempt == crawl.retries:
            return result
        await asyncio.sleep(crawl.retry_backoff_s * 2**attempt)
    return result


def samples_of(result: PageResult, url: str, limit: int) -> list[tuple[str, str]]:
    if not result.ok:
        return []
    try:
        return sample_pages(result.final_url or url, result.links, limit)
    except Exception as error:  # noqa: BLE001
        failed = internal_error(url, error, "cherchant les pages de l'échantillon sur")
        result.axe, result.error_code, result.error = None, failed.error_code, failed.error
        return []


async def audit_demarche(
    pool: BrowserPool,
    target: Target,
    settings: Settings,
    store: Store,
    *,
    axe_source: str | None = None,
    audited: dict[str, asyncio.Future[PageResult]] | None = None,
    stopped: Callable[[], bool] = lambda: False,
    stored: frozenset[str] = frozenset(),
    gate: Gate | None = None,
    reusable: Reusable | None = None,
) -> None:
    """Audit one démarche whole — its start page, then the RGAA sample pages found on it — in
    one tab, storing each page as soon as it is audited. The one unit of work of both modes: the
    in-process crawl runs it on a pool of tabs, the distributed mode as one job.

    ``audited`` shares a URL's result between démarches of one in-process run. ``stored`` names
    the URLs this démarche already has in the run (a job delivered again): they are not stored
    again, and sample pages among them are not even audited; the start page is, for its links.
    """
    limit = settings.crawl.pages_per_demarche
    tab = Tab(pool, axe_source or axe_script(), reusable=reusable)

    async def page(role: str, url: str, last: bool = False) -> list[tuple[str, str]]:
        loop = asyncio.get_running_loop()
        shared = audited.get(url) if audited is not None else None
        if shared is not None:
            if not shared.done():
                await tab.close(hand_over=True)  # waiting on another tab: give the context back meanwhile
            result = await shared
            samples = samples_of(result, url, limit) if role == "start" else []
        else:
            future = None
            if audited is not None:
                future = audited[url] = loop.create_future()
            try:
                result = await audit_with_retries(tab, url, settings, gate)
                # Before storing and sharing: a failure to find them is stored on this page.
                samples = samples_of(result, url, limit) if role == "start" else []
            except BaseException as error:  # démarches waiting on this URL must not wait forever
                if future is not None:
                    future.set_exception(error)
                    future.exception()  # mark retrieved: the error propagates from here
                raise
            if future is not None:
                future.set_result(slim(result))
        if last or (role == "start" and all(sample in stored for _, sample in samples)):
            await tab.close(hand_over=True)  # the démarche's last page: the next one's wipe starts while this one is stored
        if url not in stored:
            await store(target, role, result)
        return samples

    ended = False
    try:
        samples = [(role, url) for role, url in await page("start", target.url) if url not in stored]
        for index, (role, url) in enumerate(samples):
            if stopped():
                break
            await page(role, url, last=index == len(samples) - 1)
        ended = True
    finally:  # the next démarche gets the context wiped, unless this one was cut short
        await tab.close(hand_over=ended)


async def crawl_pages(
    run_targets: list[Target],
    settings: Settings,
    concurrency: int,
    store: SyncStore,
    stop: threading.Event | None = None,
    reusable: Reusable | None = None,
) -> None:
    """Audit every target and its sample pages with ``concurrency`` tabs; ``store`` each result.

    Setting ``stop`` makes the tabs take no new page; pages in flight are finished and stored.
    ``reusable`` (``crawl/reuse.py``: a URL's last reusable audit) turns on incremental audits:
    an unchanged page reuses that audit; None audits every page in full.
    """
    pending = deque(run_targets)
    audited: dict[str, asyncio.Future[PageResult]] = {}
    axe_source = axe_script()
    # Storing (JSON, gzip, SQL) runs on one thread of its own: the event loop keeps driving the
    # browser meanwhile, and the database session is only ever used from that thread.
    storer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
    stopped = stop.is_set if stop else (lambda: False)

    async def store_off_loop(target: Target, role: str, result: PageResult) -> None:
        await asyncio.get_running_loop().run_in_executor(storer, store, target, role, result)

    async def worker(pool: BrowserPool) -> None:
        while pending and not stopped():
            await audit_demarche(pool, pending.popleft(), settings, store_off_loop, axe_source=axe_source,
                                 audited=audited, stopped=stopped, reusable=reusable)

    async with async_playwright() as playwright:
        pool = BrowserPool(playwright, settings, prewarm=True)
        await pool.start()  # fail fast when no browser can start
        try:
            await asyncio.gather(*(worker(pool) for _ in range(max(1, concurrency))))
        finally:
            await pool.close()
            storer.shutdown(wait=True)
