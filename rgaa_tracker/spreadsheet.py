"""Writing tables as CSV (``;``, UTF-8 with BOM: what French Excel opens), XLSX and ODS.

Cells starting with ``=``, ``+``, ``-`` or ``@`` are written as text, so a formula typed by one
person is never evaluated on another person's machine.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@")


def _safe_csv(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return "" if value is None else value


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        writer.writerows([_safe_csv(v) for v in row] for row in rows)
    return path


def write_xlsx(path: Path, sheets: list[tuple[str, list[str], list[list[object]]]], *, choices: dict[int, list[str]] | None = None) -> Path:
    """``sheets``: (title, header, rows); ``choices``: column index → allowed values (first sheet)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    workbook.remove(workbook.active)
    for index, (title, header, rows) in enumerate(sheets):
        ws = workbook.create_sheet(title[:31])
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    cell.data_type = "s"  # text, never a formula
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "DD/MM/YYYY"
        for column, cells in enumerate(ws.columns, start=1):
            width = max(len(str(c.value or "")) for c in cells)
            ws.column_dimensions[cells[0].column_letter].width = min(max(12, width + 2), 60)
        ws.freeze_panes = "A2"
        if index == 0 and choices:
            for column, values in choices.items():
                letter = ws.cell(row=1, column=column + 1).column_letter
                validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
                validation.add(f"{letter}2:{letter}5000")
                ws.add_data_validation(validation)
    workbook.save(path)
    return path


def write_ods(path: Path, sheets: list[tuple[str, list[str], list[list[object]]]]) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()

    def cell(value: object) -> TableCell:
        if isinstance(value, bool) or value is None or isinstance(value, str):
            c = TableCell(valuetype="string")  # strings stay strings: "=1+1" is text here
        elif isinstance(value, (dt.date, dt.datetime)):
            c = TableCell(valuetype="date", datevalue=value.isoformat())
        else:
            c = TableCell(valuetype="float", value=value)
        if value not in (None, ""):
            c.addElement(P(text=value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else str(value)))
        return c

    for title, header, rows in sheets:
        table = Table(name=title)
        for values in [header, *rows]:
            row = TableRow()
            for value in values:
                row.addElement(cell(value))
            table.addElement(row)
        document.spreadsheet.addElement(table)
    document.save(str(path))
    return path
