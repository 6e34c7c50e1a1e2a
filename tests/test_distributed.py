"""The distributed crawl with real parts: PostgreSQL, procrastinate, three ``rgaa-tracker worker``
processes each with its own Chromium, pages served by this test on three loopback hosts.

One worker is SIGKILLed in the middle of a démarche; the others must finish it, every page must
be stored exactly once, no host may ever serve more pages at once than the per-host limit, and
the run must end ``finished`` with the retried démarche reported. Then a second run of the same
unchanged pages reuses every audit, with the same findings (incremental audits across workers).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from rgaa_tracker import db
from rgaa_tracker.models import CrawlJob, CrawlRun, Demarche, Ministry, PageAudit

from .conftest import POSTGRES_URL
from .factories import wait_for

needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="le mode distribué demande PostgreSQL : définir RGAA_TRACKER_TEST_POSTGRES_URL pour ce test"
)

HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
PER_HOST = 6  # 18 démarches, 3 pages each
PAGE_DELAY_S = 0.25
SHARED = "hcommun"  # every démarche of a host links to the host's one statement page
ROOT = Path(__file__).resolve().parent.parent


class Recorder:
    """Start and stop times of every page request, per host, as the servers saw them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, float, float]] = []

    def handler(self, host: str):
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                if not path.startswith("/h"):
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                started = time.monotonic()
                time.sleep(PAGE_DELAY_S)
                name = path.strip("/")
                body = (f"<!doctype html><html lang='fr'><head><title>{name}</title></head><body><main><h1>{name}</h1>"
                        f"<p>Démarche de test.</p></main><footer><a href='/{SHARED}/accessibilite'>Accessibilité : non conforme</a> "
                        f"<a href='/{name.split('/')[0]}/mentions-legales'>Mentions légales</a></footer></body></html>").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                with recorder.lock:
                    recorder.requests.append((host, path, started, time.monotonic()))

        return Handler

    def max_concurrent(self, host: str) -> int:
        events = sorted([(start, 1) for h, _, start, _ in self.requests if h == host] +
                        [(stop, -1) for h, _, _, stop in self.requests if h == host], key=lambda e: (e[0], e[1]))
        current = peak = 0
        for _, step in events:
            current += step
            peak = max(peak, current)
        return peak


@pytest.fixture
def hosts():
    recorder = Recorder()
    servers = []
    for host in HOSTS:
        server = ThreadingHTTPServer((host, 0), recorder.handler(host))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield recorder, [f"http://{host}:{server.server_address[1]}" for host, server in zip(HOSTS, servers)]
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def pg_env(tmp_path):
    """A fresh database (public and the queue's schema) and the environment of the subprocesses."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS procrastinate CASCADE"))
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    admin.dispose()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RGAA_TRACKER_DATABASE_URL": POSTGRES_URL,
        "RGAA_TRACKER_AUDITS_DIR": str(tmp_path / "audits"),
        "RGAA_TRACKER_LOG_FILE": str(tmp_path / "rgaa-tracker.log"),
        "RGAA_TRACKER_CRAWL__ALLOWED_ADDRESS_CLASSES": '["loopback"]',
        "RGAA_TRACKER_CRAWL__SETTLE_TIMEOUT_S": "0.5",
        "RGAA_TRACKER_CRAWL__PAGES_PER_DEMARCHE": "3",
        "RGAA_TRACKER_CRAWL__HOST_LIMIT": "1",
        "RGAA_TRACKER_CRAWL__WORKER_HEARTBEAT_S": "1",
        "RGAA_TRACKER_CRAWL__STALLED_AFTER_S": "4",
        "RGAA_TRACKER_CRAWL__JOB_RETRIES": "3",
        "RGAA_TRACKER_CRAWL__JOB_RETRY_BASE_S": "1",
    }
    engine = db.make_engine(POSTGRES_URL)
    db.upgrade(engine)
    yield engine, env
    engine.dispose()


def cli(env, cwd, *args, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "rgaa_tracker", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def finished_run(engine, run_id: int) -> bool:
    from sqlmodel import Session

    with Session(engine) as session:
        return session.get(CrawlRun, run_id).status == "finished"


def findings(engine, run_id: int) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """(démarche, URL) → its criteria and statuses stored for the run."""
    from sqlmodel import Session, select

    from rgaa_tracker.models import CriterionResult

    with Session(engine) as session:
        rows = session.exec(select(PageAudit.demarche_id, PageAudit.url, CriterionResult.criterion, CriterionResult.status)
                            .join(CriterionResult, CriterionResult.page_audit_id == PageAudit.id, isouter=True)
                            .where(PageAudit.run_id == run_id)).all()
    found: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for demarche, url, criterion, status in rows:
        found.setdefault((demarche, url), set())
        if criterion:
            found[(demarche, url)].add((criterion, status))
    return found


@needs_postgres
@pytest.mark.timeout(420)  # about 60 s on a quiet machine; three Chromiums on a loaded one take longer
def test_three_workers_one_killed_every_page_once_per_host_limit_kept(hosts, pg_env, tmp_path):
    from sqlmodel import Session, func, select

    recorder, bases = hosts
    engine, env = pg_env
    with Session(engine) as session:
        session.add(Ministry(code="TEST", name="Test"))
        session.flush()
        for h, base in enumerate(bases):
            for i in range(PER_HOST):
                name = f"h{h}d{i}"
                session.add(Demarche(id=name, title=name, ministry_code="TEST", url=f"{base}/{name}/"))
        session.commit()
    demarches = len(bases) * PER_HOST

    workers = [subprocess.Popen([sys.executable, "-m", "rgaa_tracker", "worker", "--concurrency", "1"], env=env, cwd=tmp_path,
                                stdout=open(tmp_path / f"worker{n}.out", "w"), stderr=subprocess.STDOUT, start_new_session=True)
               for n in range(3)]
    try:
        cli(env, tmp_path, "crawl", "--distributed")
        with Session(engine) as session:
            run_id = session.exec(select(CrawlRun.id).order_by(CrawlRun.id.desc())).first()
        victim = workers[0]
        label_suffix = f":{victim.pid}"

        def victim_mid_demarche():
            with Session(engine) as session:
                for job in session.exec(select(CrawlJob).where(CrawlJob.run_id == run_id, CrawlJob.status == "doing")).all():
                    if job.worker and job.worker.endswith(label_suffix):
                        stored = session.exec(select(func.count()).select_from(PageAudit).where(
                            PageAudit.run_id == run_id, PageAudit.demarche_id == job.demarche_id)).one()
                        if stored >= 1:
                            return job.demarche_id
            return None

        killed_demarche = wait_for(victim_mid_demarche, 90, "the victim worker in the middle of a démarche")
        os.killpg(victim.pid, signal.SIGKILL)  # the worker and its Chromium, as an OOM kill would
        victim.wait(10)

        wait_for(lambda: finished_run(engine, run_id), 180, "the run to finish")

        with Session(engine) as session:
            run = session.get(CrawlRun, run_id)
            pages = session.exec(select(PageAudit).where(PageAudit.run_id == run_id)).all()
            jobs = {job.demarche_id: job for job in session.exec(select(CrawlJob).where(CrawlJob.run_id == run_id)).all()}
        keys = [(p.demarche_id, p.url) for p in pages]
        assert len(keys) == len(set(keys)), "a page stored twice"
        assert len(pages) == demarches * 3, sorted(keys)
        assert run.pages_total == demarches * 3
        assert [p for p in pages if p.error_code] == []
        assert {j.status for j in jobs.values()} == {"succeeded"}
        assert jobs[killed_demarche].attempts >= 2
        assert not jobs[killed_demarche].worker.endswith(label_suffix), "the killed worker's démarche finished by another worker"
        for host in HOSTS:
            assert recorder.max_concurrent(host) <= 1, f"{host} served more pages at once than the limit"

        shown = json.loads(cli(env, tmp_path, "runs", "show", str(run_id), "--json").stdout)
        assert {"id", "status", "started_at", "finished_at", "pages"} <= set(shown)
        assert shown["status"] == "finished" and shown["mode"] == "distributed"
        queue = shown["queue"]
        assert (queue["todo"], queue["doing"], queue["done"], queue["failed"]) == (0, 0, demarches, 0)
        assert killed_demarche in {r["demarche_id"] for r in queue["retried"]}
        assert "sans signe de vie" in next(r["last_error"] for r in queue["retried"] if r["demarche_id"] == killed_demarche)
        assert len(queue["workers"]) >= 2 and sum(w["done"] for w in queue["workers"].values()) == demarches

        # The next night, nothing changed: every page of every démarche reuses its own last audit,
        # on whichever worker, with the same criteria — a host's statement page shared by its six
        # démarches included (each finds its own audit of it, not the last one stored).
        cli(env, tmp_path, "crawl", "--distributed")
        with Session(engine) as session:
            second_id = session.exec(select(CrawlRun.id).order_by(CrawlRun.id.desc())).first()
        assert second_id != run_id
        wait_for(lambda: finished_run(engine, second_id), 180, "the second run to finish")
        first, second = findings(engine, run_id), findings(engine, second_id)
        with Session(engine) as session:
            again = session.exec(select(PageAudit).where(PageAudit.run_id == second_id)).all()
        assert len(again) == demarches * 3 and not [p for p in again if p.error_code]
        # The killed démarche's retry skipped the pages its first attempt had stored, so its later
        # pages were judged without their titles (8.6): a different fingerprint, audited afresh.
        assert [p.url for p in again if p.reused_from_id is None and p.demarche_id != killed_demarche] == []
        first_ids = {(p.demarche_id, p.url): p.id for p in pages}
        assert all(p.reused_from_id == first_ids[(p.demarche_id, p.url)] for p in again if p.demarche_id != killed_demarche)
        assert sum(1 for p in again if p.url.endswith(f"/{SHARED}/accessibilite")) == demarches
        assert {k: v for k, v in second.items() if k[0] != killed_demarche} == {k: v for k, v in first.items() if k[0] != killed_demarche}
        assert any(second.values())
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(5)


def test_distributed_mode_refuses_sqlite_in_french(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RGAA_TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
           "RGAA_TRACKER_LOG_FILE": str(tmp_path / "log")}
    for args in (["crawl", "--distributed"], ["worker"]):
        result = cli(env, tmp_path, *args, check=False)
        assert result.returncode == 1
        assert "le mode distribué demande une base PostgreSQL" in result.stderr


def test_a_page_delivered_twice_is_stored_once(engine, settings, tmp_path):
    """At-least-once delivery: the second store of a (run, démarche, URL) returns the first row."""
    from sqlmodel import Session, select

    from rgaa_tracker.browser import PageResult
    from rgaa_tracker.crawl.store import Target, record_page
    from tests.factories import add_demarches

    add_demarches(engine, tmp_path, [["a", "A", "MEF", "https://example.invalid/a"]])
    with Session(engine, expire_on_commit=False) as session:
        run = CrawlRun(mode="distributed")
        session.add(run)
        session.commit()
    pages = []
    for _ in range(2):  # two workers, two sessions, each with its own copy of the run
        with Session(engine, expire_on_commit=False) as session:
            mine = session.get(CrawlRun, run.id)
            result = PageResult(url="https://example.invalid/a").fail("http_error", "HTTP 404")
            pages.append(record_page(session=session, run=mine, target=Target("a", "https://example.invalid/a"), role="start",
                                     result=result, audits_dir=tmp_path / "audits"))
    with Session(engine) as session:
        stored = session.exec(select(PageAudit).where(PageAudit.run_id == run.id)).all()
        assert len(stored) == 1 and pages[0].id == pages[1].id == stored[0].id
        assert session.get(CrawlRun, run.id).pages_total == 1


def test_jobs_are_deferred_round_robin_over_hosts():
    from rgaa_tracker.crawl.distributed import interleave_hosts
    from rgaa_tracker.crawl.store import Target

    targets = [Target(f"a{i}", f"https://a.example/{i}") for i in range(3)] + [Target("b0", "https://b.example/"), Target("c0", "https://C.example/x")]
    assert [t.demarche_id for t in interleave_hosts(targets)] == ["a0", "b0", "c0", "a1", "a2"]


@needs_postgres
def test_an_on_demand_reaudit_goes_before_the_nightly_jobs(pg_env, tmp_path):
    """Priority in the queue: the worker's next job is the re-audit, though deferred last."""
    import asyncio

    from sqlmodel import Session

    from rgaa_tracker.crawl import distributed
    from rgaa_tracker.settings import Settings

    engine, _env = pg_env
    with Session(engine) as session:
        session.add(Ministry(code="TEST", name="Test"))
        session.flush()
        for i in range(4):
            session.add(Demarche(id=f"d{i}", title=f"d{i}", ministry_code="TEST", url=f"https://d{i}.example.invalid/"))
        session.commit()
    settings = Settings(database_url=POSTGRES_URL)
    nightly = distributed.start_run(engine=engine, settings=settings, trigger="scheduler")
    again = distributed.start_run(engine=engine, settings=settings, demarche_ids=["d2"])

    async def next_job():
        app = distributed.make_app(settings)
        async with app.open_async():
            worker_id = await app.job_manager.register_worker()
            return await app.job_manager.fetch_job(queues=[distributed.QUEUE], worker_id=worker_id)

    job = asyncio.run(next_job())
    assert job.task_kwargs["run_id"] == again.id and job.task_kwargs["demarche_id"] == "d2"
    assert job.priority == settings.crawl.on_demand_priority
    assert nightly.id != again.id


@needs_postgres
def test_host_slots_bound_pages_per_host_and_serve_in_arrival_order():
    """At most host_limit holders per host (other hosts unaffected); waiters served first come,
    first served."""
    import asyncio

    from rgaa_tracker.crawl.distributed import host_slot
    from rgaa_tracker.settings import Settings

    settings = Settings(database_url=POSTGRES_URL, crawl={"host_limit": 2})
    holding = {"a": 0, "b": 0}
    peak = {"a": 0, "b": 0}
    served: list[int] = []

    async def page(n: int, host: str) -> None:
        async with host_slot(settings, f"https://{host}.example/{n}"):
            holding[host] += 1
            peak[host] = max(peak[host], holding[host])
            if host == "a":
                served.append(n)
            await asyncio.sleep(0.3)
            holding[host] -= 1

    async def main() -> None:
        tasks = []
        for n in range(6):
            tasks.append(asyncio.create_task(page(n, "a")))
            await asyncio.sleep(0.1)  # arrival order 0, 1, 2…
        tasks += [asyncio.create_task(page(n, "b")) for n in range(2)]
        await asyncio.gather(*tasks)

    asyncio.run(main())
    assert peak == {"a": 2, "b": 2}
    assert served == sorted(served)


def test_the_nightly_job_in_distributed_mode_defers_instead_of_crawling(engine, settings, tmp_path, monkeypatch, caplog):
    """crawl.mode = distributed: the scheduler's job creates the run and defers its jobs (on
    PostgreSQL), or logs the French refusal (SQLite); it never crawls in its own process."""
    from sqlmodel import Session, select

    from rgaa_tracker import scheduler
    from rgaa_tracker.settings import get_settings
    from tests.factories import add_demarches

    add_demarches(engine, tmp_path, [["a", "A", "MEF", "https://a.example.invalid/"]])
    monkeypatch.setenv("RGAA_TRACKER_CRAWL__MODE", "distributed")
    get_settings.cache_clear()
    with caplog.at_level("INFO", logger="rgaa_tracker.scheduler"):
        scheduler.nightly_crawl()
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "rgaa_tracker.scheduler"]
    with Session(engine) as session:
        runs = session.exec(select(CrawlRun)).all()
        jobs = session.exec(select(CrawlJob)).all()
    if engine.dialect.name == "postgresql":
        assert [e["event"] for e in events] == ["deferred"]
        assert [(r.mode, r.status, r.trigger) for r in runs] == [("distributed", "running", "scheduler")]
        assert [(j.demarche_id, j.status, j.priority) for j in jobs] == [("a", "todo", 0)]
    else:
        assert events[-1]["event"] == "error" and "PostgreSQL" in events[-1]["error"]
        assert runs == [] and jobs == []
