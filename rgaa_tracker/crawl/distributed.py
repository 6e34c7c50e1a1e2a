"""The distributed crawl: one job per démarche on procrastinate (PostgreSQL), run by any number
of ``rgaa-tracker worker`` processes on any number of machines sharing the database.

We do not build a queue: procrastinate delivers each job at least once, retries a failed job
with a persisted exponential backoff, and records which worker runs which job with heartbeats,
so the jobs of a SIGKILLed worker are found ``stalled`` and handed back (``rescue_stalled``,
run by every worker). What this module adds is what the crawl needs around it:

- the run: ``start_run`` creates it (``mode = "distributed"``) with one ledger row per démarche
  (``CrawlJob``) and defers the jobs; the last job to end closes it (``close_if_done``);
- idempotence: pages are unique per run, démarche and URL, and a job delivered again audits
  only what its démarche does not have yet;
- politeness: at most ``crawl.host_limit`` pages at once per host across all workers
  (``host_slot``, PostgreSQL advisory locks), first come, first served.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, func, make_url, update
from sqlmodel import Session, select

from ..browser import BrowserPool, PageResult
from ..errors import RunAborted, TrackerError
from ..models import CrawlJob, CrawlRun, utcnow
from ..rgaa import axe_script, axe_version
from ..settings import Settings
from . import queue_schema
from .queue import audit_demarche
from .reuse import StoredAudits
from .run import targets
from .store import Target, record_page, stored_urls

log = logging.getLogger("rgaa_tracker.crawl")
QUEUE = "crawl"
TASK = "rgaa_tracker.audit_demarche"
ENDED = ("succeeded", "failed")
# The two-key advisory lock space (distinct from the one-key space of the run lock): the first
# key names the host, the second its slot; slot -1 is the host's turnstile.
TURNSTILE = -1


def require(settings: Settings) -> None:
    """The distributed mode's preconditions, refused in French (the CLI exits 1)."""
    if not settings.database_url.startswith("postgresql"):
        raise TrackerError("le mode distribué demande une base PostgreSQL (database_url) : les travailleurs partagent sa file "
                           "de tâches ; avec SQLite, lancez « rgaa-tracker crawl » sans --distributed.")
    if not queue_schema.available():
        raise TrackerError("le mode distribué demande l'extension « distributed » : pip install 'rgaa-tracker[distributed]'.")


def conninfo(database_url: str) -> str:
    """libpq connection string of the queue: the database's, with procrastinate's schema first."""
    from psycopg.conninfo import make_conninfo

    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    return make_conninfo(url, options=f"-c search_path={queue_schema.SCHEMA},public")


def ensure_queue(engine: Engine) -> None:
    with engine.begin() as connection:
        queue_schema.apply(connection)


def worker_label() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- The app and its one task -------------------------------------------------------------------


@dataclass
class WorkerState:
    """What the jobs of one worker process share: its database engine and its warm browser."""

    engine: Engine
    settings: Settings
    pool: BrowserPool
    label: str
    axe_source: str


_worker: WorkerState | None = None


def make_app(settings: Settings):
    from procrastinate import App, PsycopgConnector, RetryStrategy

    app = App(connector=PsycopgConnector(conninfo=conninfo(settings.database_url), min_size=1, max_size=4))
    app.task(name=TASK, queue=QUEUE, pass_context=True,
             retry=RetryStrategy(max_attempts=settings.crawl.job_retries, exponential_wait=settings.crawl.job_retry_base_s))(audit_job)
    return app


async def audit_job(context: Any, run_id: int, demarche_id: str, url: str, full: bool = False) -> None:
    """The job of one démarche: ``queue.audit_demarche``, as the in-process crawl runs it, with
    the per-host limit, storing only what the run does not have yet, then the ledger.

    Unchanged pages reuse their last audit as in one process (``crawl/reuse.py``), found in the
    shared database, so a page shared by démarches of the run is audited in full once."""
    state = _worker
    assert state is not None, "audit_job runs in a worker (run_worker)"
    job = context.job
    attempt = job.attempts + 1
    last = job.attempts >= state.settings.crawl.job_retries
    run = await asyncio.to_thread(_begin, state.engine, run_id, demarche_id, state.label, attempt, job.id)
    if run is None:  # the run ended (failed, or closed by hand) meanwhile: nothing to add to it
        return
    session = Session(state.engine, expire_on_commit=False)
    try:
        stored = await asyncio.to_thread(stored_urls, session, run_id, demarche_id)

        async def store(target: Target, role: str, result: PageResult) -> None:
            await asyncio.to_thread(record_page, session=session, run=run, target=target, role=role, result=result,
                                    audits_dir=state.settings.audits_dir)

        reusable = StoredAudits(state.engine, only_run=run_id if full else None) if state.settings.crawl.incremental else None
        await audit_demarche(state.pool, Target(demarche_id, url), state.settings, store, axe_source=state.axe_source,
                             stored=stored, gate=lambda page_url: host_slot(state.settings, page_url), reusable=reusable)
    except Exception as error:
        # Stored as the ledger's last failure; procrastinate retries the job after its backoff,
        # or, after the last retry, the job and the démarche are failed.
        reason = f"{type(error).__name__} : {' '.join(str(error).split())[:300] or 'sans message'}"
        await asyncio.to_thread(_end, state.engine, run_id, demarche_id, "failed" if last else "todo", reason)
        raise
    finally:
        session.close()
    await asyncio.to_thread(_end, state.engine, run_id, demarche_id, "succeeded", None)


def _begin(engine: Engine, run_id: int, demarche_id: str, label: str, attempt: int, job_id: int) -> CrawlRun | None:
    with Session(engine, expire_on_commit=False) as session:
        run = session.get(CrawlRun, run_id)
        session.execute(update(CrawlJob).where(CrawlJob.run_id == run_id, CrawlJob.demarche_id == demarche_id)
                        .values(status="doing" if run is not None and run.status == "running" else "failed",
                                attempts=attempt, worker=label, queue_job_id=job_id, started_at=utcnow(), finished_at=None))
        session.commit()
        if run is None or run.status != "running":
            return None
        return run


def _end(engine: Engine, run_id: int, demarche_id: str, status: str, error: str | None) -> None:
    """The ledger's end of one attempt, then, if this was the run's last open job, the run's end.

    Committed before ``close_if_done`` looks: the last of two jobs ending at once then sees the
    other's end, whichever order their transactions take.
    """
    values: dict[str, Any] = {"status": status, "finished_at": utcnow() if status in ENDED else None}
    if error is not None:
        values["last_error"] = error
    with Session(engine) as session:
        session.execute(update(CrawlJob).where(CrawlJob.run_id == run_id, CrawlJob.demarche_id == demarche_id).values(**values))
        session.commit()
    if status in ENDED:
        close_if_done(engine, run_id)


def close_if_done(engine: Engine, run_id: int) -> bool:
    """End the run ``finished`` when none of its jobs is left to do or in progress. The run's
    row is locked while counting, so two last jobs cannot both close it, nor both miss it."""
    with Session(engine) as session:
        run = session.exec(select(CrawlRun).where(CrawlRun.id == run_id).with_for_update()).one()
        if run.status != "running":
            return False
        left = session.exec(select(func.count()).select_from(CrawlJob)
                            .where(CrawlJob.run_id == run_id, CrawlJob.status.not_in(ENDED))).one()
        if left:
            return False
        run.status, run.finished_at = "finished", utcnow()
        session.add(run)
        session.commit()
        log.info("Passage n° %s terminé (dernière tâche finie).", run_id)
        return True


# --- Politeness ----------------------------------------------------------------------------------


@asynccontextmanager
async def host_slot(settings: Settings, url: str) -> AsyncIterator[None]:
    """Hold one of the ``host_limit`` slots of the URL's host while its page is audited.

    Session-level advisory locks on a connection of this page's own: the server frees them when
    the connection closes, so a SIGKILLed worker never keeps a slot. Waiters queue on the host's
    turnstile, which PostgreSQL grants in arrival order, so the first to ask is the first served;
    only the turnstile's holder polls the slots.
    """
    import psycopg

    host = f"rgaa_host:{(urlsplit(url).hostname or '').lower()}"
    limit = settings.crawl.host_limit
    try:
        connection = await psycopg.AsyncConnection.connect(conninfo(settings.database_url), autocommit=True)
    except psycopg.Error as error:
        raise _limiter_down(error) from error
    async with connection:
        try:
            slot = await _take_slot(connection, host, limit)
        except psycopg.Error as error:
            raise _limiter_down(error) from error
        try:
            yield
        finally:
            try:
                await connection.execute("SELECT pg_advisory_unlock(hashtext(%s), %s)", (host, slot))
            except psycopg.Error:
                pass  # the connection is gone, and the slot with it


async def _take_slot(connection: Any, host: str, limit: int) -> int:
    await connection.execute("SELECT pg_advisory_lock(hashtext(%s), %s)", (host, TURNSTILE))
    try:
        while True:
            for slot in range(limit):
                row = await (await connection.execute("SELECT pg_try_advisory_lock(hashtext(%s), %s)", (host, slot))).fetchone()
                if row[0]:
                    return slot
            await asyncio.sleep(0.05)
    finally:
        await connection.execute("SELECT pg_advisory_unlock(hashtext(%s), %s)", (host, TURNSTILE))


def _limiter_down(error: BaseException) -> RunAborted:
    # The job's failure, not the page's: the job is retried later, the page not stored as broken.
    return RunAborted(f"la base de données ne répond pas pour la limite par hôte ({type(error).__name__} : {str(error)[:200]})")


# --- Fan-out -------------------------------------------------------------------------------------


def start_run(*, engine: Engine, settings: Settings, demarche_ids: list[str] | None = None, trigger: str = "cli",
              full: bool = False) -> CrawlRun:
    """Create a distributed run and defer one job per démarche; returns at once (the workers
    crawl). A re-audit of chosen démarches goes before the nightly jobs (queue priority);
    ``full`` (``crawl --full``) makes its jobs audit every page afresh."""
    require(settings)
    with Session(engine) as session:
        run_targets = targets(session=session, demarche_ids=demarche_ids)  # a typo leaves no run behind
    ensure_queue(engine)
    run_targets = interleave_hosts(run_targets)
    priority = settings.crawl.on_demand_priority if demarche_ids else 0
    with Session(engine, expire_on_commit=False) as session:
        run = CrawlRun(mode="distributed", trigger=trigger, axe_version=axe_version(), pid=os.getpid(),
                       hostname=socket.gethostname(), heartbeat_at=utcnow())
        session.add(run)
        session.flush()
        session.add_all([CrawlJob(run_id=run.id, demarche_id=t.demarche_id, priority=priority) for t in run_targets])
        if not run_targets:
            run.status, run.finished_at = "finished", utcnow()
        session.commit()
    try:
        job_ids = asyncio.run(_defer(settings, run.id, run_targets, priority, full))
    except Exception as error:
        with Session(engine, expire_on_commit=False) as session:
            run = session.get(CrawlRun, run.id)
            run.status, run.finished_at = "failed", utcnow()
            run.failure = f"les tâches n'ont pas pu être mises en file : {type(error).__name__} : {str(error)[:300]}"
            session.add(run)
            session.commit()
        raise TrackerError(f"passage n° {run.id} en échec : {run.failure}") from error
    with Session(engine) as session:
        for target, job_id in zip(run_targets, job_ids):
            session.execute(update(CrawlJob).where(CrawlJob.run_id == run.id, CrawlJob.demarche_id == target.demarche_id)
                            .values(queue_job_id=job_id))
        session.commit()
    return run


def interleave_hosts(run_targets: list[Target]) -> list[Target]:
    """Round-robin over hosts: the queue is first in, first out, and a catalogue sorted by id
    puts a platform's many démarches side by side; deferred in that order, every worker would
    wait on the same host's limit while other hosts sit idle."""
    by_host: dict[str, list[Target]] = {}
    for target in run_targets:
        by_host.setdefault((urlsplit(target.url).hostname or "").lower(), []).append(target)
    queues = list(by_host.values())
    ordered = []
    for rank in range(max((len(q) for q in queues), default=0)):
        ordered.extend(q[rank] for q in queues if rank < len(q))
    return ordered


async def _defer(settings: Settings, run_id: int, run_targets: list[Target], priority: int, full: bool = False) -> list[int]:
    app = make_app(settings)
    task = app.tasks[TASK]
    ids = []
    async with app.open_async():
        for target in run_targets:
            # queueing_lock: the same démarche is never twice in the queue for one run;
            # lock: nor audited by two workers at once (a nightly job and a re-audit).
            ids.append(await task.configure(queueing_lock=f"run{run_id}:{target.demarche_id}", lock=f"demarche:{target.demarche_id}",
                                            priority=priority).defer_async(run_id=run_id, demarche_id=target.demarche_id, url=target.url,
                                                                           full=full))
    return ids


# --- The worker ----------------------------------------------------------------------------------


def run_worker(*, engine: Engine, settings: Settings, concurrency: int = 1) -> None:
    """Run one worker until SIGTERM/SIGINT: jobs in flight are finished, then the browser closes."""
    require(settings)
    ensure_queue(engine)
    asyncio.run(_work(engine, settings, concurrency))


async def _work(engine: Engine, settings: Settings, concurrency: int) -> None:
    global _worker
    from playwright.async_api import async_playwright

    app = make_app(settings)
    crawl = settings.crawl
    async with async_playwright() as playwright:
        # Relaunches its browser when it dies; hands a démarche's context to the next, wiped.
        pool = BrowserPool(playwright, settings, prewarm=True)
        await pool.start()  # fail fast when no browser can start
        _worker = WorkerState(engine, settings, pool, worker_label(), axe_script())
        log.info("worker %s ready (concurrency %d)", _worker.label, concurrency)
        try:
            async with app.open_async():
                rescuer = asyncio.create_task(rescue_stalled(app, engine, settings))
                try:
                    await app.run_worker_async(
                        queues=[QUEUE], name=_worker.label, concurrency=concurrency, delete_jobs="never",
                        update_heartbeat_interval=crawl.worker_heartbeat_s, stalled_worker_timeout=crawl.stalled_after_s,
                        fetch_job_polling_interval=min(5.0, crawl.stalled_after_s / 4),
                        shutdown_graceful_timeout=settings.schedule.shutdown_timeout_s,
                    )
                finally:
                    rescuer.cancel()
        finally:
            _worker = None
            await pool.close()


async def rescue_stalled(app: Any, engine: Engine, settings: Settings) -> None:
    """Hand back to the queue the jobs of workers that stopped beating (SIGKILL, power loss,
    network): procrastinate finds them, we decide. Every worker runs this; a job two workers
    both try to hand back is handed back once (the second attempt finds it no longer running)."""
    from procrastinate.jobs import Status

    every = max(0.5, settings.crawl.stalled_after_s / 4)
    while True:
        await asyncio.sleep(every)
        try:
            for job in await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=settings.crawl.stalled_after_s):
                kwargs = job.task_kwargs
                reason = "travailleur arrêté sans finir la démarche (sans signe de vie) : tâche reprise par un autre travailleur"
                try:
                    if job.attempts >= settings.crawl.job_retries:
                        await app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
                        await asyncio.to_thread(_end, engine, kwargs["run_id"], kwargs["demarche_id"], "failed", reason)
                    else:
                        await app.job_manager.retry_job(job)
                        await asyncio.to_thread(_end, engine, kwargs["run_id"], kwargs["demarche_id"], "todo", reason)
                except Exception as error:  # noqa: BLE001 — handed back by another worker first
                    log.info("stalled job %s not handed back here (%s)", job.id, error)
                    continue
                log.warning("Tâche %s (démarche %s) d'un travailleur sans signe de vie : remise en file.", job.id, kwargs.get("demarche_id"))
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 — the database hiccuped: try again next round
            log.warning("recherche des tâches bloquées impossible (%s : %s)", type(error).__name__, error)


# --- What ``runs show`` adds ---------------------------------------------------------------------


def queue_state(session: Session, run_id: int) -> dict:
    """A distributed run's jobs: how many to do, in progress, done, failed, per worker, and
    the démarches retried (more than one attempt) with their last failure."""
    jobs = session.exec(select(CrawlJob).where(CrawlJob.run_id == run_id).order_by(CrawlJob.demarche_id)).all()
    labels = {"todo": "todo", "doing": "doing", "succeeded": "done", "failed": "failed"}
    totals = dict.fromkeys(labels.values(), 0)
    workers: dict[str, dict[str, int]] = {}
    for job in jobs:
        key = labels.get(job.status, job.status)
        totals[key] = totals.get(key, 0) + 1
        if job.worker:
            per = workers.setdefault(job.worker, dict.fromkeys(labels.values(), 0))
            per[key] = per.get(key, 0) + 1
    return {
        **totals,
        "jobs": len(jobs),
        "workers": workers,
        "retried": [{"demarche_id": j.demarche_id, "attempts": j.attempts, "status": labels.get(j.status, j.status),
                     "last_error": j.last_error} for j in jobs if j.attempts > 1],
        "failed_jobs": [{"demarche_id": j.demarche_id, "attempts": j.attempts, "last_error": j.last_error}
                        for j in jobs if j.status == "failed"],
    }
