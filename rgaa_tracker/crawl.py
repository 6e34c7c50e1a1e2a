"""A crawl run: every active démarche's start page and RGAA sample pages, audited in Chromium.

Shaped like pa11y-ci: one browser, a bounded pool of tabs pulling from one queue, and a failure
stored as that page's result, never stopping the run. Each page is stored in its own transaction
as soon as it is audited, so a killed run loses at most the pages in flight. A URL shared by
several démarches (a ministry's common legal or statement page) is audited once per run.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import psutil
from playwright.async_api import async_playwright
from sqlalchemy import Engine
from sqlmodel import Session, select

from . import audit
from .browser import BrowserPool, PageResult, Tab
from .errors import NotFound
from .models import CriterionResult, CrawlRun, Declaration, Demarche, PageAudit, RuleResult, utcnow
from .rgaa import axe_version
from .settings import Settings
from .statement import footer_mention, parse_statement, sample_pages, statement_url

STORED_STATUSES = (audit.NON_CONFORME, audit.A_VERIFIER)
PageCallback = Callable[[PageAudit], None]


@dataclass(frozen=True)
class Target:
    demarche_id: str
    url: str


def mark_lost_runs(*, session: Session) -> list[int]:
    """Runs still 'running' whose process is gone (killed, machine restarted) → 'interrupted'."""
    lost = []
    host = socket.gethostname()
    for run in session.exec(select(CrawlRun).where(CrawlRun.status == "running")).all():
        if run.hostname == host and not _process_alive(run):
            run.status, run.finished_at = "interrupted", run.finished_at or utcnow()
            session.add(run)
            lost.append(run.id)
    session.commit()
    return lost


def _process_alive(run: CrawlRun) -> bool:
    if run.pid is None or not psutil.pid_exists(run.pid):
        return False
    try:
        # A pid reused after a reboot belongs to a process younger than the run.
        return psutil.Process(run.pid).create_time() <= run.started_at.timestamp() + 1
    except psutil.Error:
        return False


def targets(*, session: Session, demarche_ids: list[str] | None = None) -> list[Target]:
    query = select(Demarche).order_by(Demarche.id)
    if demarche_ids:
        found = session.exec(query.where(Demarche.id.in_(demarche_ids))).all()
        unknown = sorted(set(demarche_ids) - {d.id for d in found})
        if unknown:
            raise NotFound(f"Démarche(s) inconnue(s) : {', '.join(unknown)}")
    else:
        found = session.exec(query.where(Demarche.active == True)).all()  # noqa: E712
    return [Target(d.id, d.url) for d in found]


def write_evidence(axe_results: dict, *, audits_dir: Path, run_id: int, page_audit_id: int) -> str:
    folder = audits_dir / str(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{page_audit_id}.json.gz"
    tmp = path.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as handle:
        json.dump(axe_results, handle, ensure_ascii=False)
    os.replace(tmp, path)  # never a half-written evidence file
    return str(path)


def record_declaration(*, session: Session, run: CrawlRun, demarche_id: str, url: str, text: str) -> Declaration | None:
    """A declaration found on a statement page, added only when it differs from the last one found."""
    facts = parse_statement(text)
    if facts.empty:
        return None
    latest = session.exec(
        select(Declaration)
        .where(Declaration.demarche_id == demarche_id, Declaration.provenance == "crawl")
        .order_by(Declaration.recorded_at.desc(), Declaration.id.desc())
        .limit(1)
    ).first()
    same = latest is not None and (latest.statut, latest.taux, latest.date_publication, latest.date_audit, latest.url, latest.rgaa_version) == (
        facts.status, facts.rate, facts.published_on, facts.audited_on, url, facts.rgaa_version
    )
    if same:
        return None
    declaration = Declaration(
        demarche_id=demarche_id, provenance="crawl", statut=facts.status, taux=facts.rate,
        date_publication=facts.published_on, date_audit=facts.audited_on, url=url,
        rgaa_version=facts.rgaa_version, run_id=run.id, source=f"passage {run.id}",
    )
    session.add(declaration)
    return declaration


def record_page(*, session: Session, run: CrawlRun, target: Target, role: str, result: PageResult, audits_dir: Path, evidence: str | None = None) -> PageAudit:
    """Store one audited page with its criterion and rule results, in one transaction.

    ``evidence`` reuses the file of the same URL audited earlier in the run for another démarche.
    """
    page = PageAudit(
        run_id=run.id, demarche_id=target.demarche_id, role=role, url=result.url, final_url=result.final_url,
        http_status=result.http_status, title=result.title, load_ms=result.load_ms,
        error_code=result.error_code, error=result.error,
    )
    if result.axe is not None:
        page.footer_mention = footer_mention(result.footer_text, result.text)
        page.statement_url = statement_url(result.final_url or result.url, result.links)
    session.add(page)
    session.flush()
    if result.axe is not None:
        statuses = audit.criteria_statuses(result.axe)
        nodes = _nodes_per_criterion(result.axe)
        for number, status in statuses.items():
            if status in STORED_STATUSES:
                session.add(CriterionResult(page_audit_id=page.id, criterion=number, status=status, nodes=nodes.get(number, 0)))
        for kind, outcome in (("violations", "violation"), ("incomplete", "incomplete")):
            for rule in result.axe.get(kind) or []:
                session.add(RuleResult(
                    page_audit_id=page.id, rule=rule["id"], outcome=outcome, impact=rule.get("impact"),
                    criteria=" ".join(audit.criteria_of_tags(rule.get("tags", []))),
                    nodes=len(rule.get("nodes") or []), help=(rule.get("help") or "")[:500],
                ))
        page.violations_count = len(result.axe.get("violations") or [])
        page.evidence_path = evidence or write_evidence(result.axe, audits_dir=audits_dir, run_id=run.id, page_audit_id=page.id)
        if role == "statement":
            record_declaration(session=session, run=run, demarche_id=target.demarche_id, url=result.final_url or result.url, text=result.text)
    run.pages_total += 1
    run.pages_failed += 0 if result.error_code is None else 1
    session.add_all([page, run])
    session.commit()
    return page


def _nodes_per_criterion(axe_results: dict) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind in ("violations", "incomplete"):
        for rule in axe_results.get(kind) or []:
            for number in audit.criteria_of_tags(rule.get("tags", [])):
                counts[number] = counts.get(number, 0) + len(rule.get("nodes") or [])
    return counts


def slim(result: PageResult) -> PageResult:
    """What a second démarche sharing this URL needs once the page is stored: rule ids, tags and
    node counts, not node details. Keeping full results for every URL would grow with the run."""
    if result.axe is None:
        return result
    axe = {
        kind: [{"id": r["id"], "tags": r.get("tags", []), "impact": r.get("impact"), "help": r.get("help", ""),
                "nodes": [{}] * len(r.get("nodes") or [])} for r in result.axe.get(kind) or []]
        for kind in ("violations", "incomplete", "passes", "inapplicable")
    }
    return replace(result, axe=axe, text=result.text[:20000])


async def crawl_pages(
    run_targets: list[Target],
    settings: Settings,
    concurrency: int,
    store: Callable[[Target, str, PageResult], None],
    stop: threading.Event | None = None,
) -> None:
    """Audit every target and its sample pages with ``concurrency`` tabs; ``store`` each result.

    Setting ``stop`` makes the tabs take no new page; pages in flight are finished and stored.
    """
    queue: asyncio.Queue[tuple[Target, str, str]] = asyncio.Queue()
    for target in run_targets:
        queue.put_nowait((target, "start", target.url))
    audited: dict[str, asyncio.Future[PageResult]] = {}
    limit = settings.crawl.pages_per_demarche
    crawl = settings.crawl

    async def audit_with_retries(tab: Tab, url: str) -> PageResult:
        for attempt in range(crawl.retries + 1):
            result = await tab.audit(url)
            result.attempts = attempt + 1
            if not result.transient or attempt == crawl.retries:
                return result
            await asyncio.sleep(crawl.retry_backoff_s * 2**attempt)
        return result

    # Storing (JSON, gzip, SQL) runs on one thread of its own: the event loop keeps driving the
    # browser meanwhile, and the database session is only ever used from that thread.
    storer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")

    async def worker(tab: Tab) -> None:
        loop = asyncio.get_running_loop()
        while not (stop and stop.is_set()):
            try:
                target, role, url = queue.get_nowait()
            except asyncio.QueueEmpty:
                await tab.close()  # an idle tab must not hold up a browser restart
                return
            try:
                shared = audited.get(url)
                if shared is None:
                    future = audited[url] = loop.create_future()
                    try:
                        result = await audit_with_retries(tab, url)
                        await loop.run_in_executor(storer, store, target, role, result)
                    except BaseException as error:  # démarches waiting on this URL must not wait forever
                        if not future.done():
                            future.set_exception(error)
                            future.exception()  # mark retrieved: the error propagates from here
                        raise
                    future.set_result(slim(result))
                else:
                    if not shared.done():
                        await tab.close()  # waiting on another tab: give the context back meanwhile
                    result = await shared
                    await loop.run_in_executor(storer, store, target, role, result)
                if role == "start" and result.ok:
                    for sample_role, sample_url in sample_pages(result.final_url or url, result.links, limit):
                        queue.put_nowait((target, sample_role, sample_url))
            finally:
                queue.task_done()

    async with async_playwright() as playwright:
        pool = BrowserPool(playwright, settings)
        await pool.release(await pool.new_context())  # fail fast when no browser can start
        tabs = [Tab(pool) for _ in range(max(1, concurrency))]
        try:
            # Workers return when the queue is empty; sample pages found late restart the loop.
            while not queue.empty() and not (stop and stop.is_set()):
                await asyncio.gather(*(worker(tab) for tab in tabs))
        finally:
            for tab in tabs:
                await tab.close()
            await pool.close()
            storer.shutdown(wait=True)


def run_crawl(
    *,
    engine: Engine,
    settings: Settings,
    demarche_ids: list[str] | None = None,
    concurrency: int | None = None,
    trigger: str = "cli",
    on_start: Callable[[int], None] | None = None,
    on_page: PageCallback | None = None,
    stop: threading.Event | None = None,
) -> CrawlRun:
    """One crawl run now; returns the finished (or interrupted) run."""
    with Session(engine, expire_on_commit=False) as session:
        mark_lost_runs(session=session)
        run_targets = targets(session=session, demarche_ids=demarche_ids)
        run = CrawlRun(trigger=trigger, axe_version=axe_version(), pid=os.getpid(), hostname=socket.gethostname())
        session.add(run)
        session.commit()
        if on_start:
            on_start(len(run_targets))
        evidence_of: dict[str, str] = {}

        def store(target: Target, role: str, result: PageResult) -> None:
            page = record_page(session=session, run=run, target=target, role=role, result=result,
                               audits_dir=settings.audits_dir, evidence=evidence_of.get(result.url))
            if page.evidence_path:
                evidence_of.setdefault(result.url, page.evidence_path)
            if on_page:
                on_page(page)

        try:
            asyncio.run(crawl_pages(run_targets, settings, concurrency or settings.crawl.effective_concurrency(), store, stop))
            run.status = "interrupted" if stop and stop.is_set() else "finished"
        except (KeyboardInterrupt, SystemExit, asyncio.CancelledError):
            session.rollback()
            run.status = "interrupted"
            raise
        except BaseException:
            session.rollback()
            run.status = "failed"
            raise
        finally:
            run.finished_at = utcnow()
            session.add(run)
            session.commit()
        return run


def list_runs(*, session: Session, limit: int = 100) -> list[CrawlRun]:
    return list(session.exec(select(CrawlRun).order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(limit)).all())


def run_detail(*, session: Session, run_id: int) -> dict:
    """The JSON of ``runs show`` (SPEC §6): a run and its page audits with their failing criteria."""
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise NotFound(f"Passage inconnu : {run_id}")
    pages = session.exec(select(PageAudit).where(PageAudit.run_id == run_id).order_by(PageAudit.demarche_id, PageAudit.id)).all()
    failing: dict[int, list[str]] = {p.id: [] for p in pages}
    if pages:
        rows = session.exec(select(CriterionResult.page_audit_id, CriterionResult.criterion)
                            .where(CriterionResult.page_audit_id.in_(list(failing)), CriterionResult.status == audit.NON_CONFORME)).all()
        for page_id, criterion in rows:
            failing[page_id].append(criterion)
    return {
        "id": run.id, "status": run.status,
        "started_at": run.started_at.isoformat(), "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "pages": [{"demarche_id": p.demarche_id, "url": p.url, "role": p.role, "http_status": p.http_status, "error_code": p.error_code,
                   "error": p.error, "non_conformes": sorted(failing[p.id], key=audit.criterion_sort_key)} for p in pages],
    }


def run_summary(run: CrawlRun) -> dict:
    return {"id": run.id, "status": run.status, "trigger": run.trigger, "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None, "pages_total": run.pages_total,
            "pages_failed": run.pages_failed, "axe_version": run.axe_version}
