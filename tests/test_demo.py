"""The bundled demo: every planted defect is found, by axe-core or by our own checks, and shown in
the report; clean démarches are clean, for axe-core and for our checks."""

from pathlib import Path

from markupsafe import escape
from sqlmodel import Session

from rgaa_tracker import coverage, demo, findings as findings_model, report
from rgaa_tracker.crawl import run_crawl
from rgaa_tracker.demarche import import_demarches
from rgaa_tracker.settings import get_settings


def test_demo_plants_defects_only_our_checks_find():
    ours = {key: d for key, d in demo.DEFECTS.items() if d.source == "rgaa-tracker"}
    assert {d.rule for d in ours.values()} >= {"field_groups", "markup", "doctype"}
    planted = {key for item in demo.CATALOGUE for key in item.defects}
    assert set(demo.DEFECTS) == planted  # every defect is planted somewhere
    assert any(not item.defects for item in demo.CATALOGUE)  # and some démarches stay clean
    pages = {d.id: demo.start_page(d) for d in demo.CATALOGUE}
    assert not pages["carte-grise"].lstrip().lower().startswith("<!doctype")
    assert all(page.startswith("<!DOCTYPE html>") for key, page in pages.items() if key != "carte-grise")
    assert pages["douane-dedouanement"].count('id="delai"') == 2
    assert "<fieldset><legend>" not in pages["amende-paiement"] and "<fieldset><legend>" in pages["passeport"]


def _block(html: str, demarche_id: str) -> str:
    """The report's section of one démarche."""
    start = html.index(f"({demarche_id})</span></h4>")
    end = html.find('<div class="demarche">', start)
    return html[start:end if end != -1 else len(html)]


def test_demo_crawl_finds_every_planted_defect(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("RGAA_TRACKER_CRAWL__PAGES_PER_DEMARCHE", "1")
    get_settings.cache_clear()
    with demo.serve() as base_url:
        with Session(engine) as session:
            import_demarches(session=session, path=demo.write_catalogue(tmp_path / "demo.csv", base_url))
            session.commit()
        run = run_crawl(engine=engine, settings=get_settings(), concurrency=2, trigger="demo")
    assert run.pages_failed == 0
    with Session(engine) as session:
        findings = findings_model.latest_findings(session=session)
        written = report.write_workshop(session=session, out_dir=tmp_path / "r", settings=get_settings(), pdf=False)
        html = Path(written.html_path).read_text(encoding="utf-8")
    assert len(findings) == len(demo.CATALOGUE)
    for item in demo.CATALOGUE:
        found = findings[item.id]
        assert found.run.id == run.id
        defects = [demo.DEFECTS[d] for d in item.defects]
        # Exactly what was planted: a clean démarche has nothing, for axe-core and for our checks.
        assert {c.criterion for c in found.non_conformes} == {d.criterion for d in defects if d.status == "non_conforme"}, item.id
        assert {c.criterion for c in found.a_verifier} == {d.criterion for d in defects if d.status == "a_verifier"}, item.id
        assert found.other_violations == [], item.id
        assert found.footer_mention == item.mention
        block = _block(html, item.id)
        assert item.title.replace("'", "&#39;") in html
        for defect in defects:
            criterion = found.criteria[defect.criterion]
            assert criterion.status == defect.status, (item.id, defect)
            assert (defect.rule, defect.source) in {(r.rule, r.source) for r in criterion.rules}, (item.id, defect)
            assert f">{defect.criterion}</a>" in block, (item.id, defect)
            if defect.source == "rgaa-tracker":
                # Only our checks see it, and the report says the finding is ours.
                assert {r.source for r in criterion.rules} == {"rgaa-tracker"}, (item.id, defect)
                assert f"rgaa-tracker : {defect.rule} (" in block, (item.id, defect)
            else:
                assert f"{defect.rule}" in block and f"rgaa-tracker : {defect.rule}" not in block, (item.id, defect)
        # Each criterion listed says what tests it automatically.
        for entry in found.non_conformes:
            assert f"<td>{escape(coverage.tested_by_text(entry.criterion))}</td>" in block, (item.id, entry.criterion)
