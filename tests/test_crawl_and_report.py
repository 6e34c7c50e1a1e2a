"""A real crawl of fixture démarches on 127.0.0.1, stored in a real SQLite file, then reported."""

import gzip
import json
from pathlib import Path

import pytest
from markupsafe import escape
from sqlmodel import Session, select

from rgaa_tracker import report
from rgaa_tracker.crawl import run_crawl
from rgaa_tracker.models import CriterionResult, CrawlRun, PageAudit
from rgaa_tracker.settings import get_settings
from rgaa_tracker.summaries import summary

from .conftest import audit_urls, serve_directory
from .factories import add_demarches


@pytest.fixture
def crawled(engine, settings, tmp_path, site_url):
    add_demarches(
        engine,
        tmp_path,
        [
            ["propre", "Démarche propre", "MEF", f"{site_url}/clean.html"],
            ["sans-alt", "Démarche à image sans alternative", "MEF", f"{site_url}/img-no-alt.html"],
            ["sans-label", "Démarche à champ sans étiquette", "MININT", f"{site_url}/no-label.html"],
            ["disparue", "Démarche disparue", "MININT", f"{site_url}/disparue.html"],
        ],
    )
    run = run_crawl(engine=engine, settings=settings, concurrency=2)
    return run


def test_crawl_stores_pages_criteria_and_evidence(engine, crawled, site_url):
    assert crawled.status == "finished" and crawled.finished_at is not None
    with Session(engine) as session:
        pages = session.exec(select(PageAudit).where(PageAudit.run_id == crawled.id)).all()
        by_key = {(p.demarche_id, p.role): p for p in pages}
        # start page + the statement and legal pages linked from each page's footer
        assert set(by_key) >= {("propre", "start"), ("propre", "statement"), ("propre", "legal"), ("sans-alt", "start")}
        assert by_key[("propre", "statement")].url == f"{site_url}/accessibilite.html"
        assert by_key[("disparue", "start")].error_code == "http_error"
        assert ("disparue", "statement") not in by_key  # a failed start page has no sample pages
        start = by_key[("propre", "start")]
        assert start.footer_mention == "partiellement"
        assert start.statement_url == f"{site_url}/accessibilite.html"
        evidence = json.loads(gzip.open(start.evidence_path, "rt", encoding="utf-8").read())
        assert evidence["testEngine"]["name"] == "axe-core"
        failing = session.exec(
            select(PageAudit.demarche_id, CriterionResult.criterion)
            .join(CriterionResult, CriterionResult.page_audit_id == PageAudit.id)
            .where(PageAudit.run_id == crawled.id, CriterionResult.status == "non_conforme")
        ).all()
        assert set(failing) == {("sans-alt", "1.1"), ("sans-label", "11.1")}
        run = session.get(CrawlRun, crawled.id)
        assert run.pages_total == len(pages) and run.pages_failed == 1


def test_report_lists_findings_and_passes_its_own_axe_audit(engine, crawled, tmp_path):
    with Session(engine) as session:
        index = Path(report.write_workshop(session=session, out_dir=tmp_path / "rapport", settings=get_settings(), pdf=False).html_path)
    html = index.read_text(encoding="utf-8")
    assert '<html lang="fr">' in html
    assert "Démarche à image sans alternative" in html and "image-alt (1)" in html
    assert str(escape(summary("image-alt"))) in html and "Images must have alternative text" not in html  # our French, not axe's help
    assert "Alternative textuelle des images informatives" in html
    assert "le serveur a répondu HTTP 404" in html
    assert "ne constituent pas un taux de conformité" in html
    server = serve_directory(index.parent)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        result = audit_urls([url])[url]
    finally:
        server.shutdown()
    assert result.ok, result.error
    assert [v["id"] for v in result.axe["violations"]] == []
