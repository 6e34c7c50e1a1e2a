"""Shared fixtures: a real SQLite file per test, a real HTTP server on 127.0.0.1, real Chromium."""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from rgaa_tracker import db
from rgaa_tracker.settings import get_settings

# Every test site is served on 127.0.0.1: the tests allow loopback explicitly, as the demo does;
# the crawler's SSRF guard refuses it by default (test_egress.py tests the guard itself).
os.environ.setdefault("RGAA_TRACKER_CRAWL__ALLOWED_ADDRESS_CLASSES", '["loopback"]')

FIXTURES = Path(__file__).parent / "fixtures"
SITE = FIXTURES / "site"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve_directory(directory: Path, handler: type = QuietHandler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="session")
def site_url():
    """Base URL of tests/fixtures/site served on 127.0.0.1 (no trailing slash)."""
    server = serve_directory(SITE)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


BASE_POSTGRES_URL = os.environ.get("RGAA_TRACKER_TEST_POSTGRES_URL")
DATABASES = ["sqlite", "postgresql"] if BASE_POSTGRES_URL else ["sqlite"]


def worker_postgres_url(base: str | None) -> str | None:
    """Each pytest-xdist worker gets a database of its own (``<name>_gw0``…), created on first use:
    the tests reset their schema, and two workers must not reset each other's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not base or not worker:
        return base
    url = make_url(base)
    name = f"{url.database}_{worker}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


POSTGRES_URL = worker_postgres_url(BASE_POSTGRES_URL)
if POSTGRES_URL:
    os.environ["RGAA_TRACKER_TEST_POSTGRES_URL"] = POSTGRES_URL  # subprocesses of this worker use its database


def reset_postgres(url: str) -> None:
    """An empty public schema: each test starts from nothing, as with a fresh SQLite file."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def pytest_terminal_summary(terminalreporter):
    """One line per database, so CI output shows the suite passing on each."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            for name in DATABASES:
                if f"[{name}" in report.nodeid or f"-{name}]" in report.nodeid or f"-{name}-" in report.nodeid:
                    counts.setdefault(name, {}).setdefault(outcome, 0)
                    counts[name][outcome] += 1
    for name, by_outcome in counts.items():
        terminalreporter.write_line(f"database {name}: " + ", ".join(f"{n} {o}" for o, n in sorted(by_outcome.items())))


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    """Every database test runs on a real SQLite file, and on the real PostgreSQL server when
    RGAA_TRACKER_TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture
def settings(tmp_path, monkeypatch, database_url):
    """Settings pointing at a fresh database and evidence folder under tmp_path."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RGAA_TRACKER_DATABASE_URL", database_url)
    monkeypatch.setenv("RGAA_TRACKER_AUDITS_DIR", str(tmp_path / "audits"))
    monkeypatch.setenv("RGAA_TRACKER_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("RGAA_TRACKER_CRAWL__SETTLE_TIMEOUT_S", "1")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def engine(settings):
    engine = db.make_engine(settings.database_url)
    db.ensure_schema(engine)
    yield engine
    engine.dispose()
    db.engine_for.cache_clear()  # engines cached by URL: the PostgreSQL one is reset per test


def audit_urls(urls: list[str]):
    """Audit several URLs in one real Chromium, one tab; returns {url: PageResult}."""
    from playwright.async_api import async_playwright

    from rgaa_tracker.browser import BrowserPool, Tab

    async def run():
        async with async_playwright() as playwright:
            pool = BrowserPool(playwright, get_settings())
            tab = Tab(pool)
            try:
                return {url: await tab.audit(url) for url in urls}
            finally:
                await tab.close()
                await pool.close()

    return asyncio.run(run())
