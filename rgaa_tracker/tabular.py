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
import logging
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from .errors import ImportRejected, RowError
from .settings import LimitsSettings, get_settings
from .statement import fold

logger = logging.getLogger("rgaa_tracker.import")

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
        names = {column: self.headers.get(column) or labels.get(column, column) for column in {e.column for e in ordered if e.column}}
        named = [RowError(e.row, names[e.column], e.value, e.reason) if e.column else e for e in ordered]
        return ImportRejected(self.filename, named)


class _Refused(Exception):
    """A limit or a corrupt file met while reading; ``read_table`` turns it into the refusal."""

    def __init__(self, reason: str, row: int | None = None, column: str | None = None):
        super().__init__(reason)
        self.error = RowError(row, column, None, reason)


def _megabytes(limit: float) -> int:
    return int(limit * 1024 * 1024)


def _too_many_rows(limits: LimitsSettings) -> _Refused:
    return _Refused(f"trop de lignes : {limits.max_rows} au plus (réglage limits.max_rows)", limits.max_rows + 1)


def _check_row(row: list[object], number: int, limits: LimitsSettings) -> list[object]:
    """One row within the column and cell limits; trailing empty cells (spreadsheet exports pad
    rows with separators) do not count as columns."""
    while row and (row[-1] is None or row[-1] == ""):
        row.pop()
    if len(row) > limits.max_columns:
        raise _Refused(f"trop de colonnes : {limits.max_columns} au plus (réglage limits.max_columns)", number)
    for cell in row:
        if isinstance(cell, str) and len(cell) > limits.max_cell_chars:
            raise _Refused(f"cellule trop longue : {limits.max_cell_chars} caractères au plus (réglage limits.max_cell_chars)", number)
    return row


def _lines(handle: io.TextIOBase, limit: int) -> Iterator[str]:
    """The file's lines, none read past ``limit`` characters: one endless line costs no more."""
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        if len(line) > limit:
            raise _Refused("ligne trop longue : réduisez le nombre de colonnes ou la longueur des cellules "
                           "(réglages limits.max_columns et limits.max_cell_chars)")
        yield line


def _csv_grid(path: Path, limits: LimitsSettings) -> list[list[object]]:
    """Rows of a CSV read as a stream, stopped at ``max_rows`` + 1: memory stays bounded by the
    limits whatever the file's size. UTF-8 (with or without BOM) first, else Windows-1252."""
    line_limit = limits.max_columns * (limits.max_cell_chars + 3) + 2
    for encoding in ("utf-8-sig", "cp1252"):
        grid: list[list[object]] = []
        try:
            with path.open(encoding=encoding, newline="") as handle:
                first_line = handle.readline(line_limit)
                delimiter = max(";,\t", key=first_line.count)
                handle.seek(0)
                reader = csv.reader(_lines(handle, line_limit), delimiter=delimiter)
                for number, row in enumerate(reader, start=1):
                    if number > limits.max_rows:
                        raise _too_many_rows(limits)
                    grid.append(_check_row(row, number, limits))
            return grid
        except UnicodeDecodeError:
            continue
        except csv.Error:  # a field past csv's own size limit, or a NUL byte
            raise _Refused(f"cellule trop longue ou caractère interdit : {limits.max_cell_chars} caractères au plus "
                           "(réglage limits.max_cell_chars)", len(grid) + 1) from None
    raise _Refused("encodage illisible : enregistrez le fichier en UTF-8")


def _is_blank(row: Iterable[object]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in row)


_XLSX_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*?(/?)>')
_ODS_TOKEN = re.compile(rb'<table:table\s|<table:table-row\b([^>]*)>|<table:(?:covered-)?table-cell\b([^>]*?)(/?)>')
_ODS_ROWS = re.compile(rb'table:number-rows-repeated="([0-9]{1,9})"')
_ODS_COLUMNS = re.compile(rb'table:number-columns-repeated="([0-9]{1,9})"')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _xlsx_extent(data: bytes) -> tuple[int, int]:
    """Last row and column holding a cell with content: the grid calamine will allocate."""
    rows = columns = 0
    for match in _XLSX_CELL.finditer(data):
        if not match.group(3):  # <c …/> : a styled empty cell, never materialised
            rows, columns = max(rows, int(match.group(2))), max(columns, _column_number(match.group(1)))
    return rows, columns


def _ods_extent(data: bytes) -> tuple[int, int]:
    """Same for ODS, where one element may stand for many rows or cells (``…-repeated``)."""
    rows = columns = 0
    before = repeat = width = position = 0

    def end_row() -> None:
        nonlocal rows, columns, before
        if width:
            rows, columns = max(rows, before + repeat), max(columns, width)
        before += repeat

    for match in _ODS_TOKEN.finditer(data):
        if match.group(1) is not None:  # a row
            end_row()
            found = _ODS_ROWS.search(match.group(1))
            repeat, width, position = int(found.group(1)) if found else 1, 0, 0
        elif match.group(2) is not None:  # a cell
            found = _ODS_COLUMNS.search(match.group(2))
            position += int(found.group(1)) if found else 1
            if not match.group(3) or b"office:value-type" in match.group(2):
                width = position
        else:  # a new sheet
            end_row()
            before = repeat = width = position = 0
    end_row()
    return rows, columns


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, too_big: _Refused) -> bytes:
    """A member's bytes, read a megabyte at a time: ``ZipFile.read`` inflates the whole stream
    before cutting it at the declared size, so a member lying about its size would cost all it
    expands to. Past ``budget``, reading stops."""
    parts, size = [], 0
    with archive.open(info) as member:
        while chunk := member.read(1 << 20):
            size += len(chunk)
            if size > budget:
                raise too_big
            parts.append(chunk)
    return b"".join(parts)


def _check_archive(path: Path, limits: LimitsSettings) -> None:
    """Refuse an XLSX/ODS whose content would cost more than the limits, before calamine or
    openpyxl see it: declared sizes and ratios first, then every member really decompressed
    (Python stops at the declared size and checks the CRC, so a lying header is caught), and the
    extent of each sheet, since a cell at XFD1048576 makes calamine allocate the whole grid."""
    budget = _megabytes(limits.max_uncompressed_mb)
    too_big = _Refused(f"contenu décompressé trop volumineux : {limits.max_uncompressed_mb:g} Mo au plus "
                       "(réglage limits.max_uncompressed_mb)")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise _Refused("fichier illisible : un fichier XLSX ou ODS est une archive ZIP, celui-ci n'en est pas une ; "
                       "enregistrez-le de nouveau depuis votre tableur") from None
    with archive:
        members = archive.infolist()
        if sum(info.file_size for info in members) > budget:
            raise too_big
        for info in members:
            if info.file_size > (1 << 20) and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1):
                raise _Refused(f"archive anormalement compressée : taux de compression de {limits.max_compression_ratio:g} au plus "
                               "(réglage limits.max_compression_ratio)")
        spent = 0
        for info in members:
            try:
                data = _read_member(archive, info, budget - spent, too_big)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, ValueError, EOFError, zlib.error):
                raise _Refused("fichier illisible : l'archive XLSX ou ODS est corrompue ou chiffrée") from None
            spent += len(data)
            if spent > budget:
                raise too_big
            extent = (0, 0)
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                extent = _xlsx_extent(data)
            elif info.filename == "content.xml":
                extent = _ods_extent(data)
            if extent[0] > limits.max_rows:
                raise _too_many_rows(limits)
            if extent[1] > limits.max_columns:
                raise _Refused(f"trop de colonnes : {limits.max_columns} au plus (réglage limits.max_columns)")
            del data


def _has_formulas(path: Path) -> bool:
    """Whether any worksheet of an XLSX holds a formula (an ``<f>`` element)."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                data = archive.read(name)
                if b"<f>" in data or b"<f " in data or b":f>" in data:
                    return True
    return False


def _sheets(path: Path, limits: LimitsSettings) -> list[tuple[str, list[list[object]]]]:
    if path.suffix.lower() != ".xls":  # the old binary format is no archive; its grid is bounded by the format
        _check_archive(path, limits)
    # calamine is fast but gives a formula's cached value; openpyxl, slower, gives its text.
    if path.suffix.lower() in (".xlsx", ".xlsm") and _has_formulas(path):
        # A formula is kept as its text ("=A1+1"): stored as typed, never evaluated.
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=False)
        try:
            grids = [(ws.title, [list(row) for row in ws.iter_rows(values_only=True, max_row=limits.max_rows + 1,
                                                                   max_col=limits.max_columns + 1)]) for ws in workbook.worksheets]
        finally:
            workbook.close()
    else:
        try:
            workbook = CalamineWorkbook.from_path(str(path))
            grids = [(name, workbook.get_sheet_by_name(name).to_python()) for name in workbook.sheet_names]
        except Exception:  # noqa: BLE001 — calamine's own errors are English and name our temporary path
            logger.info("calamine could not read %s", path, exc_info=True)
            raise _Refused("fichier illisible : le tableur est corrompu ou d'un format non pris en charge ; "
                           "enregistrez-le de nouveau au format XLSX ou ODS") from None
    for _, grid in grids:
        if len(grid) > limits.max_rows:
            raise _too_many_rows(limits)
        for number, row in enumerate(grid, start=1):
            _check_row(row, number, limits)
    return grids


def read_table(path: Path, columns: dict[str, str], required: Iterable[str], *, labels: dict[str, str] | None = None,
               display_name: str | None = None, limits: LimitsSettings | None = None) -> Table:
    """Read the first sheet (or CSV) whose header row holds every required column.

    ``columns`` maps accepted header keys (see ``header_key``) to canonical names; ``labels``
    gives the French column name (SPEC §5) a missing column is asked for by. ``limits`` (the
    settings' by default) bound the file's size, rows, columns, cells and decompressed size.
    """
    labels = labels or {}
    limits = limits or get_settings().limits
    name = display_name or path.name
    required = list(required)
    try:
        if path.stat().st_size > _megabytes(limits.max_file_mb):
            raise _Refused(f"fichier trop volumineux : {limits.max_file_mb:g} Mo au plus (réglage limits.max_file_mb)")
        if path.suffix.lower() in SPREADSHEET_SUFFIXES:
            grids = _sheets(path, limits)
        else:
            grids = [("", _csv_grid(path, limits))]
    except FileNotFoundError:
        raise ImportRejected(name, [RowError(None, None, str(path), "fichier introuvable")]) from None
    except _Refused as refused:
        raise ImportRejected(name, [refused.error]) from None
    except Exception:  # noqa: BLE001 — an English message naming a server path is no answer for a lead
        logger.warning("unreadable import file %s", path, exc_info=True)
        raise ImportRejected(name, [RowError(None, None, None, "fichier illisible : enregistrez-le de nouveau en CSV, XLSX ou ODS")]) from None

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
