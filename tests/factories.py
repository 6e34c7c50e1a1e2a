"""Plain functions that put test data in a real database."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlmodel import Session

from rgaa_tracker.demarche import import_demarches


def write_csv(path: Path, header: list[str], rows: list[list[object]], *, delimiter: str = ";", encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def add_demarches(engine, tmp_path: Path, rows: list[list[object]]) -> None:
    """rows: [id, titre, ministere, url]."""
    path = write_csv(tmp_path / "demarches.csv", ["id", "titre", "ministere", "url"], rows)
    with Session(engine) as session:
        import_demarches(session=session, path=path)
        session.commit()


def write_xlsx(path: Path, header: list[str], rows: list[list[object]], *, sheet: str = "Feuille1", extra_sheets: tuple[str, ...] = ()) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    for name in extra_sheets:
        workbook.create_sheet(name)
    ws = workbook.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    workbook.move_sheet(ws, offset=len(extra_sheets))
    workbook.save(path)
    return path


def write_ods(path: Path, header: list[str], rows: list[list[object]], *, sheet: str = "Feuille1") -> Path:
    import datetime as dt

    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name=sheet)

    def cell(value: object) -> TableCell:
        if isinstance(value, (dt.date, dt.datetime)):
            c = TableCell(valuetype="date", datevalue=value.isoformat())
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            c = TableCell(valuetype="float", value=value)
        else:
            c = TableCell(valuetype="string")
        if value is not None:
            c.addElement(P(text=str(value)))
        return c

    for values in [header, *rows]:
        row = TableRow()
        for value in values:
            row.addElement(cell(value))
        table.addElement(row)
    document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


def database_dump(engine) -> list[str]:
    """Every row of every table, as text: two equal dumps mean an unchanged database."""
    from sqlalchemy import inspect, text

    lines = []
    with engine.connect() as connection:
        for table in sorted(inspect(engine).get_table_names()):
            for row in connection.execute(text(f'SELECT * FROM "{table}" ORDER BY 1')):
                lines.append(f"{table}: {tuple(row)}")
    return lines
