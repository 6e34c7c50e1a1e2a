"""The bundled demo: every planted defect is found and shown in the report; clean démarches are clean."""

from pathlib import Path

from sqlmodel import Session

from rgaa_tracker import demo, findings as findings_model, report
from rgaa_tracker.crawl import run_crawl
from rgaa_tracker.demarche import import_demarches
from rgaa_tracker.settings import get_settings


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
        criteria = {entry.criterion for entry in found.non_conformes}
        rules = {rule.rule for rule in found.other_violations}
        expected = {demo.DEFECTS[d][1] for d in item.defects}
        assert expected == (criteria | rules), item.id
        assert found.footer_mention == item.mention
        assert item.titre.replace("'", "&#39;") in html
