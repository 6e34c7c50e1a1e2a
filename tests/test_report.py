"""The workshop report (issue #6) on data built by the test: numbers agree with the indicators
module, the PDF opens and holds the national figure, reports are recorded and chained."""

import csv
import datetime as dt
import subprocess
from pathlib import Path

import pytest
from sqlmodel import Session

from rgaa_tracker import remediation, indicator, report
from rgaa_tracker.settings import get_settings

from .factories import add_crawl, add_declaration, add_demarches, write_csv

AS_OF = dt.date(2022, 6, 30)
SINCE = dt.date(2022, 3, 1)


@pytest.fixture
def programme(engine, tmp_path):
    add_demarches(engine, tmp_path, [
        ["impots", "Déclarer ses revenus", "MEF", "https://impots.example/"],
        ["douane", "Dédouaner <script>alert(1)</script>", "MEF", "https://douane.example/"],
        ["permis", "Permis de conduire", "MININT", "https://permis.example/"],
        ["passeport", "Passeport", "MININT", "https://passeport.example/"],
        ["rsa", "RSA", "MSS", "https://rsa.example/"],
    ])
    add_declaration(engine, "impots", rate=100, published="2021-01-10")
    add_declaration(engine, "douane", rate=80, published="2022-04-01")    # became accessible since SINCE
    add_declaration(engine, "permis", rate=90, published="2019-05-01")    # expired between SINCE and AS_OF
    add_declaration(engine, "passeport", rate=60, published="2021-09-01")
    add_crawl(engine, "2022-02-20T02:00:00", {"impots": ["3.2"], "douane": ["1.1", "3.2"]})
    add_crawl(engine, "2022-06-29T02:00:00", {"impots": ["1.1"], "douane": ["1.1"], "permis": []})
    header = ["demarche_id", "etape", "date_prevue", "date_realisee", "taux_cible", "commentaire"]
    with Session(engine, expire_on_commit=False) as session:
        for when, planned in ((dt.datetime(2022, 1, 5, tzinfo=dt.UTC), "2022-09-01"), (dt.datetime(2022, 5, 5, tzinfo=dt.UTC), "2022-11-15")):
            path = write_csv(tmp_path / f"cal-{planned}.csv", header, [["rsa", "declaration", planned, "", "80", ""]])
            remediation.import_calendar(session=session, path=path, ministry="MSS", uploaded_at=when)
        session.commit()
    return engine


def read_csv(path: Path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))


def test_report_numbers_agree_with_the_indicators(programme, tmp_path):
    settings = get_settings()
    with Session(programme) as session:
        written = report.write_workshop(session=session, out_dir=tmp_path / "r", settings=settings, as_of=AS_OF, since=SINCE, pdf=False)
        now = indicator.compute(session=session, as_of=AS_OF, settings=settings)
    html = Path(written.html_path).read_text(encoding="utf-8")
    data = Path(written.folder) / "donnees"
    rows = {r["code"]: r for r in read_csv(data / "ministeres.csv")}
    for code, counts in now.ministries.items():
        if counts.active:
            assert (int(rows[code]["actives"]), int(rows[code]["accessibles"])) == (counts.active, counts.accessible)
    assert now.national.accessible == 2 and now.national.active == 5
    assert "40,0 %" in html  # 2 of 5, as the indicators module says
    evolutions = {(r["evolution"], r["demarche_id"]) for r in read_csv(data / "evolutions.csv")}
    assert ("devenue_accessible", "douane") in evolutions and ("expiree", "permis") in evolutions
    assert [r["demarche_id"] for r in read_csv(data / "contestables.csv")] == sorted(now.questionable) == ["douane", "impots"]
    assert read_csv(data / "glissements.csv")[0]["jours"] == "75"
    criteres = {r["critere"]: r for r in read_csv(data / "criteres.csv")}
    assert criteres["1.1"]["demarches_non_conformes"] == "2" and criteres["1.1"]["precedemment"] == "1"
    assert "Dédouaner &lt;script&gt;" in html and "<script>alert(1)" not in html
    assert '<svg role="img" aria-label="Part des démarches accessibles et trajectoire vers la cible"' in html
    assert "<script" not in html  # self-contained and static


def test_pdf_opens_and_holds_the_national_figure(programme, tmp_path):
    with Session(programme) as session:
        written = report.write_workshop(session=session, out_dir=tmp_path / "r", settings=get_settings(), as_of=AS_OF, since=SINCE)
    pdf = Path(written.pdf_path)
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    [image] = list(tmp_path.glob("page-*.png"))  # page-1.png or page-01.png, by page count
    assert image.stat().st_size > 1000
    text = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60).stdout
    assert "40,0 %" in text and "Page 1 /" in text


def test_reports_are_recorded_and_since_defaults_to_the_previous_one(programme, tmp_path):
    settings = get_settings()
    with Session(programme, expire_on_commit=False) as session:
        first = report.write_workshop(session=session, out_dir=tmp_path / "a", settings=settings, as_of=SINCE, pdf=False)
        second = report.write_workshop(session=session, out_dir=tmp_path / "b", settings=settings, as_of=AS_OF, pdf=False)
        session.commit()
        listed = report.list_reports(session=session)
    assert first.since is None and second.since == SINCE
    assert [r.as_of for r in listed] == [AS_OF, SINCE]
    assert "atelier du 1er mars 2022" in Path(second.html_path).read_text(encoding="utf-8")


def _section(text: str, start: str, end: str) -> str:
    flat = " ".join(text.split())
    return flat[flat.index(" ".join(start.split())):flat.index(end)]


def test_pdf_of_twenty_ministries_shows_every_column_of_the_ministry_table(engine, tmp_path):
    """A4 landscape: the ministry table is never cut at the right edge (issue #19: « 66… »);
    the first page is the summary and each ministry has a page of its own."""
    from rgaa_tracker.models import Ministry

    codes = [f"M{k:02d}" for k in range(1, 21)]
    rows = [[f"d{k:02d}-{j}", f"Démarche {j} du ministère {k}", code, f"https://d{k}-{j}.example/"]
            for k, code in enumerate(codes, 1) for j in range(1 + k % 4)]
    add_demarches(engine, tmp_path, rows)
    for k, code in enumerate(codes, 1):
        if k % 3:
            add_declaration(engine, f"d{k:02d}-0", rate=100, published="2022-01-10")
    header = ["demarche_id", "etape", "date_prevue", "date_realisee", "taux_cible", "commentaire"]
    with Session(engine, expire_on_commit=False) as session:
        for k, code in enumerate(codes, 1):
            session.get(Ministry, code).name = f"Ministère numéro {k} de l'Économie, des Finances et de la Souveraineté industrielle"
        session.commit()
        for k, code in enumerate(codes[:6], 1):
            path = write_csv(tmp_path / f"cal-{code}.csv", header, [[f"d{k:02d}-0", "audit", "2022-03-01", "", "", ""],
                                                                   [f"d{k:02d}-0", "declaration", "2022-12-01", "", "100", ""]])
            remediation.import_calendar(session=session, path=path, ministry=code, uploaded_at=dt.datetime(2022, 2, 1, tzinfo=dt.UTC))
        session.commit()
        written = report.write_workshop(session=session, out_dir=tmp_path / "r", settings=get_settings(), as_of=AS_OF, since=SINCE)
        context = report.workshop_context(session=session, as_of=AS_OF, since=SINCE, settings=get_settings())
    pdf = Path(written.pdf_path)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=120).stdout
    pages = text.split("\f")
    assert "Synthèse au 30 juin 2022" in " ".join(pages[0].split())  # the summary first
    table = _section(text, "Démarches actives, déclarées et accessibles, et calendriers, par ministère", "« Je donne mon avis »")
    for title in ["Ministère", "Actives", "Déclarées", "Accessibles", "Part accessible", "Écart à la trajectoire", "Évolution",
                  "Couverture du calendrier", "Jalons en retard", "Projection à l'échéance"]:
        assert all(word in table for word in title.split()), title
    assert "…" not in table
    from collections import Counter
    import re

    expected = Counter()
    for m in context["ministries"]:
        assert f"({m['code']})" in table
        plan = m["plan"]
        expected.update([report._pct(m["counts"].share), report._pct(plan["coverage"]), report._pct(plan["projected_share_at_deadline"])])
        expected.update([report._points(m["gap"].gap), report._points(m["change"])])
    found = Counter(re.findall(r"[+-]?\d+,\d (?:%|pt)", table))
    assert not expected - found, expected - found
    # one page per ministry: each sheet's heading starts a page
    for m in context["ministries"]:
        heading = f"{m['name']} ({m['code']})"
        assert any(" ".join(p.split()).startswith((heading, f"Fiches par ministère Une fiche par ministère : ses chiffres, ses jalons en retard, ses déclarations contestables et celles qui expirent dans les 6 mois. {heading}")) for p in pages), heading
