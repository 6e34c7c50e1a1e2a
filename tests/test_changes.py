"""What changed since the last workshop, on both databases: the one computation
(``report.changes_since``) the report and the dashboard share, read through
``dashboard.since_last_workshop`` (the pages themselves: test_evidence_web.py)."""

import datetime as dt

from sqlmodel import Session

from rgaa_tracker import dashboard, indicator, remediation, report

from .factories import add_declaration, add_demarches, write_csv

TODAY = dt.date.today()
SINCE = TODAY - dt.timedelta(days=20)
HEADER = ["demarche_id", "etape", "date_prevue", "date_realisee", "taux_cible", "commentaire"]


def test_changes_since_the_last_workshop_report_nationally_and_per_ministry(engine, settings, tmp_path):
    add_demarches(engine, tmp_path, [["impots", "Déclarer ses revenus", "MEF", "https://impots.example/"],
                                     ["douane", "Dédouaner", "MEF", "https://douane.example/"],
                                     ["passeport", "Passeport", "MININT", "https://passeport.example/"]])
    add_declaration(engine, "passeport", rate=100, published=(SINCE - dt.timedelta(days=30)).isoformat())  # accessible then and now
    with Session(engine) as session:
        state = indicator.compute(session=session, as_of=TODAY, settings=settings)
        empty = dashboard.since_last_workshop(session=session, state=state, settings=settings)
        assert empty == {"since": None, "points": None, "became": [], "lost": [], "new_late": []}  # no workshop yet
        calendar = write_csv(tmp_path / "c.csv", HEADER, [["douane", "audit", (TODAY - dt.timedelta(days=40)).isoformat(), "", "", ""],
                                                          ["douane", "corrections", (TODAY - dt.timedelta(days=3)).isoformat(), "", "", ""]])
        remediation.import_calendar(session=session, path=calendar, ministry="MEF",
                                    uploaded_at=dt.datetime.combine(SINCE - dt.timedelta(days=1), dt.time(8), tzinfo=dt.UTC))
        report.write_workshop(session=session, out_dir=tmp_path / "atelier", settings=settings, as_of=SINCE, pdf=False)
        session.commit()
    add_declaration(engine, "impots", rate=100, published=(TODAY - dt.timedelta(days=5)).isoformat())
    with Session(engine) as session:
        state = indicator.compute(session=session, as_of=TODAY, settings=settings)
        national = dashboard.since_last_workshop(session=session, state=state, settings=settings)
        mef = dashboard.since_last_workshop(session=session, state=state, settings=settings, ministry="MEF")
        minint = dashboard.since_last_workshop(session=session, state=state, settings=settings, ministry="MININT")
        changes = report.changes_since(session=session, now=state, since=SINCE, settings=settings)
    assert national["since"] == SINCE
    assert round(national["points"], 4) == round(1 / 3, 4) and round(mef["points"], 4) == 0.5 and minint["points"] == 0
    assert [s.demarche.id for s in national["became"]] == ["impots"] and minint["became"] == [] and national["lost"] == []
    assert [(m["demarche_id"], m["step"], m["days_late"]) for m in mef["new_late"]] == [("douane", "Corrections", 3)]
    assert minint["new_late"] == []
    assert changes["appeared"] == [] and changes["national"] == national["points"]  # the report's own figures
