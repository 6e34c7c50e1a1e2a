"""8.6.1 across the pages of one démarche: a real crawl of fixture démarches on 127.0.0.1.

A page whose title is the title of a page of the same démarche audited before it gets an
``a_verifier`` finding naming that page; a démarche whose pages have distinct titles gets none.
The fixture pages are in ``tests/fixtures/checks/page_title/demarche-*/`` (one folder per
démarche: a start page linking to its "Accessibilité" and "Mentions légales" pages).
"""

from __future__ import annotations

import gzip
import json

import pytest
from sqlmodel import Session, select

from rgaa_tracker.checks.titles import same_title_pages
from rgaa_tracker.crawl import run_crawl
from rgaa_tracker.models import CriterionResult, PageAudit, RuleResult

from .conftest import FIXTURES, serve_directory
from .factories import add_demarches

PAGES = FIXTURES / "checks" / "page_title"


@pytest.fixture
def pages_url():
    server = serve_directory(PAGES)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def page_title_result(page: PageAudit) -> dict:
    """The page_title check's result as stored in the page's evidence file."""
    evidence = json.loads(gzip.open(page.evidence_path, "rt", encoding="utf-8").read())
    return next(c for c in evidence["rgaaTracker"]["checks"] if c["check"] == "page_title")


def test_repeated_title_is_flagged_on_the_later_pages_of_the_demarche(engine, settings, tmp_path, pages_url):
    repeated, distinct = f"{pages_url}/demarche-titre-repete/", f"{pages_url}/demarche-titres-distincts/"
    add_demarches(engine, tmp_path, [
        ["bourse-lycee", "Demande de bourse de lycée", "MENJ", repeated + "index.html"],
        ["bourse-college", "Demande de bourse de collège", "MENJ", distinct + "index.html"],
    ])
    run = run_crawl(engine=engine, settings=settings, concurrency=2)
    assert run.status == "finished"
    with Session(engine) as session:
        pages = {(p.demarche_id, p.role): p for p in session.exec(select(PageAudit).where(PageAudit.run_id == run.id))}
        assert set(pages) == {(d, role) for d in ("bourse-lycee", "bourse-college") for role in ("start", "statement", "legal")}
        assert all(p.error_code is None for p in pages.values()), [p.error for p in pages.values()]
        flagged = {(p.demarche_id, p.role) for p, c in session.exec(
            select(PageAudit, CriterionResult).join(CriterionResult, CriterionResult.page_audit_id == PageAudit.id)
            .where(PageAudit.run_id == run.id, CriterionResult.criterion == "8.6")).all() if c.status == "a_verifier"}
        rules = {(p.demarche_id, p.role, r.outcome) for p, r in session.exec(
            select(PageAudit, RuleResult).join(RuleResult, RuleResult.page_audit_id == PageAudit.id)
            .where(PageAudit.run_id == run.id, RuleResult.rule == "page_title")).all()}

    # The start page is the first page of its démarche: nothing to compare with.
    assert flagged == {("bourse-lycee", "statement"), ("bourse-lycee", "legal")}
    assert rules == {("bourse-lycee", "statement", "incomplete"), ("bourse-lycee", "legal", "incomplete")}

    statement = page_title_result(pages[("bourse-lycee", "statement")])
    assert statement["statuses"] == {"8.6.1": "a_verifier"}
    [finding] = statement["findings"]
    assert finding["verdict"] == "a_verifier" and finding["selector"] == "html > head > title"
    assert repeated + "index.html" in finding["reason"]  # names the start page…
    assert repeated + "accessibilite.html" in finding["reason"]  # …and this page
    assert "Demande de bourse de lycée – Éducation nationale" in finding["reason"]

    legal = page_title_result(pages[("bourse-lycee", "legal")])
    [finding] = legal["findings"]  # the start page and the statement page, in one finding
    assert repeated + "index.html" in finding["reason"] and repeated + "accessibilite.html" in finding["reason"]

    for role in ("start", "statement", "legal"):
        result = page_title_result(pages[("bourse-college", role)])
        assert result["statuses"] == {"8.6.1": "sans_anomalie"} and result["findings"] == [], role
    assert page_title_result(pages[("bourse-lycee", "start")])["findings"] == []


def test_same_title_pages_compares_titles_not_addresses():
    earlier = {
        "https://exemple.gouv.fr/demarche/": "Demande de bourse",
        "https://exemple.gouv.fr/aide": "  demande   de BOURSE ",
        "https://exemple.gouv.fr/contact": "Contact – Demande de bourse",
    }
    # The same page under another spelling of its address (fragment, trailing slash) is no other page.
    assert same_title_pages("Demande de bourse", ["https://exemple.gouv.fr/demarche#contenu"], earlier) == [
        "https://exemple.gouv.fr/aide"]
    # A link that redirected to a page already seen: its final address is that page's.
    assert same_title_pages("Demande de bourse", ["https://exemple.gouv.fr/x", "https://exemple.gouv.fr/aide"], earlier) == [
        "https://exemple.gouv.fr/demarche/"]
    assert same_title_pages("Mentions légales", ["https://exemple.gouv.fr/mentions"], earlier) == []
