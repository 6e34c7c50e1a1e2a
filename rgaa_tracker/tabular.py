"""Reading the files ministries send (CSV, XLSX, ODS) into rows of text-keyed cells.

Headers are matched ignoring case, accents, spaces, hyphens and underscores (SPEC §5), so
"Date prévue", "date_prevue" and "DATE-PREVUE" are one column. Cell parsers raise
``ValueError`` with a French reason; ``collect`` turns those into ``RowError``s so an import
can list every bad cell at once and store nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from python_calamine import CalamineWorkbook

from .errors import ImportRejected, RowError
from .statement import fold

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".ods", ".xls"}
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATE_FR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def header_key(name: object) -> str:
    """Header as a key: case, accents, spaces, underscores and punctuation ignored."""
    return re.sub(r"[^a-z0-9]+", "", fold(str(name or "")))


@dataclass
class Table:
    """Cells keyed by canonical column name; ``rows`` pairs each with its spreadsheet row number.

    Canonical names are the code's (English); ``headers`` keeps the header each was read from,
    so an error names the column as the user's own file does.
    """

    filename: str
    columns: list[str]
    rows: list[tuple[int, dict[str, object]]]
    warnings: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def rejected(self, errors: Iterable[RowError], labels: dict[str, str]) -> ImportRejected:
        """The refusal of this file: errors in the order of its rows and columns, each naming its
        column by the user's header."""
        position = {column: i for i, column in enumerate(self.columns)}
        ordered = sorted(errors, key=lambda e: (e.row or 0, position.get(e.column, len(position))))
        named = [replace(e, column=self.headers.get(e.column) or labels.get(e.column, e.column)) if e.column else e for e in ordered]
        return ImportRejected(self.filename, named)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _csv_grid(data: bytes) -> list[list[object]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _is_blank(row: Iterable[object]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in row)


def _has_formulas(path: Path) -> bool:
    """Whether any worksheet of an XLSX holds a formula (an ``<f>`` element)."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                data = archive.read(name)
                if b"<f>" in data or b"<f " in data or b":f>" in data:
                    return True
    return False


def _sheets(path: Path) -> list[tuple[str, list[list[object]]]]:
    # calamine is fast but gives a formula's cached value; openpyxl, slower, gives its text.
    if path.suffix.lower() in (".xlsx", ".xlsm") and _has_formulas(path):
        # A formula is kept as its text ("=A1+1"): stored as typed, never evaluated.
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=False)
        try:
            return [(ws.title, [list(row) for row in ws.iter_rows(values_only=True)]) for ws in workbook.worksheets]
        finally:
            workbook.close()
    workbook = CalamineWorkbook.from_path(str(path))
    return [(name, workbook.get_sheet_by_name(name).to_python()) for name in workbook.sheet_names]


def read_table(path: Path, columns: dict[str, str], required: Iterable[str], *, labels: dict[str, str] | None = None,
               display_name: str | None = None) -> Table:
    """Read the first sheet (or CSV) whose header row holds every required column.

    ``columns`` maps accepted header keys (see ``header_key``) to canonical names; ``labels``
    gives the French column name (SPEC §5) a missing column is asked for by.
    """
    labels = labels or {}
    name = display_name or path.name
    required = list(required)
    try:
        if path.suffix.lower() in SPREADSHEET_SUFFIXES:
            grids = _sheets(path)
        else:
            grids = [("", _csv_grid(path.read_bytes()))]
    except FileNotFoundError:
        raise ImportRejected(name, [RowError(None, None, str(path), "fichier introuvable")]) from None
    except Exception as error:  # calamine raises its own errors on corrupt files
        raise ImportRejected(name, [RowError(None, None, None, f"fichier illisible ({error})")]) from None

    problems: list[RowError] = []
    for sheet, grid in grids:
        body = [(number, row) for number, row in enumerate(grid, start=1) if not _is_blank(row)]
        if not body:
            problems.append(RowError(None, None, sheet or None, "le fichier ou la feuille est vide"))
            continue
        header_row, header = body[0]
        mapped = [columns.get(header_key(cell)) for cell in header]
        missing = [col for col in required if col not in mapped]
        if missing:
            where = f"feuille « {sheet} » : " if sheet else ""
            problems.append(RowError(header_row, None, None, f"{where}colonne(s) obligatoire(s) absente(s) : {', '.join(labels.get(c, c) for c in missing)}"))
            continue
        warnings = [
            f"colonne « {cell} » ignorée (inconnue)"
            for cell, canonical in zip(header, mapped)
            if canonical is None and str(cell or "").strip()
        ]
        rows = []
        for number, row in body[1:]:
            cells = {canonical: row[i] if i < len(row) else None for i, canonical in enumerate(mapped) if canonical}
            rows.append((number, cells))
        if not rows:
            raise ImportRejected(name, [RowError(None, None, None, "le fichier ne contient aucune ligne de données")])
        if sheet and len(grids) > 1:
            warnings.append(f"feuille « {sheet} » lue")
        headers = {canonical: str(cell).strip() for cell, canonical in zip(header, mapped) if canonical}
        return Table(name, [c for c in mapped if c], rows, warnings, headers)
    if len(grids) > 1:
        names = ", ".join(f"« {sheet} »" for sheet, _ in grids)
        problems = [RowError(None, None, None, f"aucune feuille ne contient les colonnes attendues ({', '.join(labels.get(c, c) for c in required)}) ; feuilles trouvées : {names}")]
    raise ImportRejected(name, problems)


def text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = text(value)
    if not raw:
        return None
    raw = raw.split(" ")[0].split("T")[0]
    for pattern, order in ((_DATE_ISO, (1, 2, 3)), (_DATE_FR, (3, 2, 1))):
        match = pattern.match(raw)
        if match:
            year, month, day = (int(match.group(i)) for i in order)
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise ValueError("date impossible") from None
    raise ValueError("date illisible (attendu AAAA-MM-JJ ou JJ/MM/AAAA)")


def parse_rate(value: object) -> float | None:
    """A rate in percent, 0–100: accepts "74,9", "74.9 %", 74.9; spreadsheet fractions stay as typed."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        rate = float(value)
    else:
        raw = text(value).replace("\u00a0", " ").replace(" ", "").rstrip("%").replace(",", ".")
        if not raw:
            return None
        try:
            rate = float(raw)
        except ValueError:
            raise ValueError("taux illisible (attendu un nombre entre 0 et 100, ex. « 74,9 »)") from None
    if not 0 <= rate <= 100:
        raise ValueError("taux hors de l'intervalle 0–100")
    return rate


def parse_int(value: object) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value) != int(value) or value < 0:
            raise ValueError("nombre entier positif attendu")
        return int(value)
    raw = re.sub(r"[\s\u00a0\u202f]", "", text(value))
    if not raw:
        return None
    if not raw.isdigit():
        raise ValueError("nombre entier positif attendu")
    return int(raw)


def parse_bool(value: object) -> bool | None:
    raw = fold(text(value))
    if not raw:
        return None
    if raw in {"oui", "o", "vrai", "true", "1", "yes", "actif", "active"}:
        return True
    if raw in {"non", "n", "faux", "false", "0", "no", "inactif", "inactive"}:
        return False
    raise ValueError("valeur attendue : oui ou non")


def collect(errors: list[RowError], row: int, column: str, value: object, parser: Callable[[object], object]) -> object:
    """Parse one cell; on failure record a RowError and return None so checking goes on."""
    try:
        return parser(value)
    except ValueError as error:
        errors.append(RowError(row, column, text(value), str(error)))
        return None
