"""Runs as a whole: killed runs, browser restarts, concurrency."""

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from rgaa_tracker.crawl import run_crawl
from rgaa_tracker.models import CrawlRun, PageAudit
from rgaa_tracker.settings import get_settings

from . import hostile
from .factories import add_demarches


@pytest.fixture
def hostile_url():
    server, url = hostile.start()
    yield url
    hostile.stop(server)


def test_a_killed_run_is_marked_interrupted_and_keeps_what_it_stored(engine, settings, tmp_path, hostile_url):
    rows = [[f"ok-{i}", f"Démarche {i}", "MEF", f"{hostile_url}/ok?{i}"] for i in range(3)]
    rows += [[f"pendue-{i}", f"Démarche pendue {i}", "MEF", f"{hostile_url}/hang?{i}"] for i in range(3)]
    add_demarches(engine, tmp_path, rows)
    env = {**os.environ, "RGAA_TRACKER_CRAWL__NAVIGATION_TIMEOUT_S": "20", "RGAA_TRACKER_CRAWL__PAGES_PER_DEMARCHE": "1"}
    child = subprocess.Popen([sys.executable, "-m", "rgaa_tracker", "crawl", "--concurrency", "1"], cwd=tmp_path, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # bounded wait for the ok pages to be stored
            with Session(engine) as session:
                if len(session.exec(select(PageAudit)).all()) >= 3:
                    break
            time.sleep(0.2)
        os.kill(child.pid, signal.SIGKILL)  # it is now stuck on a hanging page
    finally:
        child.wait(timeout=30)
    with Session(engine) as session:
        killed = session.exec(select(CrawlRun)).one()
        assert killed.status == "running"  # nobody could mark it
    add_demarches(engine, tmp_path, [["ok-0", "Démarche 0", "MEF", f"{hostile_url}/ok?0"]])
    next_run = run_crawl(engine=engine, settings=get_settings(), demarche_ids=["ok-0"])
    with Session(engine) as session:
        killed = session.get(CrawlRun, killed.id)
        assert killed.status == "interrupted" and killed.finished_at is not None
        stored = session.exec(select(PageAudit).where(PageAudit.run_id == killed.id)).all()
        assert len(stored) == killed.pages_total >= 3
        assert all(Path(p.evidence_path).is_file() for p in stored if p.error_code is None)
    assert next_run.status == "finished" and next_run.pages_total == 2  # start + statement page


def test_browser_restarts_and_context_recycling_keep_results_identical(engine, settings, tmp_path, site_url, monkeypatch, caplog):
    names = ["clean", "img-no-alt", "no-label", "no-lang", "low-contrast", "empty-link"]
    add_demarches(engine, tmp_path, [[n, n, "MEF", f"{site_url}/{n}.html"] for n in names])
    baseline = run_crawl(engine=engine, settings=settings, concurrency=1)
    monkeypatch.setenv("RGAA_TRACKER_CRAWL__RESTART_BROWSER_AFTER", "2")
    monkeypatch.setenv("RGAA_TRACKER_CRAWL__RECYCLE_CONTEXT_AFTER", "1")
    get_settings.cache_clear()
    caplog.set_level(logging.INFO, logger="rgaa_tracker.browser")
    churned = run_crawl(engine=engine, settings=get_settings(), concurrency=2)
    launches = [r for r in caplog.records if r.name == "rgaa_tracker.browser" and r.getMessage().startswith("browser launched")]
    # 12 pages (6 démarches × start + statement), a restart every 2 pages: the restarts happened.
    assert len(launches) >= 4, [r.getMessage() for r in launches]

    def findings(run):
        with Session(engine) as session:
            pages = session.exec(select(PageAudit).where(PageAudit.run_id == run.id)).all()
            return sorted((p.demarche_id, p.role, p.url, p.error_code, p.violations_count) for p in pages)

    assert findings(baseline) == findings(churned)
    assert churned.pages_failed == 0
