"""Calendars (issue #5): every validation rule on real CSV/XLSX/ODS files, versions, slippage,
projection. After each rejected file the database is byte-for-byte what it was."""

import datetime as dt

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import Session

from rgaa_tracker import remediation
from rgaa_tracker.errors import ImportRejected, NotFound
from rgaa_tracker.settings import get_settings

from .factories import add_declaration, add_demarches, database_bytes, database_dump, write_csv, write_ods, write_xlsx

HEADER = ["demarche_id", "etape", "date_prevue", "date_realisee", "taux_cible", "commentaire"]
GOOD = [
    ["rsa", "audit", "15/01/2022", "20/01/2022", "", ""],
    ["rsa", "Corrections", "2022-03-01", "", "", "prestataire retenu"],
    ["rsa", "contre-audit", "2022-05-01", "", "", ""],
    ["rsa", "Publication de la déclaration", "2022-06-01", "", "80 %", ""],
]
UPLOAD = dt.datetime(2022, 2, 1, tzinfo=dt.UTC)


@pytest.fixture
def catalogue(engine, tmp_path):
    add_demarches(engine, tmp_path, [
        ["rsa", "RSA", "MSS", "https://rsa.example/"], ["apl", "APL", "MSS", "https://apl.example/"],
        ["cmu", "CMU", "MSS", "https://cmu.example/"], ["passeport", "Passeport", "MININT", "https://p.example/"],
    ])
    return engine


def upload(engine, path, ministry="MSS", when=UPLOAD):
    with Session(engine, expire_on_commit=False) as session:
        result = remediation.import_calendar(session=session, path=path, ministry=ministry, uploaded_at=when, uploaded_by="test")
        session.commit()
        return result


@pytest.mark.parametrize("kind", ["utf-8;", "utf-8-sig,", "cp1252;", "cp1252,", "xlsx", "ods"])
def test_good_file_in_every_format_becomes_a_version(catalogue, tmp_path, kind):
    rows = [list(r) for r in GOOD]
    rows[1][5] = "réunion reportée à l'été"
    if kind == "xlsx":
        rows[0][2] = dt.date(2022, 1, 15)
        path = write_xlsx(tmp_path / "c.xlsx", HEADER, rows)
    elif kind == "ods":
        rows[3][4] = 80
        path = write_ods(tmp_path / "c.ods", HEADER, rows)
    else:
        path = write_csv(tmp_path / "c.csv", ["Démarche ID", "Étape", "Date prévue", "Date réalisée", "Taux cible", "Commentaire"], rows,
                         encoding=kind[:-1], delimiter=kind[-1])
    result = upload(catalogue, path)
    assert result.version.row_count == 4
    with Session(catalogue) as session:
        stored = {m.step: m for m in remediation.milestones_of(session=session, version=result.version)}
    assert set(stored) == set(remediation.STEPS)
    assert stored["audit"].planned_on == dt.date(2022, 1, 15) and stored["audit"].done_on == dt.date(2022, 1, 20)
    assert stored["declaration"].target_rate == 80.0
    assert stored["corrections"].comment == "réunion reportée à l'été"


BAD = {
    "unknown-demarche": ([["inconnue", "audit", "2022-01-15", "", "", ""]], (2, "demarche_id"), "démarche inconnue"),
    "other-ministry": ([["passeport", "audit", "2022-01-15", "", "", ""]], (2, "demarche_id"), "ministère MININT, pas du ministère MSS"),
    "unknown-step": ([["rsa", "recette", "2022-01-15", "", "", ""]], (2, "etape"), "étape inconnue"),
    "unreadable-date": ([["rsa", "audit", "mi-janvier", "", "", ""]], (2, "date_prevue"), "date illisible"),
    "done-in-future": ([["rsa", "audit", "2022-01-15", "2022-03-01", "", ""]], (2, "date_realisee"), "dans le futur"),
    "rate-out-of-range": ([["rsa", "declaration", "2022-06-01", "", "120", ""]], (2, "taux_cible"), "hors de l'intervalle"),
    "duplicate": ([["rsa", "audit", "2022-01-15", "", "", ""], ["rsa", "Audit", "2022-01-20", "", "", ""]], (3, "etape"), "déjà ligne 3"),  # rows shift by the good first row
    "out-of-order": ([["rsa", "audit", "2022-03-15", "", "", ""], ["rsa", "contre-audit", "2022-02-01", "", "", ""]], (3, "date_prevue"), "avant l'étape « Audit »"),
    "formula-date": ([["rsa", "audit", "=DATE(2022;1;15)", "", "", ""]], (2, "date_prevue"), "date illisible"),
}


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_each_rule_rejects_the_file_and_leaves_the_database_untouched(catalogue, tmp_path, case, kind):
    upload(catalogue, write_csv(tmp_path / "first.csv", HEADER, GOOD))
    before, before_bytes = database_dump(catalogue), database_bytes(catalogue)
    rows, where, reason = BAD[case]
    good_row = [["apl", "audit", "2022-01-10", "", "", ""]]  # a good row does not save a bad file
    path = (write_csv(tmp_path / "bad.csv", HEADER, good_row + rows) if kind == "csv" else write_xlsx(tmp_path / "bad.xlsx", HEADER, good_row + rows))
    with pytest.raises(ImportRejected) as caught:
        upload(catalogue, path)
    row, column = where
    assert any(e.row == row + 1 and e.column == column and reason in e.reason for e in caught.value.errors), caught.value.errors
    assert database_dump(catalogue) == before
    assert database_bytes(catalogue) == before_bytes


@pytest.mark.parametrize("content, reason", [
    (b"", "vide"),
    (b"\xef\xbb\xbfdemarche_id;etape;date_prevue\n", "aucune ligne"),
    (b"nom;prenom\nDupont;Jean\n", "colonne(s) obligatoire(s) absente(s) : demarche_id, etape, date_prevue"),
    (b"demarche_id;etape;date_prevue\nrsa;audit;\n", "aucun jalon"),
])
def test_empty_and_shapeless_files(catalogue, tmp_path, content, reason):
    path = tmp_path / "c.csv"
    path.write_bytes(content)
    before = database_bytes(catalogue)
    with pytest.raises(ImportRejected) as caught:
        upload(catalogue, path)
    assert reason in str(caught.value)
    assert database_bytes(catalogue) == before


def test_wrong_sheet_is_named(catalogue, tmp_path):
    workbook = Workbook()
    workbook.active.title = "Budget"
    workbook.active.append(["poste", "montant"])
    workbook.active.append(["audit", 12000])
    workbook.save(tmp_path / "c.xlsx")
    with pytest.raises(ImportRejected) as caught:
        upload(catalogue, tmp_path / "c.xlsx")
    assert "« Budget »" in str(caught.value) and "colonne(s) obligatoire(s) absente(s)" in str(caught.value)


def test_extra_columns_are_ignored_with_a_warning_and_formulas_stay_text(catalogue, tmp_path):
    workbook = Workbook()
    ws = workbook.active
    ws.append(HEADER + ["Budget"])
    ws.append(["rsa", "audit", dt.date(2022, 1, 15), None, None, '=HYPERLINK("http://evil.example","clic")', "=2+2"])
    ws.append(["rsa", "corrections", dt.date(2022, 2, 15), None, None, "@SOMME(A1:A2)", ""])
    workbook.save(tmp_path / "c.xlsx")
    result = upload(catalogue, tmp_path / "c.xlsx")
    assert "colonne « Budget » ignorée (inconnue)" in result.warnings
    with Session(catalogue) as session:
        comments = [m.comment for m in remediation.milestones_of(session=session, version=result.version)]
    assert comments == ['=HYPERLINK("http://evil.example","clic")', "@SOMME(A1:A2)"]


def test_slippage_over_three_uploads_and_history(catalogue, tmp_path):
    def version(declaration_date, audit_date="2022-01-15"):
        rows = [["rsa", "audit", audit_date, "", "", ""], ["rsa", "declaration", declaration_date, "", "80", ""]]
        return write_csv(tmp_path / f"v{declaration_date}.csv", HEADER, rows)

    upload(catalogue, version("2022-06-01"), when=dt.datetime(2022, 1, 1, tzinfo=dt.UTC))
    second = upload(catalogue, version("2022-09-01"), when=dt.datetime(2022, 3, 1, tzinfo=dt.UTC))
    assert second.changes["moved"] == ["rsa — Publication de la déclaration : 01/06/2022 → 01/09/2022"]
    upload(catalogue, version("2022-12-15", audit_date="2022-01-10"), when=dt.datetime(2022, 5, 1, tzinfo=dt.UTC))
    with Session(catalogue) as session:
        data = remediation.status(session=session, as_of=dt.date(2022, 6, 1), settings=get_settings(), ministry="MSS")
        assert [v.row_count for v in remediation.history(session=session, ministry="MSS")] == [2, 2, 2]
        # as of a date between uploads, only the versions uploaded by then count
        earlier = remediation.status(session=session, as_of=dt.date(2022, 3, 15), settings=get_settings(), ministry="MSS")
    slipped = data["ministries"][0]["slipped"]
    assert slipped == [{"demarche_id": "rsa", "etape": "declaration", "first_planned": "2022-06-01", "latest_planned": "2022-12-15", "days": 197}]
    assert earlier["ministries"][0]["slipped"][0]["latest_planned"] == "2022-09-01"
    # the audit moved earlier: not a slip; it was planned 10/01 and never done, so it is late
    assert data["ministries"][0]["late"] == [{"demarche_id": "rsa", "etape": "audit", "date_prevue": "2022-01-10"}]


def test_coverage_and_projection_crossing_the_target(catalogue, tmp_path):
    add_declaration(catalogue, "rsa", rate=90, published="2021-06-01")  # accessible already
    as_of = dt.date(2022, 3, 1)

    def projection():
        with Session(catalogue) as session:
            return remediation.status(session=session, as_of=as_of, settings=get_settings())

    data = projection()
    mss = next(m for m in data["ministries"] if m["code"] == "MSS")
    assert (mss["coverage"], mss["projected_share_at_deadline"]) == (0.0, pytest.approx(1 / 3, abs=1e-5))
    plan = [["apl", "declaration", "2022-10-01", "", "75", ""], ["cmu", "declaration", "2022-11-01", "", "60", ""]]
    upload(catalogue, write_csv(tmp_path / "p1.csv", HEADER, plan))
    mss = next(m for m in projection()["ministries"] if m["code"] == "MSS")
    assert mss["coverage"] == pytest.approx(2 / 3, abs=1e-5)
    assert mss["projected_share_at_deadline"] == pytest.approx(2 / 3, abs=1e-5)  # cmu's 60 % target is below 75
    plan[1][4] = "85"
    upload(catalogue, write_csv(tmp_path / "p2.csv", HEADER, plan))
    data = projection()
    mss = next(m for m in data["ministries"] if m["code"] == "MSS")
    assert mss["projected_share_at_deadline"] == 1.0 >= get_settings().target_share  # crosses the 80 % target
    assert data["national"]["projected_share_at_deadline"] == 0.75  # MININT's passeport has no plan


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".ods"])
def test_template_lists_the_ministry_and_round_trips(catalogue, tmp_path, suffix):
    path = tmp_path / f"modele{suffix}"
    with Session(catalogue) as session:
        remediation.write_template(session=session, path=path, ministry="MSS")
    with pytest.raises(ImportRejected) as caught:  # unfilled: nothing planned
        upload(catalogue, path)
    assert "aucun jalon" in str(caught.value)
    if suffix == ".xlsx":
        workbook = load_workbook(path)
        ws = workbook["Calendrier"]
        assert [c.value for c in ws[1]][:3] == ["Identifiant de la démarche", "Titre de la démarche", "Étape"]
        ids = [ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)]
        assert ids[0] == "EXEMPLE" and ids.count("rsa") == 4 and "passeport" not in ids
        ws.cell(row=3, column=4).value = dt.date(2022, 1, 20)  # rsa — Audit
        workbook.save(path)
        result = upload(catalogue, path)
        assert result.version.row_count == 1
        assert any("ligne d'exemple ignorée" in w for w in result.warnings)


def test_unknown_ministry(catalogue, tmp_path):
    with pytest.raises(NotFound):
        upload(catalogue, write_csv(tmp_path / "c.csv", HEADER, GOOD), ministry="XYZ")
