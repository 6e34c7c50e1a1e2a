"""The distributed crawl's throughput with W worker processes, and the queue's own cost per job.

    python bench/distributed.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench_dist \
        [--demarches 30] [--workers 1 2] [--noop-jobs 300]

The database is emptied (schemas ``public`` and ``procrastinate``). Démarches (3 pages each) are
served from memory on 127.0.0.1, 127.0.0.2 and 127.0.0.3; ``crawl.host_limit`` is 2. For each W:
a distributed run is deferred, W ``rgaa-tracker worker`` processes (concurrency 1) crawl it, and
the time from the first job deferred to the run's ``finished`` gives pages/minute (Chromium
start-up included: each worker starts its browser before it takes its first job).

The queue's overhead: ``--noop-jobs`` jobs of a task that does nothing, deferred then run by one
in-process worker; time per job = defer + fetch + finish, what the queue adds to each démarche.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RGAA_TRACKER_CRAWL__ALLOWED_ADDRESS_CLASSES", '["loopback"]')

from sqlalchemy import create_engine, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from rgaa_tracker import db  # noqa: E402
from rgaa_tracker.models import CrawlRun, Demarche, Ministry  # noqa: E402
from rgaa_tracker.settings import Settings  # noqa: E402

HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")


class Page(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        name = self.path.strip("/").split("/")[0]
        if not name.startswith("d"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        rows = "".join(f"<tr><td>Ligne {i}</td><td><a href='#r{i}'>détail {i}</a></td></tr>" for i in range(40))
        body = (f"<!doctype html><html lang='fr'><head><title>{self.path}</title></head><body><header><nav><ul>"
                + "".join(f"<li><a href='/{name}/x{i}'>Rubrique {i}</a></li>" for i in range(10))
                + f"</ul></nav></header><main><h1>{self.path}</h1><form><label>Nom <input name='n'></label><input name='sans-label'>"
                f"<button>Envoyer</button></form><table>{rows}</table><img src='data:,'></main>"
                f"<footer><a href='/{name}/accessibilite'>Accessibilité : partiellement conforme</a> "
                f"<a href='/{name}/mentions-legales'>Mentions légales</a></footer></body></html>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def reset(url: str) -> None:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS procrastinate CASCADE"))
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    admin.dispose()


def crawl_with(workers: int, url: str, demarches: int, bases: list[str], tmp: Path) -> tuple[float, int]:
    from rgaa_tracker.crawl.distributed import start_run

    reset(url)
    engine = db.make_engine(url)
    db.upgrade(engine)
    with Session(engine) as session:
        session.add(Ministry(code="BENCH", name="Bench"))
        session.flush()
        for i in range(demarches):
            base = bases[i % len(bases)]
            session.add(Demarche(id=f"d{i:03d}", title=f"d{i:03d}", ministry_code="BENCH", url=f"{base}/d{i:03d}/"))
        session.commit()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RGAA_TRACKER_DATABASE_URL": url, "RGAA_TRACKER_AUDITS_DIR": str(tmp / "audits"),
           "RGAA_TRACKER_LOG_FILE": str(tmp / "log"), "RGAA_TRACKER_CRAWL__PAGES_PER_DEMARCHE": "3",
           "RGAA_TRACKER_CRAWL__HOST_LIMIT": "2"}
    settings = Settings(database_url=url)
    started = time.perf_counter()
    run = start_run(engine=engine, settings=settings)
    procs = [subprocess.Popen([sys.executable, "-m", "rgaa_tracker", "worker"], env=env, cwd=tmp,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
    try:
        while True:
            with Session(engine) as session:
                done = session.get(CrawlRun, run.id)
                if done.status != "running":
                    break
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        return elapsed, done.pages_total
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(60)
        engine.dispose()


async def noop_overhead(url: str, jobs: int) -> tuple[float, float]:
    from procrastinate import App, PsycopgConnector

    from rgaa_tracker.crawl.distributed import conninfo, ensure_queue

    reset(url)
    engine = db.make_engine(url)
    db.upgrade(engine)
    ensure_queue(engine)
    app = App(connector=PsycopgConnector(conninfo=conninfo(url), min_size=1, max_size=4))

    @app.task(name="bench_noop", queue="bench")
    async def noop(n: int) -> None:
        return None

    async with app.open_async():
        started = time.perf_counter()
        for n in range(jobs):
            await noop.configure(lock=f"l{n}", queueing_lock=f"q{n}").defer_async(n=n)
        deferred = time.perf_counter() - started
        started = time.perf_counter()
        await app.run_worker_async(queues=["bench"], wait=False, concurrency=1, install_signal_handlers=False, delete_jobs="never")
        ran = time.perf_counter() - started
    engine.dispose()
    return deferred / jobs, ran / jobs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--demarches", type=int, default=30)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--noop-jobs", type=int, default=300)
    args = parser.parse_args()
    servers = []
    for host in HOSTS:
        server = ThreadingHTTPServer((host, 0), Page)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    bases = [f"http://{h}:{s.server_address[1]}" for h, s in zip(HOSTS, servers)]
    defer_s, run_s = asyncio.run(noop_overhead(args.database_url, args.noop_jobs))
    print(f"queue overhead per job ({args.noop_jobs} no-op jobs): defer {defer_s * 1000:.1f} ms, fetch+run+finish {run_s * 1000:.1f} ms")
    base_rate = None
    with TemporaryDirectory() as tmp:
        for workers in args.workers:
            elapsed, pages = crawl_with(workers, args.database_url, args.demarches, bases, Path(tmp))
            rate = pages / elapsed * 60
            base_rate = base_rate or rate
            print(f"workers {workers}: {pages} pages in {elapsed:.1f} s = {rate:.1f} pages/min ({rate / base_rate:.2f}x 1 worker)", flush=True)


if __name__ == "__main__":
    main()
