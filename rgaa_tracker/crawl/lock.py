"""One crawl run at a time per database, decided by the database itself, so that it holds for
every entry point (CLI, scheduler, cron, web) and across hosts.

PostgreSQL: the run holds a session-level advisory lock on a connection of its own, for its whole
life. The server frees the lock when that connection closes, whatever killed the process (kill -9,
reboot, network), so whoever obtains the lock knows that every row still ``running`` is dead.

SQLite has no such lock. The check-and-insert is one ``BEGIN IMMEDIATE`` transaction, whose write
lock is taken before the read, so two starters are serialised; whether a ``running`` row is still
alive is read from the row itself: its heartbeat is recent (any host; clocks assumed in sync), and,
on this host, its process still exists.

A distributed run (crawl/distributed.py) holds no lock and no process: it lives in the job
queue, is closed by its last job, and is neither counted nor ended here.

Either way a running run writes ``heartbeat_at`` every ``heartbeat_s``; on PostgreSQL it is shown
to the operator (and is a fallback). A run whose row stops being ``running`` under it (declared
dead by another starter) or whose lock connection died is told so through ``HeldRun.lost``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psutil
from sqlalchemy import Connection, Engine, text, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, select

from ..errors import CrawlAlreadyRunning, RunAborted
from ..models import CrawlRun, utcnow
from ..rgaa import axe_version
from ..settings import Settings

log = logging.getLogger("rgaa_tracker.crawl")

# The advisory lock key of crawl runs. Advisory locks are scoped to one database, so two trackers
# on one server (production and recette) do not exclude each other.
LOCK_KEY = 0x5247_4141_5F72_756E  # "RGAA_run"
HOLDER_WAIT_S = 3.0  # a lock holder inserts its row right after taking the lock


@dataclass(frozen=True)
class HeldRun:
    """The run this process started; ``lost`` is set once the database says it is no longer ours."""

    run: CrawlRun
    lost: threading.Event


@contextmanager
def run_lock(engine: Engine, settings: Settings, *, trigger: str = "cli") -> Iterator[HeldRun]:
    """Start a run (a ``running`` row) if no other run is alive, and keep it alive until exit.

    Raises ``CrawlAlreadyRunning`` (French message naming the live run) otherwise. The caller
    writes the run's final status before leaving the block: once the block is left, the run no
    longer holds the lock and its row would be taken for a dead one.
    """
    fields = {"trigger": trigger, "axe_version": axe_version(), "pid": os.getpid(), "hostname": socket.gethostname()}
    every = settings.crawl.heartbeat_s
    if engine.dialect.name == "postgresql":
        connection = engine.connect()
        try:
            run = _start_on_postgres(connection, engine, fields)
            with _heartbeat(run, _beat_on(connection, run.id, keeps_lock=True), every) as lost:
                yield HeldRun(run, lost)
        finally:
            # Closing the connection (not handing it back to the pool) is what frees the lock,
            # even when an unlock could not be sent.
            connection.invalidate()
            connection.close()
    else:
        run = _start_on_sqlite(engine, fields, settings.crawl.stale_after_s)
        with engine.connect() as connection, _heartbeat(run, _beat_on(connection, run.id, keeps_lock=False), every) as lost:
            yield HeldRun(run, lost)


def busy_message(run: CrawlRun | None, now: dt.datetime | None = None) -> str:
    """The French refusal, naming the live run so the operator can wait for it or stop it."""
    if run is None:
        return "Un passage des robots est déjà en cours (il démarre à l'instant). Attendez sa fin, ou arrêtez-le."
    now = now or utcnow()
    started = as_utc(run.started_at)
    last = as_utc(run.heartbeat_at) if run.heartbeat_at else None
    life = f", dernier signe de vie il y a {max(0, round((now - last).total_seconds()))} s" if last else ""
    return (
        f"Un passage des robots est déjà en cours : passage n° {run.id}, commencé le {started:%d/%m/%Y à %H:%M} UTC "
        f"sur l'hôte « {run.hostname or 'inconnu'} » (processus {run.pid if run.pid is not None else 'inconnu'}{life}). "
        "Attendez sa fin, ou arrêtez-le."
    )


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes; every one this project writes is UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _start_on_postgres(connection: Connection, engine: Engine, fields: dict) -> CrawlRun:
    obtained = connection.execute(text("SELECT pg_try_advisory_lock(CAST(:key AS bigint))"), {"key": LOCK_KEY}).scalar_one()
    connection.commit()  # the lock is session-level: it outlives this transaction
    if not obtained:
        raise CrawlAlreadyRunning(busy_message(_holder(engine)))
    with Session(bind=connection, expire_on_commit=False) as session:
        # The lock was free: whoever left rows ``running`` is gone, on whichever host.
        _end_dead_runs(session, lambda _run: True)
        run = CrawlRun(**fields, heartbeat_at=utcnow())
        session.add(run)
        session.commit()
        return run


def _holder(engine: Engine) -> CrawlRun | None:
    deadline = time.monotonic() + HOLDER_WAIT_S
    while True:
        with Session(engine, expire_on_commit=False) as session:
            run = session.exec(select(CrawlRun).where(CrawlRun.status == "running", CrawlRun.mode == "local").order_by(CrawlRun.id.desc())).first()
        if run is not None or time.monotonic() > deadline:
            return run
        time.sleep(0.1)


def _start_on_sqlite(engine: Engine, fields: dict, stale_after_s: float) -> CrawlRun:
    with engine.connect() as connection:
        # pysqlite would otherwise open its own deferred transaction (or none before a SELECT):
        # driver-level autocommit leaves BEGIN/COMMIT to us, restored when the connection returns
        # to the pool.
        connection.execution_options(isolation_level="AUTOCOMMIT")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # waits up to the busy timeout for another starter
        except OperationalError as error:
            raise RunAborted(f"impossible de démarrer le passage : la base SQLite reste verrouillée ({error.orig})") from error
        try:
            with Session(bind=connection, expire_on_commit=False) as session:
                now, host = utcnow(), socket.gethostname()
                live = _end_dead_runs(session, lambda run: _is_dead(run, now=now, host=host, stale_after_s=stale_after_s))
                run = None if live else CrawlRun(**fields, heartbeat_at=now)
                if run is not None:
                    session.add(run)
                session.flush()
            connection.exec_driver_sql("COMMIT")
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise
    if live:
        raise CrawlAlreadyRunning(busy_message(live[-1]))
    return run


def _is_dead(run: CrawlRun, *, now: dt.datetime, host: str, stale_after_s: float) -> bool:
    last = as_utc(run.heartbeat_at or run.started_at)
    if (now - last).total_seconds() > stale_after_s:
        return True
    return run.hostname == host and not _process_alive(run)


def _process_alive(run: CrawlRun) -> bool:
    if run.pid is None or not psutil.pid_exists(run.pid):
        return False
    try:
        # A pid reused since (after a reboot, say) belongs to a process younger than the run.
        return psutil.Process(run.pid).create_time() <= as_utc(run.started_at).timestamp() + 1
    except psutil.Error:
        return False


def _end_dead_runs(session: Session, dead: Callable[[CrawlRun], bool]) -> list[CrawlRun]:
    """Mark the dead ``running`` rows ``interrupted`` (ended at their last sign of life); the
    live ones are returned."""
    live = []
    for run in session.exec(select(CrawlRun).where(CrawlRun.status == "running", CrawlRun.mode == "local").order_by(CrawlRun.id)).all():
        if not dead(run):
            live.append(run)
            continue
        run.status, run.finished_at = "interrupted", run.heartbeat_at or utcnow()
        session.add(run)
        log.warning("Passage n° %s (hôte %s, processus %s) sans signe de vie : marqué interrompu.", run.id, run.hostname or "inconnu", run.pid)
    return live


def _beat_on(connection: Connection, run_id: int, *, keeps_lock: bool) -> Callable[[], bool]:
    """One heartbeat write; False when the run is no longer ours."""
    statement = update(CrawlRun).where(CrawlRun.id == run_id, CrawlRun.status == "running")

    def beat() -> bool:
        try:
            result = connection.execute(statement.values(heartbeat_at=utcnow()))
            connection.commit()
        except DBAPIError as error:
            if keeps_lock and (error.connection_invalidated or connection.invalidated):
                return False  # the advisory lock went with the connection
            connection.rollback()
            raise
        return result.rowcount == 1

    return beat


@contextmanager
def _heartbeat(run: CrawlRun, beat: Callable[[], bool], every: float) -> Iterator[threading.Event]:
    done, lost = threading.Event(), threading.Event()

    def keep_beating() -> None:
        while not done.wait(every):  # an Event, so that the end of the run stops it at once
            try:
                if not beat():
                    lost.set()
                    return
            except Exception as error:  # noqa: BLE001 — a missed beat is retried; only staleness kills
                log.warning("Passage n° %s : signe de vie non écrit (%s : %s)", run.id, type(error).__name__, error)

    thread = threading.Thread(target=keep_beating, name=f"heartbeat-{run.id}", daemon=True)
    thread.start()
    try:
        yield lost
    finally:
        done.set()
        thread.join(timeout=40)  # a beat in progress waits at most the SQLite busy timeout (30 s)
