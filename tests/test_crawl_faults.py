"""Every fault of SPEC §4.5 against a hostile server on 127.0.0.1: each ends with the crawl
finished and the right error code stored on that page, the other pages audited normally."""

import json

import pytest
from sqlmodel import Session, select

from rgaa_tracker.crawl import run_crawl
from rgaa_tracker.models import CriterionResult, Declaration, PageAudit
from rgaa_tracker.settings import get_settings

from . import hostile
from .factories import add_demarches

FAULTS = {
    "pendue": ("/hang", "timeout"),
    "erreur-404": ("/status/404", "http_error"),
    "erreur-500": ("/status/500", "http_error"),
    "boucle": ("/loop", "redirect_loop"),
    "telechargement": ("/download", "download"),
    "plantage": ("/crash", "crash"),
    "enorme": ("/huge", "too_large"),
}


@pytest.fixture
def hostile_url():
    server, url = hostile.start()
    yield url
    hostile.stop(server)


@pytest.fixture
def fast_settings(settings, monkeypatch):
    for key, value in {
        "NAVIGATION_TIMEOUT_S": "3", "SETTLE_TIMEOUT_S": "2", "RETRIES": "1", "RETRY_BACKOFF_S": "0.1",
        "MAX_DOM_ELEMENTS": "5000", "AXE_TIMEOUT_S": "20",
    }.items():
        monkeypatch.setenv(f"RGAA_TRACKER_CRAWL__{key}", value)
    # A small JS heap makes the memory-bomb page crash its renderer in a second, not ten.
    args = get_settings().browser.args + ["--js-flags=--max-old-space-size=96"]
    monkeypatch.setenv("RGAA_TRACKER_BROWSER__ARGS", json.dumps(args))
    get_settings.cache_clear()
    return get_settings()


def pages_of(engine, run_id):
    with Session(engine) as session:
        return {(p.demarche_id, p.role): p for p in session.exec(select(PageAudit).where(PageAudit.run_id == run_id)).all()}


def test_every_fault_is_recorded_and_the_crawl_goes_on(engine, fast_settings, tmp_path, hostile_url):
    rows = [[name, f"Démarche {name}", "MEF", hostile_url + path] for name, (path, _code) in FAULTS.items()]
    rows.append(["saine", "Démarche saine", "MEF", hostile_url + "/ok"])
    rows.append(["dialogue", "Démarche à alerte", "MEF", hostile_url + "/dialog"])
    add_demarches(engine, tmp_path, rows)
    run = run_crawl(engine=engine, settings=fast_settings, concurrency=2)
    assert run.status == "finished"
    pages = pages_of(engine, run.id)
    for name, (_path, code) in FAULTS.items():
        page = pages[(name, "start")]
        assert page.error_code == code, (name, page.error)
        assert page.error and "(" + hostile_url in page.error  # French reason naming the URL
    assert "HTTP 404" in pages[("erreur-404", "start")].error
    dialog = pages[("dialogue", "start")]  # a dialog is dismissed and noted; the page is audited
    assert dialog.error_code is None and dialog.evidence_path
    assert "alert" in dialog.notes and "Votre session va expirer" in dialog.notes
    assert pages[("dialogue", "statement")].error_code is None  # and its sample pages too
    assert pages[("saine", "start")].error_code is None
    assert pages[("saine", "statement")].error_code is None  # the healthy démarche got its sample page
    assert run.pages_failed == len(FAULTS)


def test_transient_failures_are_retried_with_backoff(engine, fast_settings, tmp_path, hostile_url):
    add_demarches(engine, tmp_path, [
        ["une-fois", "Indisponible une fois", "MEF", hostile_url + "/flaky/1"],
        ["trois-fois", "Indisponible trois fois", "MEF", hostile_url + "/flaky/3"],
    ])
    run = run_crawl(engine=engine, settings=fast_settings, concurrency=1)
    pages = pages_of(engine, run.id)
    assert pages[("une-fois", "start")].error_code is None and pages[("une-fois", "start")].http_status == 200
    # retries = 1: two attempts, both 503, so the failure is kept (bounded, not forever)
    assert pages[("trois-fois", "start")].error_code == "http_error"
    assert hostile.Hostile.hits["/flaky/3"] == 2
    assert hostile.Hostile.hits["/flaky/1"] == 2
    # The retry waited its backoff (retry_backoff_s = 0.1 for the first retry), not less.
    for path in ("/flaky/1", "/flaky/3"):
        first, second = hostile.Hostile.times[path]
        assert second - first >= fast_settings.crawl.retry_backoff_s


def test_script_rendered_content_is_audited_whole(engine, fast_settings, tmp_path, hostile_url):
    add_demarches(engine, tmp_path, [["tardive", "Rendu tardif", "MEF", hostile_url + "/late"]])
    run = run_crawl(engine=engine, settings=fast_settings, concurrency=1)
    with Session(engine) as session:
        failing = session.exec(
            select(CriterionResult.criterion).join(PageAudit, CriterionResult.page_audit_id == PageAudit.id)
            .where(PageAudit.run_id == run.id, CriterionResult.status == "non_conforme")
        ).all()
    assert "1.1" in failing  # the image without alt that arrived after fetch + timer


def test_statement_page_becomes_a_crawl_declaration_once(engine, fast_settings, tmp_path, hostile_url):
    add_demarches(engine, tmp_path, [["saine", "Démarche saine", "MEF", hostile_url + "/ok"]])
    run_crawl(engine=engine, settings=fast_settings)
    run_crawl(engine=engine, settings=fast_settings)  # same statement: no duplicate
    with Session(engine) as session:
        found = session.exec(select(Declaration)).all()
    assert len(found) == 1
    declaration = found[0]
    assert (declaration.provenance, declaration.status, declaration.rate, declaration.rgaa_version) == ("crawl", "partiellement", 68.5, "4.1")
    assert declaration.published_on.isoformat() == "2024-03-14"
    assert declaration.url == hostile_url + "/accessibilite"


def test_shared_url_is_audited_once_per_run(engine, fast_settings, tmp_path, hostile_url):
    add_demarches(engine, tmp_path, [
        ["a", "Démarche A", "MEF", hostile_url + "/ok?a"],
        ["b", "Démarche B", "MEF", hostile_url + "/ok?b"],
    ])
    run = run_crawl(engine=engine, settings=fast_settings, concurrency=2)
    pages = pages_of(engine, run.id)
    assert pages[("a", "statement")].evidence_path == pages[("b", "statement")].evidence_path
    assert hostile.Hostile.hits["/accessibilite"] == 1


def test_a_bug_of_ours_on_one_page_costs_only_that_page(engine, fast_settings, tmp_path, hostile_url, monkeypatch, caplog):
    """Post-processing (declaration, sample pages) and storing failures are stored on that page
    as internal_error with a French reason and a logged traceback; the run finishes."""
    from rgaa_tracker.crawl import queue, store

    real_declaration, real_samples = store.record_declaration, queue.sample_pages

    def broken_declaration(*, demarche_id, **kwargs):
        if demarche_id == "a":
            raise RuntimeError("déclaration illisible (bogue simulé)")
        return real_declaration(demarche_id=demarche_id, **kwargs)

    def broken_samples(start_url, links, limit):
        if "?b" in start_url:
            raise ValueError("liens illisibles (bogue simulé)")
        return real_samples(start_url, links, limit)

    monkeypatch.setattr(store, "record_declaration", broken_declaration)
    monkeypatch.setattr(queue, "sample_pages", broken_samples)
    add_demarches(engine, tmp_path, [[name, f"Démarche {name}", "MEF", f"{hostile_url}/ok?{name}"] for name in "abc"])
    run = run_crawl(engine=engine, settings=fast_settings, concurrency=2)
    assert run.status == "finished"
    pages = pages_of(engine, run.id)
    a_statement, b_start = pages[("a", "statement")], pages[("b", "start")]
    assert a_statement.error_code == "internal_error" and "RuntimeError" in a_statement.error and "enregistrant" in a_statement.error
    assert b_start.error_code == "internal_error" and "ValueError" in b_start.error and "échantillon" in b_start.error
    assert ("b", "statement") not in pages  # no sample pages from a start page we could not read
    assert pages[("a", "start")].error_code is None and pages[("c", "statement")].error_code is None
    assert run.pages_total == len(pages) == 5 and run.pages_failed == 2
    logged = [r for r in caplog.records if r.name == "rgaa_tracker.crawl" and r.exc_info]
    assert {type(r.exc_info[1]) for r in logged} == {RuntimeError, ValueError}
