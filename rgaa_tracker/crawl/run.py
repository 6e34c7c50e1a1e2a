"""A crawl run: every active démarche's start page and RGAA sample pages, audited in Chromium.

Shaped like pa11y-ci: one browser, a bounded pool of tabs pulling from one queue, and a failure
stored as that page's result, never stopping the run. Each page is stored in its own transaction
as soon as it is audited, so a killed run loses at most the pages in flight. A URL shared by
several démarches (a ministry's common legal or statement page) is audited once per run.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import Session, select

from .. import audit
from ..browser import PageResult
from ..errors import NotFound, RunAborted, TrackerError
from ..models import CriterionResult, CrawlRun, Demarche, PageAudit, utcnow
from ..settings import Settings
from .lock import run_lock
from .queue import crawl_pages
from .reuse import StoredAudits
from .store import Target, record_page

PageCallback = Callable[[PageAudit], None]
log = logging.getLogger("rgaa_tracker.crawl")


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
    full: bool = False,
    on_result: Callable[[PageResult], None] | None = None,
) -> CrawlRun:
    """One crawl run now; returns the finished (or interrupted) run.

    Pages unchanged since their last successful audit reuse it (``crawl.incremental``) unless
    ``full``. ``on_result`` sees each page's result once stored (phase timings: the bench).

    Raises ``CrawlAlreadyRunning`` when another run is alive on this database (any entry point,
    any host), and ``RunAborted`` when the run cannot go on; the run is then stored ``failed``
    with the reason in ``failure``.
    """
    with Session(engine) as session:
        run_targets = targets(session=session, demarche_ids=demarche_ids)  # a typo leaves no run behind
    with run_lock(engine, settings, trigger=trigger) as held, Session(engine, expire_on_commit=False) as session:
        run = held.run
        session.add(run)
        # ``full`` still fingerprints every page (reusing only this run's own audits), so the
        # next night can reuse these fresh audits; the setting off means no fingerprint at all.
        reusable = StoredAudits(engine, only_run=run.id if full else None) if settings.crawl.incremental else None
        if on_start:
            on_start(len(run_targets))
        evidence_of: dict[str, str] = {}

        def store(target: Target, role: str, result: PageResult) -> None:
            if held.lost.is_set():
                raise RunAborted(lost_message(run, settings))
            started = time.perf_counter()
            page = record_page(session=session, run=run, target=target, role=role, result=result,
                               audits_dir=settings.audits_dir, evidence=evidence_of.get(result.url))
            result.phases["storing"] = (time.perf_counter() - started) * 1000
            if page.evidence_path and page.reused_from_id is None:
                evidence_of.setdefault(result.url, page.evidence_path)
            if on_page:
                on_page(page)
            if on_result:
                on_result(result)

        try:
            asyncio.run(crawl_pages(run_targets, settings, concurrency or settings.crawl.effective_concurrency(), store, stop, reusable))
            if held.lost.is_set():
                raise RunAborted(lost_message(run, settings))
        except BaseException as error:
            session.rollback()
            raised = _ended_by(run, error)
            # Written while the lock is still held: once released, a running row would be taken for a dead run.
            _finish(session, run, quiet=True)
            if raised is error:
                raise
            raise raised from error
        run.status = "interrupted" if stop and stop.is_set() else "finished"
        _finish(session, run, quiet=False)
        return run


def lost_message(run: CrawlRun, settings: Settings) -> str:
    return (f"le passage n° {run.id} n'est plus reconnu comme en cours par la base de données (sans signe de vie "
            f"depuis plus de {settings.crawl.stale_after_s:g} s, ou connexion perdue) : il s'arrête pour ne pas en "
            "chevaucher un autre")


def _ended_by(run: CrawlRun, error: BaseException) -> BaseException:
    """Set the run's status (and failure) from what ended it; returns what to raise."""
    if isinstance(error, TrackerError):  # RunAborted, or no usable browser: the reason is already French
        run.status, run.failure = "failed", str(error)
        return error
    if isinstance(error, Exception) and not isinstance(error, asyncio.CancelledError):
        log.exception("Passage n° %s : erreur interne", run.id)  # called from the except block: the traceback is logged
        message = " ".join(str(error).split())[:500] or "sans message"
        run.status, run.failure = "failed", f"erreur interne : {type(error).__name__} : {message}"
        return RunAborted(f"passage n° {run.id} en échec : {run.failure}")
    run.status = "interrupted"  # KeyboardInterrupt (a second Ctrl-C), SystemExit, cancellation
    return error


def _finish(session: Session, run: CrawlRun, *, quiet: bool) -> None:
    """Store the run's end; ``quiet`` when another error is already on its way up."""
    run.finished_at = utcnow()
    try:
        session.add(run)
        session.commit()
    except Exception as error:
        session.rollback()
        log.error("Passage n° %s : état final (%s) non enregistré", run.id, run.status, exc_info=error)
        if not quiet:
            raise RunAborted(f"passage n° {run.id} : son état final n'a pas pu être enregistré "
                             f"({type(error).__name__} : {str(error)[:200]})") from error


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
    detail = {
        "id": run.id, "status": run.status,
        "started_at": run.started_at.isoformat(), "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "pages": [{"demarche_id": p.demarche_id, "url": p.url, "role": p.role, "http_status": p.http_status, "error_code": p.error_code,
                   "error": p.error, "non_conformes": sorted(failing[p.id], key=audit.criterion_sort_key),
                   "notes": p.notes.splitlines() if p.notes else []} for p in pages],
    }
    if run.mode == "distributed":
        # Keys added for a distributed run only (SPEC §6: extend, never change; a local run's
        # JSON is as it was): its queue state — to do, in progress, done, failed, per worker, retried.
        detail.update(mode=run.mode, queue=_queue_state(session, run))
    return detail


def _queue_state(session: Session, run: CrawlRun) -> dict:
    from .distributed import queue_state

    return queue_state(session, run.id)


def run_summary(run: CrawlRun) -> dict:
    return {"id": run.id, "status": run.status, "trigger": run.trigger, "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None, "pages_total": run.pages_total,
            "pages_failed": run.pages_failed, "axe_version": run.axe_version}
