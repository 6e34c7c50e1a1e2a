"""One crawl run at a time, enforced by the database (SQLite and PostgreSQL), and no Chromium left
behind by a run that finished, failed, was stopped or was killed.

Real things only: the real databases, real processes started at the same instant, real Chromium,
real signals. Each test first checks that what it is about really happened (the loser really met
a running run, the Chromium processes really existed), so that it could fail.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from rgaa_tracker.crawl import run_crawl, run_lock
from rgaa_tracker.crawl.lock import LOCK_KEY, as_utc
from rgaa_tracker.errors import CrawlAlreadyRunning, RunAborted
from rgaa_tracker.models import CrawlRun, PageAudit, utcnow
from rgaa_tracker.settings import get_settings

from . import hostile
from .factories import add_demarches, wait_for

HOST = socket.gethostname()

# A child that imports everything, says it is ready, then waits for its start line on stdin: the
# parent writes the start line to every child at once, so they reach the lock in the same instant.
AT_START_LINE = """
import runpy, sys
import playwright.async_api, rgaa_tracker.cli, rgaa_tracker.crawl  # imported before the start line
print("prêt", flush=True)
sys.stdin.readline()
sys.argv = ["rgaa-tracker", *sys.argv[1:]]
runpy.run_module("rgaa_tracker", run_name="__main__", alter_sys=True)
"""

# A contender for the lock alone (no browser), one attempt per start line: holds the lock for a
# moment if it gets it, and ends its run as run_crawl does (final status written under the lock).
CONTENDER = """
import sys, time
from sqlmodel import Session
from rgaa_tracker import db
from rgaa_tracker.crawl import run_lock
from rgaa_tracker.errors import CrawlAlreadyRunning
from rgaa_tracker.models import CrawlRun, utcnow
from rgaa_tracker.settings import get_settings
settings = get_settings()
engine = db.make_engine(settings.database_url)
with engine.connect():
    pass
print("prêt", flush=True)
while sys.stdin.readline().strip() == "go":
    try:
        with run_lock(engine, settings, trigger="test") as held:
            print(f"gagné {held.run.id}", flush=True)
            time.sleep(HOLD_S)
            with Session(engine) as session:
                run = session.get(CrawlRun, held.run.id)
                run.status, run.finished_at = "finished", utcnow()
                session.commit()
    except CrawlAlreadyRunning as refused:
        print(f"refusé {refused}", flush=True)
    print("prêt", flush=True)
"""

# The check-then-insert the lock replaces (what ``mark_lost_runs`` then the insert did), with the
# few milliseconds the old code spent between the two (targets, axe version): the control showing
# that the harness does make contenders meet.
NAIVE_CONTENDER = """
import sys, time
from sqlmodel import Session, select
from rgaa_tracker import db
from rgaa_tracker.models import CrawlRun, utcnow
from rgaa_tracker.settings import get_settings
settings = get_settings()
engine = db.make_engine(settings.database_url)
with engine.connect():
    pass
print("prêt", flush=True)
while sys.stdin.readline().strip() == "go":
    with Session(engine) as session:
        running = session.exec(select(CrawlRun).where(CrawlRun.status == "running")).first()
        time.sleep(0.05)
        if running is None:
            run = CrawlRun(trigger="test", heartbeat_at=utcnow())
            session.add(run)
            session.commit()
            print(f"gagné {run.id}", flush=True)
            time.sleep(HOLD_S)
            run.status, run.finished_at = "finished", utcnow()
            session.add(run)
            session.commit()
        else:
            print("refusé", flush=True)
    print("prêt", flush=True)
"""
HOLD_S = 0.5


@pytest.fixture
def hostile_url():
    server, url = hostile.start()
    yield url
    hostile.stop(server)


def runs(engine) -> list[CrawlRun]:
    with Session(engine) as session:
        return list(session.exec(select(CrawlRun).order_by(CrawlRun.id)).all())


def start_together(script: str, args: list[str], count: int, cwd: Path, env: dict) -> list[subprocess.Popen]:
    """``count`` children of ``script``, released by one start line once all are ready."""
    children = [subprocess.Popen([sys.executable, "-c", script, *args], cwd=cwd, env=env, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(count)]
    try:
        for child in children:
            ready = child.stdout.readline()  # bounded by the test timeout; a crash gives "" at once
            if ready.strip() != "prêt":
                child.kill()
                raise AssertionError(f"a child did not get ready: {ready!r} {child.communicate()[1]}")
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
    except BaseException:
        for child in children:
            child.kill()
        raise
    return children


def finish(children: list[subprocess.Popen], seconds: float) -> list[tuple[int, str, str]]:
    deadline = time.monotonic() + seconds
    results = []
    try:
        for child in children:
            out, err = child.communicate(timeout=max(0.1, deadline - time.monotonic()))
            results.append((child.returncode, out, err))
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait(10)
    return results


def chromium_of(pid: int) -> list[psutil.Process]:
    """Chromium processes (browser, zygotes, renderers…) descending from ``pid``."""
    try:
        descendants = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for process in descendants:
        try:
            if "chrom" in f"{process.name()} {' '.join(process.cmdline()[:1])}".lower():
                found.append(process)
        except psutil.Error:
            pass
    return found


def alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def crawl_env(**crawl: object) -> dict:
    env = {**os.environ, "RGAA_TRACKER_CRAWL__PAGES_PER_DEMARCHE": "1", "RGAA_TRACKER_CRAWL__RETRIES": "0"}
    env.update({f"RGAA_TRACKER_CRAWL__{key.upper()}": str(value) for key, value in crawl.items()})
    return env


def use(monkeypatch, **crawl: object):
    for key, value in crawl.items():
        monkeypatch.setenv(f"RGAA_TRACKER_CRAWL__{key.upper()}", str(value))
    get_settings.cache_clear()
    return get_settings()


def add_running(engine, *, host: str, pid: int | None, started_ago_s: float, beat_ago_s: float | None) -> int:
    now = utcnow()
    with Session(engine) as session:
        run = CrawlRun(status="running", trigger="cli", hostname=host, pid=pid, started_at=now - dt.timedelta(seconds=started_ago_s),
                       heartbeat_at=None if beat_ago_s is None else now - dt.timedelta(seconds=beat_ago_s))
        session.add(run)
        session.commit()
        return run.id


# --- two starts at the same instant -------------------------------------------------------------


def test_two_crawl_commands_started_at_once_only_one_runs(engine, settings, tmp_path, hostile_url):
    add_demarches(engine, tmp_path, [[f"lente-{i}", f"Lente {i}", "MEF", f"{hostile_url}/slow/5?{i}"] for i in range(2)])
    children = start_together(AT_START_LINE, ["crawl", "--concurrency", "2"], 2, tmp_path, crawl_env(heartbeat_s=0.5))
    released = time.monotonic()
    try:
        loser = wait_for(lambda: next((c for c in children if c.poll() is not None), None), 20, "one crawl refused")
        refused_after = time.monotonic() - released
        [winner] = [c for c in children if c is not loser]
        # The refusal really met a running crawl: the winner is still at work, with its row running.
        assert winner.poll() is None
        [run] = runs(engine)
        assert run.status == "running" and run.pid == winner.pid and run.hostname == HOST
        browsers = wait_for(lambda: chromium_of(winner.pid), 20, "the winner's Chromium")
    finally:
        results = dict(zip(children, finish(children, 60)))
    lost_code, _, lost_err = results[loser]
    won_code, won_out, won_err = results[winner]
    assert (lost_code, won_code) == (1, 0), (lost_err, won_err)
    assert refused_after < 15, "the second crawl must be refused at once, not wait for the first"
    assert "Traceback" not in lost_err + won_err
    refusal = " ".join(lost_err.split())
    assert (f"Erreur : Un passage des robots est déjà en cours : passage n° {run.id}, commencé le "
            f"{as_utc(run.started_at):%d/%m/%Y à %H:%M} UTC sur l'hôte « {HOST} » (processus {winner.pid}, ") in refusal
    assert refusal.endswith("Attendez sa fin, ou arrêtez-le.")
    [run] = runs(engine)  # still exactly one run, and it went through
    assert run.status == "finished" and run.pages_total >= 2 and run.pages_failed == 0
    assert f"Passage n° {run.id} terminé" in won_out
    # Finished: the winner's Chromium went with it.
    assert browsers
    wait_for(lambda: not [p for p in browsers if alive(p)], 5, "the finished crawl's Chromium gone")


def contend(script: str, count: int, rounds: int, cwd: Path) -> list[list[str]]:
    """``count`` processes try to start a run at the same instant, ``rounds`` times; their answers."""
    children = start_together(script.replace("HOLD_S", str(HOLD_S)), [], count, cwd, dict(os.environ))

    def say(child: subprocess.Popen, line: str) -> None:
        child.stdin.write(line + "\n")
        child.stdin.flush()

    def answer(child: subprocess.Popen) -> str:
        line = child.stdout.readline().strip()
        if not line:  # it died: show why
            child.kill()
            raise AssertionError(f"a contender died: {child.communicate()[1]}")
        return line

    answers = []
    try:
        for round_ in range(rounds):
            if round_:
                assert all(answer(child) == "prêt" for child in children)
                for child in children:
                    say(child, "go")
            answers.append([answer(child) for child in children])
        assert all(answer(child) == "prêt" for child in children)
        for child in children:
            say(child, "fin")
    finally:
        results = finish(children, 30)
    assert all(code == 0 and "Traceback" not in err for code, _out, err in results), [err for _c, _o, err in results]
    return answers


@pytest.mark.parametrize("contender", [CONTENDER, NAIVE_CONTENDER], ids=["lock", "naive-control"])
def test_many_contenders_at_the_same_instant(engine, settings, tmp_path, contender):
    """Four processes try to start in the same instant, three times over: with the lock exactly one
    wins each time; without it (the control) the same harness does see two winners."""
    answers = contend(contender, 4, 3, tmp_path)
    winners = [[a for a in round_ if a.startswith("gagné")] for round_ in answers]
    assert all(a.startswith(("gagné", "refusé")) for round_ in answers for a in round_), answers
    assert len(runs(engine)) == sum(map(len, winners))  # every winner, and only they, inserted a run
    if contender is CONTENDER:
        assert [len(w) for w in winners] == [1, 1, 1], answers
        for [won], round_ in zip(winners, answers):
            run_id = int(won.split()[1])
            assert all(f"passage n° {run_id}," in a for a in round_ if a.startswith("refusé")), round_
        assert [r.status for r in runs(engine)] == ["finished"] * 3
    else:
        assert max(len(w) for w in winners) >= 2, "the harness never made two contenders meet: it proves nothing"


# --- dead runs, live runs, from any host --------------------------------------------------------


def test_a_stale_run_from_another_host_is_marked_interrupted_by_the_next_crawl(engine, settings, tmp_path, hostile_url):
    add_demarches(engine, tmp_path, [["ok", "Bonne", "MEF", f"{hostile_url}/ok"]])
    stale = add_running(engine, host="autre-hote", pid=4242, started_ago_s=3600, beat_ago_s=settings.crawl.stale_after_s + 30)
    with Session(engine) as session:
        last_beat = session.get(CrawlRun, stale).heartbeat_at
    run = run_crawl(engine=engine, settings=settings)
    with Session(engine) as session:
        dead = session.get(CrawlRun, stale)
        assert dead.status == "interrupted"
        assert as_utc(dead.finished_at) == as_utc(last_beat)  # ended at its last sign of life
    assert run.status == "finished" and run.id != stale and run.pages_total >= 1


def test_a_live_run_from_another_host(engine, settings, tmp_path, hostile_url):
    """SQLite reads liveness from the heartbeat; PostgreSQL from the advisory lock alone."""
    add_demarches(engine, tmp_path, [["ok", "Bonne", "MEF", f"{hostile_url}/ok"]])
    fresh = add_running(engine, host="autre-hote", pid=4242, started_ago_s=600, beat_ago_s=2)
    if engine.dialect.name == "sqlite":
        with pytest.raises(CrawlAlreadyRunning) as refused:
            run_crawl(engine=engine, settings=settings)
        [row] = runs(engine)
        assert row.id == fresh and row.status == "running"  # untouched, and no second run
        message = str(refused.value)
        assert f"passage n° {fresh}, commencé le {as_utc(row.started_at):%d/%m/%Y à %H:%M} UTC" in message
        assert "sur l'hôte « autre-hote » (processus 4242, dernier signe de vie il y a " in message
        assert message.endswith("Attendez sa fin, ou arrêtez-le.")
    else:
        # Nobody holds the lock: that fresh-looking row is a dead run, interrupted at once.
        run = run_crawl(engine=engine, settings=settings)
        old, new = runs(engine)
        assert old.id == fresh and old.status == "interrupted" and old.finished_at is not None
        assert new.id == run.id and new.status == "finished"


def test_on_postgresql_the_advisory_lock_holder_is_the_live_run(engine, settings, tmp_path, hostile_url):
    if engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    add_demarches(engine, tmp_path, [["ok", "Bonne", "MEF", f"{hostile_url}/ok"]])
    # Another host's run: its row, and the lock held on its own connection.
    holder = add_running(engine, host="autre-hote", pid=4242, started_ago_s=3600, beat_ago_s=3600)
    with engine.connect() as other:
        assert other.execute(text("SELECT pg_try_advisory_lock(CAST(:key AS bigint))"), {"key": LOCK_KEY}).scalar_one()
        other.commit()
        with pytest.raises(CrawlAlreadyRunning) as refused:
            run_crawl(engine=engine, settings=settings)
        assert f"passage n° {holder}," in str(refused.value) and "« autre-hote » (processus 4242" in str(refused.value)
        assert [r.status for r in runs(engine)] == ["running"]  # a stale heartbeat does not matter while the lock is held
        other.invalidate()  # that host dies: its connection closes, the server frees the lock
    run = run_crawl(engine=engine, settings=settings)
    assert [(r.id, r.status) for r in runs(engine)] == [(holder, "interrupted"), (run.id, "finished")]


def test_the_heartbeat_beats_while_the_run_lives_and_stops_with_it(engine, settings, monkeypatch):
    settings = use(monkeypatch, heartbeat_s=0.2)
    with run_lock(engine, settings, trigger="test") as held:
        first = as_utc(held.run.heartbeat_at)

        def beat_moved():
            with Session(engine) as session:
                beat = session.get(CrawlRun, held.run.id).heartbeat_at
            return beat is not None and as_utc(beat) > first

        wait_for(beat_moved, 5, "a newer heartbeat")
        assert [t for t in threading.enumerate() if t.name == f"heartbeat-{held.run.id}"]
        with Session(engine) as session:
            run = session.get(CrawlRun, held.run.id)
            run.status, run.finished_at = "finished", utcnow()
            session.commit()
    assert not [t for t in threading.enumerate() if t.name.startswith("heartbeat-")]
    with pytest.raises(CrawlAlreadyRunning):  # and while one run holds the lock, a second cannot start
        with run_lock(engine, settings, trigger="test"):
            with run_lock(engine, settings, trigger="test"):
                pass


def test_a_run_declared_dead_by_another_starter_stops(engine, settings, tmp_path, hostile_url, monkeypatch):
    settings = use(monkeypatch, heartbeat_s=0.2, pages_per_demarche=1, retries=0)
    add_demarches(engine, tmp_path, [[f"lente-{i}", f"Lente {i}", "MEF", f"{hostile_url}/slow/1?{i}"] for i in range(6)])
    outcome: dict[str, BaseException] = {}

    def crawl() -> None:
        try:
            run_crawl(engine=engine, settings=settings, concurrency=1)
        except BaseException as error:  # noqa: BLE001
            outcome["error"] = error

    thread = threading.Thread(target=crawl)
    thread.start()
    try:
        [run] = wait_for(lambda: [r for r in runs(engine) if r.pages_total >= 1], 30, "a first page stored")
        with Session(engine) as session:  # what a starter does to a run it believes dead
            session.execute(text("UPDATE crawl_run SET status = 'interrupted' WHERE id = :id"), {"id": run.id})
            session.commit()
    finally:
        thread.join(60)
    assert not thread.is_alive()
    assert isinstance(outcome.get("error"), RunAborted), outcome
    [run] = runs(engine)
    assert run.status == "failed" and run.failure == str(outcome["error"])
    assert "n'est plus reconnu comme en cours" in run.failure
    assert run.pages_total < 6  # it stopped, it did not go on alongside another run


# --- failed runs --------------------------------------------------------------------------------


def test_an_internal_error_fails_the_run_with_a_french_reason(engine, settings, tmp_path, hostile_url, caplog):
    add_demarches(engine, tmp_path, [["ok", "Bonne", "MEF", f"{hostile_url}/ok"]])

    def on_page(_page) -> None:
        raise ValueError("bogue de l'appelant")

    with caplog.at_level(logging.ERROR, logger="rgaa_tracker.crawl"), pytest.raises(RunAborted) as aborted:
        run_crawl(engine=engine, settings=settings, on_page=on_page)
    assert isinstance(aborted.value.__cause__, ValueError)
    [run] = runs(engine)
    assert run.status == "failed" and run.finished_at is not None
    assert run.failure == "erreur interne : ValueError : bogue de l'appelant"
    assert str(aborted.value) == f"passage n° {run.id} en échec : {run.failure}"
    assert any(record.exc_info and record.exc_info[0] is ValueError for record in caplog.records)
    assert not [p.pid for p in chromium_of(os.getpid()) if alive(p)]  # the failed run's browser is closed
    assert run_crawl(engine=engine, settings=settings).status == "finished"  # and the lock was let go


def test_a_browser_that_does_not_start_fails_the_run_with_one_french_line(engine, settings, tmp_path, hostile_url):
    add_demarches(engine, tmp_path, [["ok", "Bonne", "MEF", f"{hostile_url}/ok"]])
    env = {**crawl_env(), "RGAA_TRACKER_BROWSER__EXECUTABLE_PATH": "/bin/false"}
    done = subprocess.run([sys.executable, "-m", "rgaa_tracker", "crawl"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    [run] = runs(engine)
    assert run.status == "failed" and run.failure and "navigateur" in run.failure
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"Erreur : {run.failure}" in " ".join(done.stderr.split())


# --- no Chromium left behind --------------------------------------------------------------------


def start_hanging_crawl(engine, tmp_path, hostile_url) -> tuple[subprocess.Popen, list[psutil.Process]]:
    add_demarches(engine, tmp_path, [[f"pendue-{i}", f"Pendue {i}", "MEF", f"{hostile_url}/hang?{i}"] for i in range(4)])
    child = subprocess.Popen([sys.executable, "-m", "rgaa_tracker", "crawl", "--concurrency", "2"], cwd=tmp_path,
                             env=crawl_env(navigation_timeout_s=4, page_budget_s=20), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: hostile.Hostile.hits["/hang"] >= 2, 30, "two hanging pages in flight")
        browsers = chromium_of(child.pid)
    except BaseException:
        child.kill()
        raise
    assert browsers and all(alive(p) for p in browsers), "no Chromium to watch: this test would prove nothing"
    return child, browsers


def test_sigterm_stops_the_crawl_and_leaves_no_chromium(engine, settings, tmp_path, hostile_url):
    child, browsers = start_hanging_crawl(engine, tmp_path, hostile_url)
    child.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    [(code, _out, err)] = finish([child], 30)
    assert time.monotonic() - signalled < 25
    wait_for(lambda: not [p for p in browsers if alive(p)], 5, "every Chromium of the stopped crawl gone")
    assert code == 1 and "Traceback" not in err
    [run] = runs(engine)
    assert run.status == "interrupted" and run.finished_at is not None
    assert f"Passage n° {run.id} interrompu (SIGTERM)" in " ".join(err.split())
    with Session(engine) as session:
        pages = session.exec(select(PageAudit).where(PageAudit.run_id == run.id)).all()
    # The pages in flight were stored (as timed out); no new page was taken after the signal.
    assert len(pages) == run.pages_total and 1 <= run.pages_total <= 2
    assert {p.error_code for p in pages} != {None}


def test_a_killed_crawl_leaves_no_chromium(engine, settings, tmp_path, hostile_url):
    child, browsers = start_hanging_crawl(engine, tmp_path, hostile_url)
    child.kill()
    finish([child], 10)
    # Playwright's driver sees its stdin close when our process dies, and closes the browser.
    wait_for(lambda: not [p for p in browsers if alive(p)], 20, "every Chromium of the killed crawl gone")
    [run] = runs(engine)
    assert run.status == "running"  # nobody could mark it…
    with run_lock(engine, get_settings(), trigger="test") as held:  # …until the next start, on this host
        assert [(r.id, r.status) for r in runs(engine)] == [(run.id, "interrupted"), (held.run.id, "running")]
        with Session(engine) as session:
            mine = session.get(CrawlRun, held.run.id)
            mine.status, mine.finished_at = "finished", utcnow()
            session.commit()
