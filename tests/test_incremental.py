"""Incremental audits on a small corpus served on 127.0.0.1: real Chromium, real databases.

Asserts on stored rows only (which audit each page reuses, its criteria), never on times.
"""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.async_api import Response
from sqlmodel import Session, select

from rgaa_tracker import findings as findings_module
from rgaa_tracker.browser import fingerprint
from rgaa_tracker.crawl import run_crawl, run_detail
from rgaa_tracker.models import CrawlRun, CriterionResult, PageAudit, RuleResult
from rgaa_tracker.rgaa import axe_script
from rgaa_tracker.settings import get_settings

from .conftest import serve_directory
from .factories import add_demarches

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
STATEMENT = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Déclaration d'accessibilité — {name}</title></head>
<body><main><h1>Déclaration d'accessibilité</h1><p>La démarche {name} est partiellement conforme avec le RGAA 4.1.
Le taux de conformité est de 62,5 %.</p></main></body></html>"""
START = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Démarche {name}</title>
<link rel="stylesheet" href="style.css"><script src="app.js" defer></script></head>
<body><header><p>Ministère de test</p><img src="logo.png" {alt}></header>
<main><h1>Démarche {name}</h1><p class="pale">{greeting} sur la démarche {name}.</p>{form}</main>
<footer><p><a href="accessibilite.html">Accessibilité : partiellement conforme</a></p></footer></body></html>"""
STYLE = "body { font-family: sans-serif; }\n.pale { color: #595959; background: #ffffff; }\n"
SCRIPT = "document.addEventListener('DOMContentLoaded', () => { const p = document.createElement('p'); p.textContent = 'Ajouté par le script'; document.querySelector('main').append(p); });\n"
NAMES = ("alpha", "beta", "gamma")
pytestmark = pytest.mark.timeout(600)  # up to eight crawls of six pages, one of them through the command line


def write_site(root: Path) -> None:
    for name in NAMES:
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        form = "<form><input name='q'><button>Chercher</button></form>" if name == "gamma" else ""
        alt = "" if name == "beta" else 'alt="Logo"'
        (folder / "index.html").write_text(START.format(name=name, alt=alt, greeting="Bienvenue", form=form), encoding="utf-8")
        (folder / "accessibilite.html").write_text(STATEMENT.format(name=name), encoding="utf-8")
        (folder / "style.css").write_text(STYLE, encoding="utf-8")
        (folder / "app.js").write_text(SCRIPT, encoding="utf-8")
        (folder / "logo.png").write_bytes(PNG)


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "site"
    write_site(root)
    server = serve_directory(root)
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def pages_of(engine, run: CrawlRun) -> dict[str, PageAudit]:
    with Session(engine) as session:
        return {p.url: p for p in session.exec(select(PageAudit).where(PageAudit.run_id == run.id)).all()}


def criteria_of(engine, run: CrawlRun) -> dict[str, list]:
    """What every reader sees: per démarche, its criteria, statuses and the rules behind them."""
    with Session(engine) as session:
        found = findings_module.run_findings(session=session, run_id=run.id)
        detail = run_detail(session=session, run_id=run.id)
    by_demarche = {}
    for demarche_id, item in found.items():
        data = findings_module.as_json(item)
        by_demarche[demarche_id] = [data["non_conformes"], data["a_verifier"], data["criteria"], data["footer_mention"],
                                    data["statement_url"], [{k: v for k, v in p.items() if k != "id"} for p in data["pages"]]]
    per_page = sorted((p["demarche_id"], p["url"], p["role"], tuple(p["non_conformes"])) for p in detail["pages"])
    return {"findings": by_demarche, "runs_show": per_page}


def reused(pages: dict[str, PageAudit]) -> dict[str, bool]:
    return {url: page.reused_from_id is not None for url, page in pages.items()}


def test_unchanged_pages_reuse_their_audit_and_any_change_audits_afresh(engine, settings, tmp_path, corpus, monkeypatch):
    root, base = corpus
    add_demarches(engine, tmp_path, [[name, f"Démarche {name}", "MEF", f"{base}/{name}/index.html"] for name in NAMES])
    asked: list[str] = []
    body = Response.body

    async def counted(response):  # the real call, counted: asked for the fingerprint and the checks' source head
        asked.append(response.url)
        return await body(response)

    monkeypatch.setattr(Response, "body", counted)
    first = run_crawl(engine=engine, settings=settings, concurrency=2)
    monkeypatch.setattr(Response, "body", body)
    documents = [f"{base}/{name}/{page}" for name in NAMES for page in ("index.html", "accessibilite.html")]
    assert sorted(url for url in asked if url in documents) == sorted(documents)  # each document's body asked once
    first_pages = pages_of(engine, first)
    assert len(first_pages) == 6 and first.pages_failed == 0
    assert not any(reused(first_pages).values())
    assert all(p.fingerprint for p in first_pages.values())

    # Nothing changed: every page reuses the full audit of the first run, with the same findings.
    second = run_crawl(engine=engine, settings=settings, concurrency=2)
    second_pages = pages_of(engine, second)
    assert {url: p.reused_from_id for url, p in second_pages.items()} == {url: p.id for url, p in first_pages.items()}
    assert {url: p.fingerprint for url, p in second_pages.items()} == {url: p.fingerprint for url, p in first_pages.items()}
    assert criteria_of(engine, second) == criteria_of(engine, first)
    assert criteria_of(engine, first)["findings"]["beta"][0]  # the corpus has findings to compare
    with Session(engine) as session:
        for url, page in second_pages.items():
            source = first_pages[url]
            assert (page.evidence_path, page.violations_count, page.title) == (source.evidence_path, source.violations_count, source.title)
            rows = lambda model, page_id: sorted(  # noqa: E731
                tuple(v for k, v in r.model_dump().items() if k not in ("id", "page_audit_id"))
                for r in session.exec(select(model).where(model.page_audit_id == page_id)).all())
            assert rows(CriterionResult, page.id) == rows(CriterionResult, source.id)
            assert rows(RuleResult, page.id) == rows(RuleResult, source.id)

    # One CSS rule of one page's stylesheet, one word of another page's text: both audited again.
    (root / "alpha" / "style.css").write_text(STYLE.replace("#595959", "#c8c8c8"), encoding="utf-8")
    beta = root / "beta" / "index.html"
    beta.write_text(beta.read_text(encoding="utf-8").replace("Bienvenue", "Bonjour"), encoding="utf-8")
    third = run_crawl(engine=engine, settings=settings, concurrency=2)
    third_pages = pages_of(engine, third)
    changed = {f"{base}/alpha/index.html", f"{base}/beta/index.html"}
    assert reused(third_pages) == {url: url not in changed for url in third_pages}
    for url in set(third_pages) - changed:  # the reference is the full audit, never a chain
        assert third_pages[url].reused_from_id == first_pages[url].id
    third_findings = criteria_of(engine, third)["findings"]
    assert "3.2" in third_findings["alpha"][0] and "3.2" not in criteria_of(engine, second)["findings"]["alpha"][0]
    assert third_findings["gamma"] == criteria_of(engine, second)["findings"]["gamma"]

    if settings.database_url.startswith("postgresql"):
        return  # what follows tests the fingerprint's inputs, not the database: once, on SQLite

    # A fourth run reuses the re-audited pages' new audits.
    fourth_pages = pages_of(engine, run_crawl(engine=engine, settings=settings, concurrency=2))
    assert {url: p.reused_from_id for url, p in fourth_pages.items()} == {
        url: (third_pages[url].id if url in changed else first_pages[url].id) for url in fourth_pages}

    # `crawl --full` (the real command line) audits every page afresh.
    env = {**os.environ, "RGAA_TRACKER_DATABASE_URL": settings.database_url, "RGAA_TRACKER_AUDITS_DIR": str(settings.audits_dir)}
    done = subprocess.run([sys.executable, "-m", "rgaa_tracker", "crawl", "--full", "--concurrency", "2"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with Session(engine) as session:
        full_run = session.exec(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
    full_pages = pages_of(engine, full_run)
    assert len(full_pages) == 6 and not any(reused(full_pages).values())
    assert {url: p.fingerprint for url, p in full_pages.items()} == {url: p.fingerprint for url, p in fourth_pages.items()}
    assert criteria_of(engine, full_run)["findings"] == third_findings

    # A new axe build invalidates every fingerprint, and so does a change of our checks.
    monkeypatch.setattr("rgaa_tracker.crawl.queue.axe_script", lambda: axe_script() + "\n/* axe 99 */")
    new_axe = pages_of(engine, run_crawl(engine=engine, settings=settings, concurrency=2))
    assert len(new_axe) == 6 and not any(reused(new_axe).values())
    monkeypatch.setattr(fingerprint, "checks_version", lambda: "another release of the checks")
    new_checks = pages_of(engine, run_crawl(engine=engine, settings=settings, concurrency=2))
    assert len(new_checks) == 6 and not any(reused(new_checks).values())
    assert all(new_checks[url].fingerprint != new_axe[url].fingerprint for url in new_checks)

    # The setting turns reuse off.
    monkeypatch.setenv("RGAA_TRACKER_CRAWL__INCREMENTAL", "false")
    get_settings.cache_clear()
    off = pages_of(engine, run_crawl(engine=engine, settings=get_settings(), concurrency=2))
    assert len(off) == 6 and not any(reused(off).values())
