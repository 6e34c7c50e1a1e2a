"""Auditing one URL in the browser tab of one démarche.

A tab belongs to one démarche. Within the démarche the tab is reused (navigating a live tab
costs a fraction of opening one) and reopened on a fresh context after any failure. At its end
the context and page go back to the pool, which wipes them (cookies, storage of every origin,
window name, history: ``handover.py``) before the next démarche's tab gets them, so nothing of
one démarche's site can colour another's audit while the renderer stays warm.

Everything we run in the page runs in an isolated world (``world.py``) and everything it sends
back is parsed into typed values (``facts.py``). What the page does to us — dialogs, popups,
reloads, resources that never finish — is worked around and noted; the page is still audited.
Each page has a time budget: it ends with an audit or an error code, never hangs the crawl.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, CDPSession, Dialog, Page, Response
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from ..link import web_url
from ..rgaa import axe_script
from ..settings import Settings
from . import egress, fingerprint, shots, world
from .facts import Link, PageFacts, parse_page_facts
from .failure import TRANSIENT, TRANSIENT_HTTP, classify_error
from .handover import leave, quietly
from .pool import BrowserPool, Lease
from .scripts import script

log = logging.getLogger("rgaa_tracker.browser")
HTML_TYPES = ("text/html", "application/xhtml+xml")
NO_CONTENT = (204, 205)
NAVIGATION_RETRIES = 2  # a page that keeps navigating is read again at most this many times
MAX_DIALOG_NOTES = 5
MAX_EVENT_NOTES = 20
SETTLE_POLL_S = 0.05  # while the page is busy (DOM changes, fetch/XHR, short timers in flight)


class Reusable(Protocol):
    """Earlier audits a page may stand on (``crawl/reuse.py``)."""

    def __call__(self, url: str, fingerprint: str) -> Awaitable[int | None]:
        """The id of an earlier audit of ``url`` with that fingerprint, or None."""

    def known(self, url: str) -> Awaitable[bool]:
        """Whether ``url`` has any earlier audit to compare with at all."""


@dataclass
class PageResult:
    url: str
    final_url: str | None = None
    http_status: int | None = None
    title: str | None = None
    load_ms: int | None = None
    axe: dict | None = None
    facts: PageFacts | None = None
    error_code: str | None = None
    error: str | None = None
    attempts: int = 1
    notes: list[str] = field(default_factory=list)
    checks: list = field(default_factory=list)  # our RGAA checks' results (checks.CheckResult)
    shots: list = field(default_factory=list)  # cropped pictures of offending elements (shots.Shot)
    # What the audit depended on (``fingerprint.py``); None when it could not all be read.
    fingerprint: str | None = None
    # The stored audit whose results stand for this page, unchanged since: axe and the checks
    # did not run. Set only by a tab given earlier audits to compare with.
    reused_from: int | None = None
    phases: dict[str, float] = field(default_factory=dict)  # milliseconds per phase, for the bench and logs

    @property
    def audited(self) -> bool:
        """Results exist for the page: its own (``axe``) or those of the audit it reuses."""
        return self.axe is not None or self.reused_from is not None

    @property
    def ok(self) -> bool:
        return self.error_code is None and self.audited

    def forget(self) -> None:
        """What came back is not this page's audit: nothing of it is kept."""
        self.axe, self.checks, self.reused_from, self.fingerprint, self.shots = None, [], None, None, []

    @property
    def transient(self) -> bool:
        return self.error_code in TRANSIENT or (self.error_code == "http_error" and self.http_status in TRANSIENT_HTTP)

    @property
    def links(self) -> list[Link]:
        return self.facts.links if self.facts else []

    @property
    def footer_text(self) -> str:
        return self.facts.footer if self.facts else ""

    @property
    def text(self) -> str:
        return self.facts.text if self.facts else ""

    def fail(self, code: str, reason: str) -> PageResult:
        self.error_code, self.error = code, f"{reason} ({self.url})"
        return self


def axe_options(settings: Settings) -> dict:
    # resultTypes keeps node lists only where we need them. Frames are not entered: axe lives in
    # our isolated world of the top document only, and pinging 300 frames would cost the budget.
    options: dict = {"resultTypes": ["violations", "incomplete"], "iframes": False}
    if settings.crawl.axe_rules == "rgaa":
        options["runOnly"] = {"type": "rule", "values": list(_rgaa_rules())}
    return options


@cache
def _rgaa_rules() -> tuple[str, ...]:
    """The RGAA-tagged rules of the bundled axe and those our corrections map to RGAA
    (heading-order, empty-heading…), read once."""
    from ..audit import CORRECTIONS
    from ..rgaa import axe_rule_mapping, bundled_axe_tags

    return tuple(sorted(set(axe_rule_mapping()) | (set(CORRECTIONS) & set(bundled_axe_tags()))))


class Tab:
    """The tab of one démarche; holds what the page did (dialogs, popups, crash) during an audit."""

    def __init__(self, pool: BrowserPool, axe_source: str | None = None, checks: tuple | None = None,
                 reusable: Reusable | None = None):
        self.pool, self.settings = pool, pool.settings
        # Finds an earlier successful audit of the same URL and fingerprint (``crawl/reuse.py``);
        # None: no fingerprint, every audit is full.
        self.reusable = reusable
        self.resources = fingerprint.Resources()
        self.axe_source = axe_source or axe_script()
        if checks is None:
            from ..checks import registry

            checks = registry() if self.settings.checks.enabled else ()
        self.checks = checks
        self.titles: dict[str, str] = {}  # pages of this démarche audited by this tab: URL → title
        self.context: BrowserContext | None = None
        self.page: Page | None = None
        self.listeners: _Listeners | None = None  # the page's and context's, pointed at this tab while it holds them
        self.cdp: CDPSession | None = None
        self.main_frame: str | None = None
        self.used = 0
        self.generation = -1
        self.crashed = False
        self.frozen = False  # after settling, the page may no longer navigate away
        self.dialogs: Counter[tuple[str, str]] = Counter()
        self.popups = 0
        self.events: list[str] = []
        self.document: Response | None = None
        self.egress = egress.Egress(self.settings.crawl.allowed_address_classes)
        self.blocked: str | None = None  # why the page's own document was refused (SSRF guard)
        self.axe_sent: asyncio.Future | None = None  # axe being sent while the page settles
        self.started: list[asyncio.Future] = []  # tasks of the page's audit, cancelled at its end

    # --- the tab's life ----------------------------------------------------------------------

    async def _open(self) -> Page:
        await self.close()
        self.generation = self.pool.generation
        self.page = None
        lease = await self.pool.open_tab()
        self.context, page = lease.context, lease.page
        self.generation = self.pool.generation
        self.context.set_default_timeout(self.settings.crawl.navigation_timeout_s * 1000)
        fresh = lease.session is None
        self.cdp = lease.session or await self.context.new_cdp_session(page)
        self.main_frame = lease.main_frame or await world.main_frame_id(self.cdp)
        self.listeners = lease.listeners = lease.listeners or _Listeners(self.context, page, self.cdp)
        if self.reusable is not None:
            self.listeners.follow_requests()
        self.listeners.tab = self
        if fresh:
            # Document requests are held, so a settled page cannot navigate away mid-audit; every
            # request is, unless every address class is allowed, so none reaches internal space.
            pattern = {"resourceType": "Document", "requestStage": "Request"} if self.egress.everything_allowed else {"requestStage": "Request"}
            await self.cdp.send("Fetch.enable", {"patterns": [pattern]})
        self.page, self.used, self.crashed = page, lease.used, False
        return page

    async def close(self, hand_over: bool = False) -> None:
        """Give the context back: with ``hand_over`` (the démarche ended, nothing failed since the
        tab opened) for the next démarche once wiped, else to be closed."""
        if self.context is None:
            return
        context, page, cdp, listeners = self.context, self.page, self.cdp, self.listeners
        self.context, self.page, self.cdp, self.listeners = None, None, None, None
        if listeners is not None:
            listeners.tab = None
        if hand_over and page is not None and cdp is not None and not self.crashed and self.generation == self.pool.generation:
            self.pool.hand_over(Lease(context, page, self.used, cdp, self.main_frame, listeners))
        else:
            self.pool.release_soon(context)

    def _needs_fresh_page(self) -> bool:
        stale = self.generation != self.pool.generation  # the browser is being restarted
        return (self.page is None or self.page.is_closed() or self.crashed or stale
                or self.used >= self.settings.crawl.recycle_context_after)

    # --- what the page does to us ----------------------------------------------------------

    def _on_dialog(self, dialog: Dialog) -> None:
        if dialog.type == "beforeunload":
            self.events.append("la page demandait une confirmation avant d'être quittée (beforeunload) : acceptée")
            asyncio.ensure_future(quietly(dialog.accept()))
            return
        self.dialogs[(dialog.type, " ".join(dialog.message.split())[:200])] += 1
        asyncio.ensure_future(quietly(dialog.dismiss()))

    def _on_crash(self, _page: Page) -> None:
        self.crashed = True

    def _on_popup(self, popup: Page) -> None:
        if self.page is None or popup is self.page:
            return  # our own tab, announced while it opens
        self.popups += 1
        asyncio.ensure_future(quietly(popup.close()))

    def _on_response(self, response: Response) -> None:
        page = self.page  # None while the tab reopens: a late response of the closing page
        if page is None:
            return
        try:
            if response.request.is_navigation_request() and response.frame == page.main_frame:
                self.document = response
        except Exception:  # noqa: BLE001 — an event of a page being closed: nothing to record
            pass

    def _on_resource_request(self, request) -> None:
        page = self.page
        try:
            if page is not None and request.frame != page.main_frame:
                return  # frames are not audited (axe does not enter them): their loads do not count
            if request.is_navigation_request():
                self.resources.reset()  # a new document of the main frame: only its loads count
        except Exception:  # noqa: BLE001 — an event of a page being closed
            return
        self.resources.started(request)

    def _on_request(self, event: dict) -> None:
        asyncio.ensure_future(self._decide(event))

    async def _decide(self, event: dict) -> None:
        cdp = self.cdp
        request_id = event["requestId"]
        main_document = event.get("resourceType") == "Document" and event.get("frameId") == self.main_frame
        refusal = await self.egress.refusal(str((event.get("request") or {}).get("url") or ""))
        reason = None
        if refusal is not None:
            reason = "BlockedByClient"
            if main_document:
                self.blocked = self.blocked or refusal  # the page, or a redirect of it, goes internal
            elif len(self.events) < MAX_EVENT_NOTES:
                self.events.append(f"ressource non chargée, {refusal}")
        elif self.frozen and main_document:
            reason = "Aborted"
            self.events.append("la page a tenté de changer d'adresse ou de se recharger pendant l'audit : auditée telle qu'elle était")
        if cdp is None:
            return
        try:
            if reason:
                await cdp.send("Fetch.failRequest", {"requestId": request_id, "errorReason": reason})
            else:
                await cdp.send("Fetch.continueRequest", {"requestId": request_id})
        except Exception:  # noqa: BLE001 — the page or the tab is gone
            pass

    def _notes(self) -> list[str]:
        notes = []
        for (kind, message), count in list(self.dialogs.items())[:MAX_DIALOG_NOTES]:
            times = f" ({count} fois)" if count > 1 else ""
            notes.append(f"boîte de dialogue « {kind} » fermée automatiquement{times} : « {message} »")
        if len(self.dialogs) > MAX_DIALOG_NOTES:
            notes.append(f"et {len(self.dialogs) - MAX_DIALOG_NOTES} autre(s) boîte(s) de dialogue")
        if self.popups:
            notes.append(f"la page a ouvert {self.popups} fenêtre(s) surgissante(s) : fermée(s)")
        notes += list(dict.fromkeys(self.events))
        return notes

    # --- one page ---------------------------------------------------------------------------

    async def audit(self, url: str) -> PageResult:
        """Audit ``url``; never raises for anything the page does (it may for our own bugs)."""
        result = PageResult(url=url)
        if web_url(url) is None:
            return result.fail("invalid_url", "adresse refusée : seules les adresses web (http ou https) valides sont auditées")
        self.dialogs, self.events, self.document, self.frozen, self.popups = Counter(), [], None, False, 0
        self.blocked = None
        self.resources.reset()
        refusal = await self.egress.refusal(url)
        if refusal is not None:  # nothing leaves for an internal start or sample page
            return result.fail("blocked", refusal)
        budget = self.settings.crawl.page_budget_s
        try:
            async with asyncio.timeout(budget):
                if self._needs_fresh_page():
                    await self._open()
                self.used += 1
                self.pool.served += 1
                await self._audit(url, result)
        except TimeoutError:
            result.forget()
            result.fail("timeout", f"délai dépassé : l'audit de la page a dépassé son budget de {budget:g} s")
        except (PlaywrightError, world.NavigatedAway, world.PageScriptError) as error:
            result.forget()
            result.error_code, result.error = classify_error(error, url)
            if self.crashed:
                result.fail("crash", "le moteur de rendu de la page a planté")
        finally:
            self.frozen = False
            result.notes = self._notes()
            for task in self.started:  # what the page's audit started and did not need in the end
                task.cancel()
            self.started, self.axe_sent = [], None
        if self.blocked is not None:  # whatever came back is not this page: nothing of it is kept
            result.forget()
            result.title, result.facts, result.final_url = None, None, None
            result.fail("blocked", self.blocked)
        if result.error_code is not None and result.error_code not in ("http_error", "not_html", "no_content", "too_large"):
            await self.close()  # a tab that failed is not trusted for the next page
        return result

    async def _audit(self, url: str, result: PageResult) -> None:
        crawl = self.settings.crawl
        page = self.page
        started = time.perf_counter()
        clock = _Clock(result.phases)
        known = self._start(self.reusable.known(url)) if self.reusable is not None else None
        try:
            response = await page.goto(url, wait_until="domcontentloaded", timeout=crawl.navigation_timeout_s * 1000)
        except PlaywrightError as error:
            if self._answered_without_page(result):
                return
            raise error
        result.http_status = response.status if response else None
        result.final_url = page.url
        if response is not None:  # the address the document really came from: a DNS answer may have changed
            served_by = await response.server_addr()
            if served_by and (refusal := self.egress.refusal_of_ip(served_by["ipAddress"], urlsplit(page.url).hostname or "")):
                self.blocked = refusal
                return
        if self._answered_without_page(result, response):
            return
        if result.http_status is not None and result.http_status >= 400:
            result.fail("http_error", f"le serveur a répondu HTTP {result.http_status}")
            return
        clock.lap("navigation")
        # A page with no earlier audit to compare with will be audited in full: axe goes into
        # our world while the page settles (a wait, otherwise idle), not after it.
        try:
            comparable = known is not None and await known
        except Exception:  # noqa: BLE001 — the lookup failed: the page's own lookup will say it again
            comparable = True
        if not comparable:
            self.axe_sent = self._start(self._send_axe(quietly=True))
        await self._wait_for_load(page)
        await self._settle()
        context_id = await self._follow_quick_refresh(page)
        clock.lap("settle")
        result.load_ms = round((time.perf_counter() - started) * 1000)
        self.frozen = True
        for attempt in range(NAVIGATION_RETRIES + 1):
            try:
                await self._read(result, context_id)
                break
            except world.NavigatedAway:
                if attempt == NAVIGATION_RETRIES:
                    raise
                self.events.append("la page s'est rechargée ou a changé d'adresse pendant l'audit : auditée une fois stabilisée")
                context_id = None
                await self._wait_for_load(page)
        result.final_url = page.url

    def _answered_without_page(self, result: PageResult, response: Response | None = None) -> bool:
        """A 204, a download or a non-HTML document: recorded with its own code, not audited."""
        response = response or self.document
        if response is None:
            return False
        try:
            headers = response.headers
            status = response.status
        except PlaywrightError:
            return False
        result.http_status = status
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if status in NO_CONTENT:
            result.fail("no_content", f"le serveur n'a renvoyé aucun contenu (HTTP {status})")
        elif "attachment" in headers.get("content-disposition", "").lower():
            result.fail("download", "l'adresse déclenche un téléchargement au lieu d'afficher une page")
        elif status < 400 and content_type and content_type not in HTML_TYPES:
            result.fail("not_html", f"la réponse n'est pas une page HTML (type « {content_type[:100]} »)")
        elif status >= 400:  # also when the navigation itself then failed (401 → auth refused)
            result.fail("http_error", f"le serveur a répondu HTTP {status}")
        else:
            return False
        return True

    async def _wait_for_load(self, page: Page) -> None:
        """Bounded wait for the load event: a resource that never ends does not stop the audit."""
        try:
            await page.wait_for_load_state("load", timeout=max(1, self.settings.crawl.load_wait_s * 1000))
        except PlaywrightTimeout:
            self.events.append("le chargement de la page ne s'est pas terminé (ressource sans réponse) : auditée en l'état")

    async def _follow_quick_refresh(self, page: Page) -> int | None:
        """A ``<meta http-equiv="refresh">`` of at most a second is a redirect: let it happen
        before the page is frozen, then settle on the page it leads to. Returns our world in
        the document when there was none (the audit runs in it), else None."""
        try:
            context_id = await world.create(self.cdp, self.main_frame)
            delay = await world.evaluate(self.cdp, script("quick_refresh"), context_id=context_id, timeout_s=2)
        except (world.NavigatedAway, world.PageScriptError, asyncio.TimeoutError, PlaywrightError):
            return None
        if not isinstance(delay, (int, float)) or isinstance(delay, bool):
            return context_id
        try:
            await page.wait_for_event("framenavigated", predicate=lambda frame: frame == page.main_frame,
                                      timeout=(min(float(delay), 1.0) + 2) * 1000)
            await self._wait_for_load(page)
            await self._settle()
        except PlaywrightError:  # includes the timeout: it did not go, audit what is there
            pass
        return None

    async def _settle(self) -> None:
        """Bounded wait for no DOM change, no fetch/XHR and no short timer for ``quiet_ms``.

        Polled from here through the protocol (the page's own timers and promises are not
        trusted); whatever the page does, the wait ends at ``settle_timeout_s``.
        """
        crawl = self.settings.crawl
        deadline = time.monotonic() + crawl.settle_timeout_s
        quiet = int(crawl.quiet_ms)
        probe = f"typeof window.__rgaaTrackerSettle !== 'function' || window.__rgaaTrackerSettle({quiet})"
        while time.monotonic() < deadline:
            wait = SETTLE_POLL_S
            try:
                answer = await world.evaluate(self.cdp, probe, context_id=None, timeout_s=max(0.5, deadline - time.monotonic()))
                if answer is True:
                    return
                # Quiet, but not for long enough yet: the probe says how long is left, so the
                # page is asked again once then rather than every poll (each one a round trip).
                if isinstance(answer, (int, float)) and not isinstance(answer, bool) and 0 < answer <= quiet:
                    wait = max(answer / 1000, 0.01)
            except (world.NavigatedAway, world.PageScriptError, asyncio.TimeoutError):
                pass  # mid-navigation, or a page that broke its window: keep waiting, bounded
            await asyncio.sleep(min(wait, max(0.0, deadline - time.monotonic())))

    async def _read(self, result: PageResult, context_id: int | None = None) -> None:
        """Size, DOM and facts, then axe and the checks, all in our isolated world of the document
        (``context_id``: the world already made in it, if any)."""
        crawl = self.settings.crawl
        clock = _Clock(result.phases)
        if context_id is None:
            context_id = await world.create(self.cdp, self.main_frame)
        limits = {"elements": crawl.max_dom_elements, "bytes": crawl.max_page_mb * 1_000_000, "links": crawl.max_links,
                  "dom": self.reusable is not None}
        read = await world.call(self.cdp, script("page_read"), limits, context_id=context_id, timeout_s=crawl.axe_timeout_s,
                                prefix_args=_read_parts())
        read = read if isinstance(read, dict) else {}
        size = parse_page_facts(read.get("size"))
        if not size.is_html:
            result.fail("not_html", f"la réponse n'est pas une page HTML (type « {size.content_type[:100]} »)")
            return
        if size.elements > crawl.max_dom_elements or size.html_bytes > crawl.max_page_mb * 1_000_000:
            result.fail("too_large", f"page trop volumineuse pour être auditée ({size.elements} éléments, {size.html_bytes / 1e6:.1f} Mo)")
            return
        # axe leaves the page as it found it: the facts read now are those it would see.
        facts = parse_page_facts(read.get("facts"))
        clock.lap("read")
        if self.reusable is not None:
            result.fingerprint = await self._fingerprint(result, read.get("dom"))
            clock.lap("fingerprint")
            same = await self.reusable(result.url, result.fingerprint) if result.fingerprint is not None else None
            if same is not None:
                result.reused_from, result.facts, result.title = same, facts, facts.title
                self._remember_title(result)
                return
        await self._send_axe(context_id)
        clock.lap("injection")
        axe = await world.call(self.cdp, script("axe_run"), axe_options(self.settings), context_id=context_id, timeout_s=crawl.axe_timeout_s)
        if not isinstance(axe, dict):
            raise world.PageScriptError("axe n'a rien renvoyé")
        clock.lap("axe")
        checks = await self._run_checks(result.url, context_id)
        clock.lap("checks")
        for check in checks:
            if check.error:
                self.events.append(f"test rgaa-tracker « {check.check.id} » non exécuté : {check.error}")
        result.axe, result.facts, result.title, result.checks = axe, facts, facts.title, checks
        await shots.attach(self.page, self.cdp, result, self.settings, self.main_frame)
        self._remember_title(result)

    def _start(self, awaitable: Awaitable) -> asyncio.Future:
        task = asyncio.ensure_future(awaitable)
        self.started.append(task)
        return task

    async def _send_axe(self, context_id: int | None = None, *, quietly: bool = False) -> None:
        """axe into our world of the current document, unless it is there already (sent while the
        page settled, to the same document). ``quietly``: that early sending, whose failure (the
        page moved on meanwhile) only means axe is sent again once the page settled."""
        crawl = self.settings.crawl
        if not quietly and self.axe_sent is not None:
            sent, self.axe_sent = self.axe_sent, None
            await sent
        try:
            if context_id is None:
                context_id = await world.create(self.cdp, self.main_frame)
            present = await world.evaluate(self.cdp, "typeof axe === 'object' && typeof axe.run === 'function'",
                                           context_id=context_id, timeout_s=crawl.axe_timeout_s)
            if present is not True:
                await world.evaluate(self.cdp, self.axe_source, context_id=context_id, timeout_s=crawl.axe_timeout_s)
        except (world.NavigatedAway, world.PageScriptError, PlaywrightError, asyncio.TimeoutError):
            if not quietly:
                raise

    def _remember_title(self, result: PageResult) -> None:
        self.titles[result.url] = result.title
        if result.final_url:  # a start page that redirected is the same page under its final address
            self.titles[result.final_url] = result.title

    async def _fingerprint(self, result: PageResult, dom: object) -> str | None:
        """The page's fingerprint, or None when any part of it cannot be read (then: full audit)."""
        resources = await self.resources.tokens()
        if not isinstance(dom, str) or resources is None or self.context is None or self.context.browser is None:
            return None
        judge = fingerprint.judge_version(self.settings, self.axe_source, self.context.browser.version)
        return fingerprint.combine(judge=judge, final_url=self.page.url, dom=dom, resources=resources,
                                   earlier_titles=self._earlier_titles(result.url), popups=self.popups)

    def _earlier_titles(self, url: str) -> dict[str, str]:
        return {u: t for u, t in self.titles.items() if u not in (url, self.page.url)}

    async def _run_checks(self, url: str, context_id: int) -> list:
        if not self.checks:
            return []
        from ..checks.engine import run_checks
        from ..checks.probe import Probe

        probe = Probe(cdp=self.cdp, page=self.page, context_id=context_id, settings=self.settings, url=url,
                      earlier_titles=self._earlier_titles(url),
                      source_head=await self._source_head(),
                      popups_at_load=self.popups)
        return await run_checks(probe, self.checks)

    async def _source_head(self) -> bytes | None:
        """The first 64 KB of the document as served, for what the DOM no longer shows (its body
        read once for the fingerprint too)."""
        try:
            return (await asyncio.wait_for(self.resources.body(self.document), 5))[:65536] if self.document is not None else None
        except (PlaywrightError, asyncio.TimeoutError):
            return None


@cache
def _read_parts() -> str:
    """The functions ``page_read.js`` composes, as arguments of its call."""
    return ", ".join(f"({script(name).strip().rstrip(';')})" for name in ("size", "dom_state", "page_facts"))


class _Listeners:
    """What the page and its context tell us, registered once per context and pointed at the tab
    holding it: a context handed from démarche to démarche keeps its listeners. Adding or
    removing a page listener is a message to Playwright's driver (an event subscription), a
    dozen per démarche when each tab added and removed its own. Between two tabs (the wipe),
    dialogs are left, popups closed and any request the old document still makes is refused."""

    def __init__(self, context: BrowserContext, page: Page, cdp: CDPSession):
        self.tab: Tab | None = None
        self.page, self.cdp, self.requests = page, cdp, False
        context.on("page", self._popup)
        page.on("dialog", self._dialog)
        page.on("crash", self._crash)
        page.on("response", self._response)
        cdp.on("Fetch.requestPaused", self._paused)

    def follow_requests(self) -> None:
        """The main frame's requests, for the fingerprint (``Tab.reusable``)."""
        if not self.requests:
            self.requests = True
            self.page.on("request", self._request)
            self.page.on("requestfinished", self._finished)
            self.page.on("requestfailed", self._failed)

    def _request(self, request) -> None:
        if self.tab is not None:
            self.tab._on_resource_request(request)

    def _finished(self, request) -> None:
        if self.tab is not None:
            self.tab.resources.finished(request)

    def _failed(self, request) -> None:
        if self.tab is not None:
            self.tab.resources.failed(request)

    def _popup(self, popup: Page) -> None:
        if self.tab is not None:
            self.tab._on_popup(popup)
        elif popup is not self.page:
            asyncio.ensure_future(quietly(popup.close()))

    def _dialog(self, dialog: Dialog) -> None:
        if self.tab is not None:
            self.tab._on_dialog(dialog)
        else:
            leave(dialog)

    def _crash(self, page: Page) -> None:
        if self.tab is not None:
            self.tab._on_crash(page)

    def _response(self, response: Response) -> None:
        if self.tab is not None:
            self.tab._on_response(response)

    def _paused(self, event: dict) -> None:
        if self.tab is not None:
            self.tab._on_request(event)
        else:
            asyncio.ensure_future(quietly(self.cdp.send("Fetch.failRequest", {"requestId": event["requestId"], "errorReason": "Aborted"})))


class _Clock:
    """Milliseconds spent per phase of one page, added into ``phases``."""

    def __init__(self, phases: dict[str, float]):
        self.phases, self.last = phases, time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases[phase] = self.phases.get(phase, 0.0) + (now - self.last) * 1000
        self.last = now


async def audit_url(browser_pool: BrowserPool, url: str) -> PageResult:
    """Audit one URL in its own tab (used by ``rgaa-tracker audit``)."""
    tab = Tab(browser_pool)
    try:
        return await tab.audit(url)
    finally:
        await tab.close()
