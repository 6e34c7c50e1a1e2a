"""Accessibility statements (déclarations d'accessibilité): import, history, listing.

Declarations are only ever added. What counts at a date T is decided by the indicator module
from their dates, so importing last year's statements today rebuilds last year's figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from . import db
from .errors import ImportRejected, NotFound, RowError
from .models import Declaration, Demarche
from .settings import LimitsSettings
from .statement import fold
from .tabular import collect, parse_date, parse_rate, read_table, text

COLUMNS = {
    "demarcheid": "demarche_id",
    "demarche": "demarche_id",
    "statut": "status",
    "etat": "status",
    "etatdeconformite": "status",
    "taux": "rate",
    "tauxdeconformite": "rate",
    # « établie le »: the file's historical ``date_publication`` is the date a statement was
    # established, which is when it was first published.
    "datepublication": "published_on",
    "datedepublication": "published_on",
    "dateetablissement": "published_on",
    "datedetablissement": "published_on",
    "etabliele": "published_on",
    "datemiseajour": "updated_on",
    "datedemiseajour": "updated_on",
    "miseajourle": "updated_on",
    "dateaudit": "audited_on",
    "datedaudit": "audited_on",
    "auditrealisele": "audited_on",
    "url": "url",
}
# The file's column names (SPEC §5), for a user who must add a missing one.
LABELS = {"status": "statut", "rate": "taux", "published_on": "date_publication", "updated_on": "date_mise_a_jour", "audited_on": "date_audit"}
# Each group needs at least one of its columns in the header.
REQUIRED_GROUPS = (("status", "rate"), ("published_on", "updated_on", "audited_on"))
STATUSES = ("totalement", "partiellement", "non")


@dataclass
class DeclarationImport:
    added: int
    unchanged: int
    warnings: list[str]


def parse_status(value: object) -> str | None:
    """"Partiellement conforme", "partiellement", "NON CONFORME" → the status id."""
    raw = fold(text(value)).removesuffix(" conforme").removesuffix(" conformes").strip()
    if not raw:
        return None
    if raw in STATUSES:
        return raw
    if raw in ("conforme", "total", "totale"):
        return "totalement"
    raise ValueError("statut attendu : totalement, partiellement ou non (conforme)")


def _url(value: object) -> str | None:
    raw = text(value)
    if raw and not raw.startswith(("http://", "https://")):
        raise ValueError("adresse web attendue, commençant par http:// ou https://")
    return raw or None


def statement_date(declaration: Declaration) -> dt.date | None:
    """The statement's own date: its last update, else when it was established."""
    dates = [d for d in (declaration.published_on, declaration.updated_on) if d]
    return max(dates) if dates else None


def effective_date(declaration: Declaration) -> dt.date | None:
    """The date a declaration takes effect: its publication (the later of « établie le » and
    « mise à jour le », since what we hold is the statement as updated), else its audit (SPEC §2)."""
    return statement_date(declaration) or declaration.audited_on


def validity_date(declaration: Declaration, valid_from: str) -> dt.date | None:
    """The date a rule's 3 years count from: the audit's (2023 rule, « dernier audit il y a moins
    de 3 ans ») or the statement's (2020 rule); each falls back on the other when unknown."""
    if valid_from == "audit":
        return declaration.audited_on or statement_date(declaration)
    return effective_date(declaration)


def _key(d: Declaration) -> tuple:
    return (d.demarche_id, d.status, d.rate, d.published_on, d.updated_on, d.audited_on, d.url)


def import_declarations(*, session: Session, path: Path, today: dt.date | None = None, display_name: str | None = None,
                        provenance: str = "import", source: str | None = None, ministry: str | None = None,
                        limits: LimitsSettings | None = None) -> DeclarationImport:
    """Add the declarations of a file; all rows or none. A row identical to a stored
    declaration is not added twice, so importing the same file again changes nothing.
    With ``ministry``, rows of another ministry's démarches are refused (a lead's upload).
    Checking is linear in the rows: a row's own errors are looked at, never the whole list."""
    today = today or dt.date.today()
    table = read_table(path, COLUMNS, ("demarche_id",), labels=LABELS, display_name=display_name, limits=limits)
    missing = [" ou ".join(LABELS[c] for c in group) for group in REQUIRED_GROUPS if not set(group) & set(table.columns)]
    if missing:
        raise ImportRejected(table.filename, [RowError(1, None, None, f"colonne(s) obligatoire(s) absente(s) : {', '.join(missing)}")])
    db.lock_for_write(session, "declarations")
    known = {d.id: d.ministry_code for d in session.exec(select(Demarche)).all()}
    errors: list[RowError] = []
    warnings = list(table.warnings)
    parsed: list = []
    for row, cells in table.rows:
        parsed.append(_check_row(errors, warnings, row, cells, known=known, ministry=ministry, today=today,
                                 provenance=provenance, source=source or table.filename))
    if errors:
        raise table.rejected(errors, LABELS)
    parsed = [Declaration(**values) for values in parsed]
    existing = {_key(d) for d in session.exec(select(Declaration).where(Declaration.demarche_id.in_({d.demarche_id for d in parsed}))).all()}
    added = 0
    for declaration in parsed:
        if _key(declaration) in existing:
            continue
        existing.add(_key(declaration))
        session.add(declaration)
        added += 1
    session.flush()
    return DeclarationImport(added, len(parsed) - added, warnings)


def _check_row(errors: list[RowError], warnings: list[str], row: int | None, cells: dict, *, known: dict[str, str],
               ministry: str | None, today: dt.date, provenance: str, source: str | None) -> dict:
    """One declaration's checks, the same for a file's row and for the web form (``row`` None):
    its errors and warnings are appended; its plain values are returned."""
    where = f"ligne {row} : " if row is not None else ""
    demarche_id = text(cells.get("demarche_id"))
    start = len(errors)
    if not demarche_id:
        errors.append(RowError(row, "demarche_id", "", "valeur obligatoire"))
    elif demarche_id not in known:
        errors.append(RowError(row, "demarche_id", demarche_id, "démarche inconnue (importez d'abord le catalogue des démarches)"))
    elif ministry and known[demarche_id] != ministry:
        errors.append(RowError(row, "demarche_id", demarche_id, f"démarche du ministère {known[demarche_id]}, pas du ministère {ministry}"))
    status = collect(errors, row, "status", cells.get("status"), parse_status)
    rate = collect(errors, row, "rate", cells.get("rate"), parse_rate)
    published = collect(errors, row, "published_on", cells.get("published_on"), parse_date)
    updated = collect(errors, row, "updated_on", cells.get("updated_on"), parse_date)
    audited = collect(errors, row, "audited_on", cells.get("audited_on"), parse_date)
    url = collect(errors, row, "url", cells.get("url"), _url)
    for column, day in (("published_on", published), ("updated_on", updated), ("audited_on", audited)):
        if day and day > today:
            errors.append(RowError(row, column, day.isoformat(), "date dans le futur"))
    if published and updated and updated < published:
        errors.append(RowError(row, "updated_on", updated.isoformat(), f"mise à jour antérieure à l'établissement ({published.isoformat()})"))
    refused = {e.column for e in errors[start:]}  # this row's errors only: linear, not quadratic
    if not published and not updated and not audited and not {"published_on", "updated_on", "audited_on"} & refused:
        errors.append(RowError(row, "published_on", "", "date de publication, de mise à jour ou d'audit obligatoire"))
    if status is None and rate is None and not refused & {"status", "rate"}:
        errors.append(RowError(row, "status", "", "statut ou taux obligatoire"))
    if status == "totalement" and rate is not None and rate < 100:
        warnings.append(f"{where}statut « totalement conforme » avec un taux de {rate:g} %")
    if status == "non" and rate is not None and rate >= 50:
        warnings.append(f"{where}statut « non conforme » avec un taux de {rate:g} %")
    # Plain values while checking: building a table model costs ~0.5 ms a row, and a
    # file that is refused needs none.
    return dict(demarche_id=demarche_id, provenance=provenance, status=status, rate=rate,
                published_on=published, updated_on=updated, audited_on=audited, url=url, source=source)


@dataclass
class FiledDeclaration:
    declaration: Declaration
    added: bool  # False: the same declaration was already stored, nothing was added
    warnings: list[str]


def file_declaration(*, session: Session, fields: dict[str, str], source: str, ministry: str | None = None,
                     today: dt.date | None = None, provenance: str = "web") -> FiledDeclaration:
    """One declaration typed in a form, checked by the very rules of a file's row so that the
    two ways in cannot disagree; refused as a whole with every bad field (``RowError.row`` None,
    ``column`` the field's internal name). With ``ministry``, another ministry's démarche is refused."""
    today = today or dt.date.today()
    db.lock_for_write(session, "declarations")
    demarche_id = text(fields.get("demarche_id"))
    owner = session.get(Demarche, demarche_id) if demarche_id else None
    known = {owner.id: owner.ministry_code} if owner else {}
    errors: list[RowError] = []
    warnings: list[str] = []
    values = _check_row(errors, warnings, None, fields, known=known, ministry=ministry, today=today, provenance=provenance, source=source)
    if errors:
        raise ImportRejected("formulaire", errors)
    declaration = Declaration(**values)
    same = session.exec(select(Declaration).where(Declaration.demarche_id == declaration.demarche_id)).all()
    match = next((d for d in same if _key(d) == _key(declaration)), None)
    if match is not None:
        return FiledDeclaration(match, False, warnings)
    session.add(declaration)
    session.flush()
    return FiledDeclaration(declaration, True, warnings)


def list_declarations(*, session: Session, demarche_id: str | None = None) -> list[Declaration]:
    query = select(Declaration).order_by(Declaration.demarche_id, Declaration.published_on, Declaration.audited_on, Declaration.id)
    if demarche_id:
        if session.get(Demarche, demarche_id) is None:
            raise NotFound(f"Démarche inconnue : {demarche_id}")
        query = query.where(Declaration.demarche_id == demarche_id)
    return list(session.exec(query).all())


def as_dict(declaration: Declaration) -> dict:
    return {
        "demarche_id": declaration.demarche_id,
        "provenance": declaration.provenance,
        "statut": declaration.status,
        "taux": declaration.rate,
        "date_publication": declaration.published_on.isoformat() if declaration.published_on else None,
        "date_mise_a_jour": declaration.updated_on.isoformat() if declaration.updated_on else None,
        "date_audit": declaration.audited_on.isoformat() if declaration.audited_on else None,
        "url": declaration.url,
        "rgaa_version": declaration.rgaa_version,
        "recorded_at": declaration.recorded_at.isoformat(),
    }
