"""Démarches import (SPEC §5) from real CSV, XLSX and ODS files written by the tests."""

import datetime as dt

import pytest
from sqlmodel import Session

from rgaa_tracker.demarche import import_demarches, list_demarches
from rgaa_tracker.errors import ImportRejected
from rgaa_tracker.models import Ministry

from .factories import database_dump, write_csv, write_ods, write_xlsx

HEADER = ["Identifiant", "Titre", "Ministère", "URL", "Volumétrie", "Date d'entrée"]
ROWS = [
    ["rsa-demande", "Demande de RSA", "MSS", "https://rsa.example.gouv.fr/", "800000", "01/06/2020"],
    ["passeport", "Demander un passeport", "MININT", "https://passeport.example.gouv.fr/", "3 000 000", "2021-01-15"],
]


def load(engine, path):
    with Session(engine) as session:
        summary = import_demarches(session=session, path=path)
        session.commit()
        return summary


@pytest.mark.parametrize(
    "kind",
    ["csv-utf8-semicolon", "csv-utf8-bom-comma", "csv-cp1252-semicolon", "xlsx", "ods"],
)
def test_import_every_format(engine, tmp_path, kind):
    rows = [list(r) for r in ROWS]
    if kind == "xlsx":
        rows[0][5] = dt.date(2020, 6, 1)  # a real date cell
        path = write_xlsx(tmp_path / "d.xlsx", HEADER, rows)
    elif kind == "ods":
        rows[0][4] = 800000
        path = write_ods(tmp_path / "d.ods", HEADER, rows)
    else:
        delimiter = ";" if kind.endswith("semicolon") else ","
        encoding = {"csv-utf8-semicolon": "utf-8", "csv-utf8-bom-comma": "utf-8-sig", "csv-cp1252-semicolon": "cp1252"}[kind]
        path = write_csv(tmp_path / "d.csv", HEADER, rows, delimiter=delimiter, encoding=encoding)
    summary = load(engine, path)
    assert (summary.created, summary.updated) == (2, 0)
    with Session(engine) as session:
        found = {d.id: d for d in list_demarches(session=session)}
        assert found["rsa-demande"].title == "Demande de RSA"
        assert found["rsa-demande"].annual_volume == 800000
        assert found["rsa-demande"].listed_on == dt.date(2020, 6, 1)
        assert found["passeport"].annual_volume == 3000000
        assert found["passeport"].ministry_code == "MININT"
        assert session.get(Ministry, "MSS") is not None


def test_reimport_updates_and_keeps_other_demarches(engine, tmp_path):
    load(engine, write_csv(tmp_path / "a.csv", HEADER, ROWS))
    summary = load(engine, write_csv(tmp_path / "b.csv", HEADER[:4], [["passeport", "Passeport (nouveau titre)", "MININT", "https://p.example.gouv.fr/"]]))
    assert (summary.created, summary.updated) == (0, 1)
    with Session(engine) as session:
        found = {d.id: d for d in list_demarches(session=session)}
    assert set(found) == {"rsa-demande", "passeport"}
    assert found["passeport"].title == "Passeport (nouveau titre)"


def test_bad_rows_are_all_listed_and_nothing_is_stored(engine, tmp_path):
    load(engine, write_csv(tmp_path / "a.csv", HEADER, ROWS))
    before = database_dump(engine)
    bad = [
        ["ok-1", "Bonne ligne", "MEF", "https://ok.example.gouv.fr/", "", ""],
        ["mauvais id", "Titre", "MEF", "https://x.example.gouv.fr/", "", ""],
        ["ok-2", "", "MEF", "ftp://x.example.gouv.fr/", "beaucoup", "31/02/2021"],
        ["ok-1", "Doublon", "MEF", "https://ok.example.gouv.fr/", "", ""],
    ]
    with pytest.raises(ImportRejected) as caught:
        load(engine, write_csv(tmp_path / "bad.csv", HEADER, bad))
    errors = {(e.row, e.column) for e in caught.value.errors}
    # Each error names the column by the header of the user's own file.
    assert errors == {(3, "Identifiant"), (4, "Titre"), (4, "URL"), (4, "Volumétrie"), (4, "Date d'entrée"), (5, "Identifiant")}
    message = str(caught.value)
    assert "ligne 4" in message and "colonne « URL »" in message and "rien n'a été enregistré" in message
    assert database_dump(engine) == before


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "vide"),
        (b"id;titre\nx;y\n", "colonne(s) obligatoire(s) absente(s) : ministere, url"),
        (b"id;titre;ministere;url\n", "aucune ligne"),
    ],
)
def test_unusable_files_are_refused_with_a_reason(engine, tmp_path, content, reason):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    with pytest.raises(ImportRejected) as caught:
        load(engine, path)
    assert reason in str(caught.value)


def test_sheet_with_the_expected_columns_is_found(engine, tmp_path):
    path = write_xlsx(tmp_path / "d.xlsx", HEADER, ROWS, sheet="Démarches", extra_sheets=("Notice",))
    assert load(engine, path).created == 2


def test_values_longer_than_their_column_are_refused_in_french(engine, tmp_path):
    """A 600-character title used to reach PostgreSQL and end as an internal error."""
    header = ["id", "titre", "ministere", "ministere_nom", "url"]
    rows = [["long", "T" * 600, "MEF", "M" * 300, "https://x.example.gouv.fr/"]]
    before = database_dump(engine)
    with pytest.raises(ImportRejected) as caught:
        load(engine, write_csv(tmp_path / "long.csv", header, rows))
    reasons = {(e.row, e.column): e.reason for e in caught.value.errors}
    assert reasons == {(2, "titre"): "titre trop long : 500 caractères au plus",
                       (2, "ministere_nom"): "nom de ministère trop long : 255 caractères au plus"}
    assert database_dump(engine) == before
