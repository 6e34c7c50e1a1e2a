"""The nightly crawl and the bimonthly report, run by APScheduler with its job store in the
project's database, so jobs and their next run times survive a restart.

A crawl never overlaps another: APScheduler keeps one instance per job, and ``run_crawl`` takes
the database's run lock, so a crawl from cron, the CLI or a second scheduler (on any host) makes
the job log "skipped" with the reason.
SIGTERM/SIGINT stop the crawl from taking new pages; pages in flight are finished and stored.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from . import db, report
from .crawl import run_crawl
from .errors import CrawlAlreadyRunning
from .settings import Settings, get_settings

log = logging.getLogger("rgaa_tracker.scheduler")
STOP = threading.Event()  # set by SIGTERM/SIGINT: the running crawl takes no new page
IDLE = threading.Event()  # set while no job runs
IDLE.set()
_jobs_running = 0
_jobs_lock = threading.Lock()


@contextmanager
def busy() -> Iterator[None]:
    """Count a running job: IDLE is set only when none runs (a skipped crawl must not set it
    while another job of this process is still running)."""
    global _jobs_running
    with _jobs_lock:
        _jobs_running += 1
        IDLE.clear()
    try:
        yield
    finally:
        with _jobs_lock:
            _jobs_running -= 1
            if _jobs_running == 0:
                IDLE.set()


def log_event(**fields: object) -> None:
    """One structured (JSON) log line."""
    log.info(json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **fields}, ensure_ascii=False, default=str))


def nightly_crawl() -> None:
    """The crawl job. Module-level so the persistent job store can reference it by name."""
    settings = get_settings()
    engine = db.ensure_schema()
    started = time.perf_counter()
    with busy():
        if settings.crawl.mode == "distributed":
            try:
                from .crawl.distributed import start_run

                run = start_run(engine=engine, settings=settings, trigger="scheduler")
            except Exception as error:  # refused (no PostgreSQL, no extra) or the queue is unreachable
                log_event(job="nightly_crawl", event="error", mode="distributed", error=str(error))
            else:
                log_event(job="nightly_crawl", event="deferred", mode="distributed", run=run.id)
            return
        try:
            run = run_crawl(engine=engine, settings=settings, trigger="scheduler", stop=STOP,
                            on_start=lambda total: log_event(job="nightly_crawl", event="start", demarches=total))
        except CrawlAlreadyRunning as refused:  # another scheduler, a cron or a CLI crawl holds the run lock
            log_event(job="nightly_crawl", event="skipped", reason=str(refused))
        except Exception as error:  # a failed night is logged; the scheduler lives on
            log_event(job="nightly_crawl", event="error", error=str(error), duration_s=round(time.perf_counter() - started, 1))
        else:
            log_event(job="nightly_crawl", event="end", run=run.id, status=run.status, pages=run.pages_total,
                      failed=run.pages_failed, duration_s=round(time.perf_counter() - started, 1))


def workshop_report() -> None:
    settings = get_settings()
    started = time.perf_counter()
    log_event(job="workshop_report", event="start")
    with busy():
        try:
            today = dt.date.today()
            with db.session_scope() as session:
                written = report.write_workshop(session=session, out_dir=report.default_out_dir(settings.reports_dir, today), settings=settings, as_of=today)
            log_event(job="workshop_report", event="end", report=written.id, html=written.html_path, duration_s=round(time.perf_counter() - started, 1))
        except Exception as error:
            log_event(job="workshop_report", event="error", error=str(error))


def build(settings: Settings) -> BackgroundScheduler:
    """A scheduler whose jobs live in the project's database, with the two jobs (re)declared."""
    engine = db.ensure_schema()
    timezone = settings.schedule.timezone
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": settings.schedule.misfire_grace_s},
        timezone=timezone,
    )
    scheduler.add_job(nightly_crawl, CronTrigger.from_crontab(settings.schedule.crawl_cron, timezone=timezone),
                      id="nightly_crawl", name="Passage nocturne des robots", replace_existing=True)
    scheduler.add_job(workshop_report, CronTrigger.from_crontab(settings.schedule.report_cron, timezone=timezone),
                      id="workshop_report", name="Rapport de l'atelier bimestriel", replace_existing=True)
    return scheduler


def list_jobs(settings: Settings) -> list[dict]:
    scheduler = build(settings)
    scheduler.start(paused=True)
    try:
        return [{"id": job.id, "name": job.name, "trigger": str(job.trigger), "next_run_time": job.next_run_time} for job in scheduler.get_jobs()]
    finally:
        scheduler.shutdown(wait=False)


def run_forever(settings: Settings, *, crawl_now: bool = False) -> None:
    """Run in the foreground until SIGTERM/SIGINT, then stop within ``shutdown_timeout_s``."""
    STOP.clear()
    stopping = threading.Event()

    def on_signal(signum, _frame) -> None:
        log_event(event="signal", signal=signal.Signals(signum).name)
        STOP.set()
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    scheduler = build(settings)
    scheduler.start()
    if crawl_now:
        scheduler.add_job(nightly_crawl, DateTrigger(), id="crawl_now", name="Passage immédiat", replace_existing=True)
    for job in scheduler.get_jobs():
        log_event(event="scheduled", job=job.id, next_run_time=job.next_run_time)
    while not stopping.wait(1):
        pass
    scheduler.shutdown(wait=False)
    if not IDLE.wait(settings.schedule.shutdown_timeout_s):
        log_event(event="shutdown", clean=False, reason="job still running after the timeout")
        os._exit(1)  # a hung job must not keep the service from stopping
    log_event(event="shutdown", clean=True)
