"""« Je donne mon avis »: seen on a crawled page, per démarche ever, share per ministry in the
report beside the edition's own figure."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from sqlmodel import Session

from rgaa_tracker import feedback, observatoire, report
from rgaa_tracker.link import Link
from rgaa_tracker.models import CrawlRun, Ministry, PageAudit
from rgaa_tracker.settings import get_settings

from .factories import add_demarches

FIXTURES = Path(__file__).parent / "fixtures" / "observatoire"


def test_the_button_is_a_link_to_the_jdma_service():
    assert feedback.has_jdma([Link("Je donne mon avis", "https://voxusagers.numerique.gouv.fr/Demarches/2201?&view-mode=formulaire-avis&nd_source=button")])
    assert feedback.has_jdma([Link("", "https://jedonnemonavis.numerique.gouv.fr/Demarches/42?button=7")])
    assert not feedback.has_jdma([Link("Je donne mon avis", "https://voxusagers.numerique.gouv.fr.example.com/"),
                                  Link("Avis", "https://exemple.gouv.fr/avis"), Link("x", "http://[::1")])


def add_run(engine, started: str, pages: list[tuple[str, bool | None]]) -> None:
    with Session(engine) as session:
        run = CrawlRun(status="finished", started_at=dt.datetime.fromisoformat(started).replace(tzinfo=dt.UTC))
        session.add(run)
        session.flush()
        for demarche_id, jdma in pages:
            session.add(PageAudit(run_id=run.id, demarche_id=demarche_id, role="start", url="https://x.example/", jdma=jdma))
        session.commit()


def test_ever_seen_per_demarche_and_share_per_ministry(engine, tmp_path):
    add_demarches(engine, tmp_path, [
        ["rsa", "Demande de RSA", "MSS", "https://rsa.example.gouv.fr/"],
        ["caf", "Déclarer sa situation à la CAF", "MSS", "https://caf.example.gouv.fr/"],
        ["impots", "Déclarer ses revenus", "MEF", "https://impots.example.gouv.fr/"],
        ["passeport", "Demande de passeport", "MININT", "https://passeport.example.gouv.fr/"],
    ])
    with Session(engine) as session:  # the edition names its ministries
        session.get(Ministry, "MININT").name = "Ministère de l'Intérieur"
        session.commit()
    add_run(engine, "2024-02-01T02:00:00", [("rsa", True), ("caf", False), ("impots", None)])  # impots: page not read
    add_run(engine, "2024-03-01T02:00:00", [("rsa", False), ("caf", False), ("impots", False)])  # rsa's button gone: still « ever seen »
    add_run(engine, "2024-05-01T02:00:00", [("caf", True)])
    with Session(engine) as session:
        assert feedback.seen(session=session, as_of=dt.date(2024, 4, 1)) == {"rsa"}
        assert feedback.seen(session=session, as_of=dt.date(2024, 5, 1)) == {"rsa", "caf"}
        observatoire.import_edition(session=session, path=FIXTURES / "edition-grist-2024-04.csv", edition_on=dt.date(2024, 4, 1))
        session.commit()
        report.write_workshop(session=session, out_dir=tmp_path / "r", settings=get_settings(), as_of=dt.date(2024, 4, 15), pdf=False)
        session.commit()
    rows = {r["code"]: r for r in csv.DictReader((tmp_path / "r" / "donnees" / "je_donne_mon_avis.csv").read_text(encoding="utf-8-sig").splitlines(),
                                                 delimiter=";")}
    # On 2024-04-15: MSS rsa seen, caf not yet → 1/2; the edition says Oui for both → 1.
    # MEF impots audited, never seen → 0; edition Oui → 1. MININT: passeport and the edition's new rdv never crawled → 0;
    # the edition says Non for both → 0.
    assert (rows["MSS"]["demarches"], rows["MSS"]["demarches_auditees"], rows["MSS"]["bouton_vu"], rows["MSS"]["part"], rows["MSS"]["part_edition"]) == (
        "2", "2", "1", "0,5", "1")  # decimal comma: the data files are for French spreadsheets
    assert (rows["MEF"]["bouton_vu"], rows["MEF"]["part"], rows["MEF"]["part_edition"]) == ("0", "0", "1")
    assert (rows["MININT"]["demarches"], rows["MININT"]["demarches_auditees"], rows["MININT"]["part_edition"]) == ("2", "0", "0")
    html = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert "« Je donne mon avis »" in html and "Part selon l'Observatoire" in html
