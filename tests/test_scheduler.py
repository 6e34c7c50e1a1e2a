"""APScheduler jobs (issue #7) against pages on 127.0.0.1 and a real database."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from rgaa_tracker import scheduler
from rgaa_tracker.models import CrawlRun, PageAudit
from rgaa_tracker.settings import get_settings

from . import hostile
from .factories import add_demarches, wait_for


@pytest.fixture
def hostile_url():
    server, url = hostile.start()
    yield url
    hostile.stop(server)


def runs(engine) -> list[CrawlRun]:
    with Session(engine) as session:
        return list(session.exec(select(CrawlRun).order_by(CrawlRun.id)).all())


def test_near_immediate_trigger_records_exactly_one_run(engine, settings, tmp_path, site_url):
    add_demarches(engine, tmp_path, [["propre", "Propre", "MEF", f"{site_url}/clean.html"]])
    sched = scheduler.build(get_settings())
    sched.start()
    try:
        sched.get_job("nightly_crawl").modify(next_run_time=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
        wait_for(lambda: [r.status for r in runs(engine)] == ["finished"])
        time.sleep(1.5)  # nothing else starts
    finally:
        sched.shutdown(wait=True)
    [run] = runs(engine)
    assert run.trigger == "scheduler" and run.pages_total >= 1


def test_no_second_crawl_while_one_runs(engine, settings, tmp_path, hostile_url, monkeypatch, caplog):
    monkeypatch.setenv("RGAA_TRACKER_CRAWL__NAVIGATION_TIMEOUT_S", "3")
    monkeypatch.setenv("RGAA_TRACKER_CRAWL__RETRIES", "0")
    get_settings.cache_clear()
    add_demarches(engine, tmp_path, [[f"lente-{i}", f"Lente {i}", "MEF", f"{hostile_url}/hang?{i}"] for i in range(3)])
    sched = scheduler.build(get_settings())
    sched.start()
    try:
        job = sched.get_job("nightly_crawl")
        job.modify(next_run_time=dt.datetime.now(dt.UTC))
        wait_for(lambda: [r.status for r in runs(engine)] == ["running"], 30)
        job.modify(next_run_time=dt.datetime.now(dt.UTC))  # due again: APScheduler keeps one instance
        with caplog.at_level("INFO", logger="rgaa_tracker.scheduler"):
            scheduler.nightly_crawl()  # as if from a second scheduler: refused by the database's run lock
        [running] = runs(engine)
        skipped = [r.getMessage() for r in caplog.records if '"event": "skipped"' in r.getMessage()]
        assert len(skipped) == 1 and f"déjà en cours : passage n° {running.id}," in skipped[0]
        wait_for(lambda: all(r.status != "running" for r in runs(engine)), 60)
        time.sleep(1)
    finally:
        sched.shutdown(wait=True)
    assert len(runs(engine)) == 1


def test_job_store_survives_a_restart(engine, settings):
    later = dt.datetime(2031, 1, 1, 3, 0, tzinfo=dt.UTC)
    first = scheduler.build(get_settings())
    first.start(paused=True)
    first.add_job(scheduler.workshop_report, "date", run_date=later, id="rapport-exceptionnel")
    nightly = first.get_job("nightly_crawl").next_run_time
    first.shutdown()
    second = scheduler.build(get_settings())
    second.start(paused=True)
    try:
        kept = second.get_job("rapport-exceptionnel")
        assert kept is not None and kept.next_run_time == later
        assert second.get_job("nightly_crawl").next_run_time == nightly
    finally:
        second.shutdown()


def test_sigterm_stops_cleanly_and_leaves_a_consistent_database(engine, settings, tmp_path, hostile_url):
    rows = [[f"ok-{i}", f"Bonne {i}", "MEF", f"{hostile_url}/ok?{i}"] for i in range(2)]
    rows += [[f"pendue-{i}", f"Pendue {i}", "MEF", f"{hostile_url}/hang?{i}"] for i in range(4)]
    add_demarches(engine, tmp_path, rows)
    env = {**os.environ, "RGAA_TRACKER_CRAWL__NAVIGATION_TIMEOUT_S": "5", "RGAA_TRACKER_CRAWL__RETRIES": "0",
           "RGAA_TRACKER_CRAWL__PAGES_PER_DEMARCHE": "1", "RGAA_TRACKER_SCHEDULE__SHUTDOWN_TIMEOUT_S": "30"}
    child = subprocess.Popen([sys.executable, "-m", "rgaa_tracker", "schedule", "--crawl-now"], cwd=tmp_path, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def some_pages_stored():
            with Session(engine) as session:
                return len(session.exec(select(PageAudit)).all()) >= 2
        wait_for(some_pages_stored, 60)
        child.send_signal(signal.SIGTERM)
        started = time.monotonic()
        _out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert time.monotonic() - started < 40
    assert child.returncode == 0, err
    assert '"event": "shutdown", "clean": true' in err
    assert '"job": "nightly_crawl", "event": "end"' in err
    [run] = runs(engine)
    assert run.status == "interrupted" and run.finished_at is not None
    with Session(engine) as session:
        pages = session.exec(select(PageAudit).where(PageAudit.run_id == run.id)).all()
    assert len(pages) == run.pages_total < len(rows)
    assert all(Path(p.evidence_path).is_file() for p in pages if p.error_code is None)
