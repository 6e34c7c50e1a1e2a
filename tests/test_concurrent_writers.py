"""A calendar upload while a crawl is writing succeeds, on SQLite (WAL) and PostgreSQL."""

import datetime as dt
import threading
import time

from sqlmodel import Session, select

from rgaa_tracker import remediation
from rgaa_tracker.crawl import run_crawl
from rgaa_tracker.models import CalendarVersion, PageAudit

from .factories import add_demarches, write_csv


def test_calendar_upload_during_a_crawl(engine, settings, tmp_path, site_url):
    names = ["clean", "img-no-alt", "no-label", "no-lang", "low-contrast", "empty-link"] * 2
    add_demarches(engine, tmp_path, [[f"{n}-{i}", n, "MEF", f"{site_url}/{n}.html?{i}"] for i, n in enumerate(names)])
    outcome = {}

    def crawl():
        outcome["run"] = run_crawl(engine=engine, settings=settings, concurrency=2)

    thread = threading.Thread(target=crawl)
    thread.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the crawl is writing
        with Session(engine) as session:
            if session.exec(select(PageAudit)).first() is not None:
                break
        time.sleep(0.1)
    header = ["demarche_id", "etape", "date_prevue", "date_realisee", "taux_cible", "commentaire"]
    rows = [[f"{n}-{i}", "audit", "2026-01-15", "", "", ""] for i, n in enumerate(names)]
    uploads = 0
    while thread.is_alive() and uploads < 5:  # several uploads interleaved with the crawl's commits
        with Session(engine) as session:
            remediation.import_calendar(session=session, path=write_csv(tmp_path / f"c{uploads}.csv", header, rows), ministry="MEF",
                                     uploaded_at=dt.datetime.now(dt.UTC))
            session.commit()
        uploads += 1
    thread.join(timeout=120)
    assert uploads >= 1
    assert outcome["run"].status == "finished" and outcome["run"].pages_failed == 0
    with Session(engine) as session:
        assert len(session.exec(select(CalendarVersion)).all()) == uploads
