"""Declarations import (SPEC §5) and history."""

import datetime as dt

import pytest
from sqlmodel import Session

from rgaa_tracker.declaration import import_declarations, list_declarations
from rgaa_tracker.errors import ImportRejected

from .factories import add_demarches, database_dump, write_csv, write_ods, write_xlsx

HEADER = ["demarche_id", "statut", "taux", "date_publication", "date_audit", "url"]


@pytest.fixture
def catalogue(engine, tmp_path):
    add_demarches(engine, tmp_path, [["rsa", "RSA", "MSS", "https://rsa.example.gouv.fr/"], ["passeport", "Passeport", "MININT", "https://p.example.gouv.fr/"]])
    return engine


def load(engine, path):
    with Session(engine) as session:
        result = import_declarations(session=session, path=path, today=dt.date(2026, 11, 23))
        session.commit()
        return result


@pytest.mark.parametrize("kind", ["cp1252", "utf-8-sig", "xlsx", "ods"])
def test_import_formats_decimal_comma_percent_and_status_words(catalogue, tmp_path, kind):
    rows = [["rsa", "Partiellement conforme", "74,9 %", "15/03/2021", "", "https://rsa.example.gouv.fr/accessibilite"],
            ["passeport", "totalement", "100", "", "2022-01-10", ""]]
    if kind == "xlsx":
        rows[0][3] = dt.date(2021, 3, 15)
        path = write_xlsx(tmp_path / "d.xlsx", HEADER, rows)
    elif kind == "ods":
        rows[1][2] = 100
        path = write_ods(tmp_path / "d.ods", HEADER, rows)
    else:
        path = write_csv(tmp_path / "d.csv", [h.replace("_", " ").title() for h in HEADER], rows, encoding=kind)
    assert load(catalogue, path).added == 2
    with Session(catalogue) as session:
        found = {d.demarche_id: d for d in list_declarations(session=session)}
    assert (found["rsa"].status, found["rsa"].rate, found["rsa"].published_on) == ("partiellement", 74.9, dt.date(2021, 3, 15))
    assert (found["passeport"].status, found["passeport"].rate, found["passeport"].audited_on) == ("totalement", 100.0, dt.date(2022, 1, 10))
    assert found["rsa"].provenance == "import"


def test_history_is_kept_and_reimport_adds_nothing(catalogue, tmp_path):
    first = write_csv(tmp_path / "a.csv", HEADER, [["rsa", "non", "30", "2020-01-01", "", ""]])
    second = write_csv(tmp_path / "b.csv", HEADER, [["rsa", "partiellement", "80", "2022-01-01", "", ""]])
    assert load(catalogue, first).added == 1
    assert load(catalogue, second).added == 1
    again = load(catalogue, second)
    assert (again.added, again.unchanged) == (0, 1)
    with Session(catalogue) as session:
        assert [d.rate for d in list_declarations(session=session, demarche_id="rsa")] == [30.0, 80.0]


def test_every_bad_row_is_listed_and_nothing_changes(catalogue, tmp_path):
    load(catalogue, write_csv(tmp_path / "ok.csv", HEADER, [["rsa", "non", "30", "2020-01-01", "", ""]]))
    before = database_dump(catalogue)
    rows = [
        ["inconnue", "non", "10", "2021-01-01", "", ""],
        ["rsa", "à moitié", "120", "2021-13-01", "", "rsa.example"],
        ["passeport", "non", "", "", "", ""],
        ["passeport", "partiellement", "60", "2030-01-01", "", ""],
        ["passeport", "", "", "2021-01-01", "", ""],
    ]
    with pytest.raises(ImportRejected) as caught:
        load(catalogue, write_csv(tmp_path / "bad.csv", HEADER, rows))
    found = {(e.row, e.column) for e in caught.value.errors}
    assert found == {(2, "demarche_id"), (3, "statut"), (3, "taux"), (3, "date_publication"), (3, "url"),
                     (4, "date_publication"), (5, "date_publication"), (6, "statut")}
    assert "date dans le futur" in str(caught.value)
    assert database_dump(catalogue) == before


def test_contradictions_are_warned_not_refused(catalogue, tmp_path):
    result = load(catalogue, write_csv(tmp_path / "w.csv", HEADER, [["rsa", "totalement conforme", "80", "2021-01-01", "", ""]]))
    assert result.added == 1
    assert result.warnings == ["ligne 2 : statut « totalement conforme » avec un taux de 80 %"]


@pytest.mark.parametrize("fields, reasons", [
    ({"demarche_id": "rsa", "rate": "cent", "published_on": "2030-01-01"}, {"rate": "taux", "published_on": "date dans le futur"}),
    ({"demarche_id": "rsa", "published_on": "2024-05-01"}, {"status": "statut ou taux obligatoire"}),
    ({"demarche_id": "passeport", "status": "non", "audited_on": "2024-05-01"}, {"demarche_id": "pas du ministère MSS"}),
])
def test_a_form_is_refused_for_the_reasons_a_files_row_is(catalogue, tmp_path, fields, reasons):
    """The web form and the file share one set of checks: the same values, the same refusals."""
    from rgaa_tracker.declaration import file_declaration

    before = database_dump(catalogue)
    with Session(catalogue) as session, pytest.raises(ImportRejected) as form:
        file_declaration(session=session, fields=fields, source="lead@mss.example", ministry="MSS", today=dt.date(2026, 11, 23))
    columns = {"demarche_id": "demarche_id", "status": "statut", "rate": "taux", "published_on": "date_publication", "audited_on": "date_audit"}
    row = [fields.get(k, "") for k in ("demarche_id", "status", "rate", "published_on", "audited_on")]
    path = write_csv(tmp_path / "d.csv", list(columns.values()), [row])
    with Session(catalogue) as session, pytest.raises(ImportRejected) as upload:
        import_declarations(session=session, path=path, ministry="MSS", today=dt.date(2026, 11, 23))
    by_form = {e.column: e.reason for e in form.value.errors}
    by_file = {e.column: e.reason for e in upload.value.errors}
    assert [e.row for e in form.value.errors] == [None] * len(by_form) and {e.row for e in upload.value.errors} == {2}
    assert list(by_form.values()) == list(by_file.values())  # same reasons, in the same order
    for column, reason in reasons.items():
        assert reason in by_form[column]
    assert database_dump(catalogue) == before


def test_a_form_declaration_is_stored_once(catalogue):
    from rgaa_tracker.declaration import file_declaration

    fields = {"demarche_id": "rsa", "status": "Partiellement conforme", "rate": "62,5", "published_on": "2025-03-01", "url": ""}
    outcomes = []
    for _ in range(2):
        with Session(catalogue) as session:
            filed = file_declaration(session=session, fields=fields, source="lead@mss.example", ministry="MSS")
            session.commit()
            outcomes.append(filed.added)
    assert outcomes == [True, False]
    with Session(catalogue) as session:
        [stored] = list_declarations(session=session, demarche_id="rsa")
    assert (stored.status, stored.rate, stored.published_on, stored.provenance, stored.url) == ("partiellement", 62.5, dt.date(2025, 3, 1), "web", None)
