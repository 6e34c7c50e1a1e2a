"""A crawl run: every active démarche's start page and RGAA sample pages, audited in Chromium.

Shaped like pa11y-ci: one browser, a bounded pool of pages in flight, a fresh context per page,
and a failure stored as that page's result, never stopping the run. Each page is stored in its
own transaction as soon as it is audited, so a killed run loses at most the pages in flight.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil
from playwright.async_api import Browser, async_playwright
from sqlalchemy import Engine
from sqlmodel import Session, select

from . import audit
from .browser import PageResult, audit_url, launch
from .errors import NotFound
from .models import CriterionResult, CrawlRun, Demarche, PageAudit, RuleResult, utcnow
from .rgaa import axe_version
from .settings import Settings
from .statement import footer_mention, sample_pages, statement_url

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


def record_page(*, session: Session, run: CrawlRun, target: Target, role: str, result: PageResult, audits_dir: Path) -> PageAudit:
    """Store one audited page with its criterion and rule results, in one transaction."""
    page = PageAudit(
        run_id=run.id,
        demarche_id=target.demarche_id,
        role=role,
        url=result.url,
        final_url=result.final_url,
        http_status=result.http_status,
        title=result.title,
        load_ms=result.load_ms,
        error_code=result.error_code,
        error=result.error,
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
                session.add(
                    RuleResult(
                        page_audit_id=page.id,
                        rule=rule["id"],
                        outcome=outcome,
                        impact=rule.get("impact"),
                        criteria=" ".join(audit.criteria_of_tags(rule.get("tags", []))),
                        nodes=len(rule.get("nodes") or []),
                        help=(rule.get("help") or "")[:500],
                    )
                )
        page.violations_count = len(result.axe.get("violations") or [])
        page.evidence_path = write_evidence(result.axe, audits_dir=audits_dir, run_id=run.id, page_audit_id=page.id)
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


class _BrowserPool:
    """One browser shared by the pages in flight, relaunched if it dies."""

    def __init__(self, playwright, settings: Settings):
        self.playwright, self.settings = playwright, settings
        self.browser: Browser | None = None
        self.lock = asyncio.Lock()

    async def get(self) -> Browser:
        async with self.lock:
            if self.browser is None or not self.browser.is_connected():
                self.browser = await launch(self.playwright, self.settings)
            return self.browser

    async def close(self) -> None:
        if self.browser is not None and self.browser.is_connected():
            await self.browser.close()


async def _crawl(run_targets: list[Target], settings: Settings, concurrency: int, store: Callable[[Target, str, PageResult], None]) -> None:
    semaphore = asyncio.Semaphore(concurrency)
    limit = settings.crawl.pages_per_demarche

    async with async_playwright() as playwright:
        pool = _BrowserPool(playwright, settings)
        await pool.get()  # fail fast, before any page, when no browser can start

        async def one_page(target: Target, role: str, url: str) -> PageResult:
            async with semaphore:
                result = await audit_url(await pool.get(), url, settings)
            store(target, role, result)
            return result

        async def one_demarche(target: Target) -> None:
            start = await one_page(target, "start", target.url)
            if start.ok:
                base = start.final_url or start.url
                await asyncio.gather(*(one_page(target, role, url) for role, url in sample_pages(base, start.links, limit)))

        try:
            await asyncio.gather(*(one_demarche(t) for t in run_targets))
        finally:
            await pool.close()


def run_crawl(
    *,
    engine: Engine,
    settings: Settings,
    demarche_ids: list[str] | None = None,
    concurrency: int | None = None,
    trigger: str = "cli",
    on_start: Callable[[int], None] | None = None,
    on_page: PageCallback | None = None,
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

        def store(target: Target, role: str, result: PageResult) -> None:
            page = record_page(session=session, run=run, target=target, role=role, result=result, audits_dir=settings.audits_dir)
            if on_page:
                on_page(page)

        try:
            asyncio.run(_crawl(run_targets, settings, concurrency or settings.crawl.effective_concurrency(), store))
            run.status = "finished"
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
