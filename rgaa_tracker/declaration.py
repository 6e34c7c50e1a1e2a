"""Accessibility statements (déclarations d'accessibilité): import, history, listing.

Declarations are only ever added. What counts at a date T is decided by the indicator module
from their dates, so importing last year's statements today rebuilds last year's figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from .errors import ImportRejected, NotFound, RowError
from .models import Declaration, Demarche
from .statement import fold
from .tabular import collect, parse_date, parse_rate, read_table, text

COLUMNS = {
    "demarcheid": "demarche_id",
    "demarche": "demarche_id",
    "statut": "statut",
    "etat": "statut",
    "etatdeconformite": "statut",
    "taux": "taux",
    "tauxdeconformite": "taux",
    "datepublication": "date_publication",
    "datedepublication": "date_publication",
    "dateaudit": "date_audit",
    "datedaudit": "date_audit",
    "url": "url",
}
# Each group needs at least one of its columns in the header.
REQUIRED_GROUPS = (("statut", "taux"), ("date_publication", "date_audit"))
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


def effective_date(declaration: Declaration) -> dt.date | None:
    """The date a declaration takes effect: its publication, else its audit (SPEC §2)."""
    return declaration.date_publication or declaration.date_audit


def _key(d: Declaration) -> tuple:
    return (d.demarche_id, d.statut, d.taux, d.date_publication, d.date_audit, d.url)


def import_declarations(*, session: Session, path: Path, today: dt.date | None = None, display_name: str | None = None,
                        provenance: str = "import", source: str | None = None, ministry: str | None = None) -> DeclarationImport:
    """Add the declarations of a file; all rows or none. A row identical to a stored
    declaration is not added twice, so importing the same file again changes nothing.
    With ``ministry``, rows of another ministry's démarches are refused (a lead's upload)."""
    today = today or dt.date.today()
    table = read_table(path, COLUMNS, ("demarche_id",), display_name=display_name)
    missing = [" ou ".join(group) for group in REQUIRED_GROUPS if not set(group) & set(table.columns)]
    if missing:
        raise ImportRejected(table.filename, [RowError(1, None, None, f"colonne(s) obligatoire(s) absente(s) : {', '.join(missing)}")])
    known = {d.id: d.ministry_code for d in session.exec(select(Demarche)).all()}
    errors: list[RowError] = []
    warnings = list(table.warnings)
    parsed: list[Declaration] = []
    for row, cells in table.rows:
        demarche_id = text(cells.get("demarche_id"))
        if not demarche_id:
            errors.append(RowError(row, "demarche_id", "", "valeur obligatoire"))
        elif demarche_id not in known:
            errors.append(RowError(row, "demarche_id", demarche_id, "démarche inconnue (importez d'abord le catalogue des démarches)"))
        elif ministry and known[demarche_id] != ministry:
            errors.append(RowError(row, "demarche_id", demarche_id, f"démarche du ministère {known[demarche_id]}, pas du ministère {ministry}"))
        status = collect(errors, row, "statut", cells.get("statut"), parse_status)
        rate = collect(errors, row, "taux", cells.get("taux"), parse_rate)
        published = collect(errors, row, "date_publication", cells.get("date_publication"), parse_date)
        audited = collect(errors, row, "date_audit", cells.get("date_audit"), parse_date)
        url = collect(errors, row, "url", cells.get("url"), _url)
        for column, day in (("date_publication", published), ("date_audit", audited)):
            if day and day > today:
                errors.append(RowError(row, column, day.isoformat(), "date dans le futur"))
        if not published and not audited and "date_publication" not in {e.column for e in errors if e.row == row}:
            errors.append(RowError(row, "date_publication", "", "date de publication ou d'audit obligatoire"))
        if status is None and rate is None and not any(e.row == row and e.column in ("statut", "taux") for e in errors):
            errors.append(RowError(row, "statut", "", "statut ou taux obligatoire"))
        if status == "totalement" and rate is not None and rate < 100:
            warnings.append(f"ligne {row} : statut « totalement conforme » avec un taux de {rate:g} %")
        if status == "non" and rate is not None and rate >= 50:
            warnings.append(f"ligne {row} : statut « non conforme » avec un taux de {rate:g} %")
        parsed.append(Declaration(demarche_id=demarche_id, provenance=provenance, statut=status, taux=rate,
                                  date_publication=published, date_audit=audited, url=url, source=source or table.filename))
    if errors:
        raise ImportRejected(table.filename, errors)
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


def list_declarations(*, session: Session, demarche_id: str | None = None) -> list[Declaration]:
    query = select(Declaration).order_by(Declaration.demarche_id, Declaration.date_publication, Declaration.date_audit, Declaration.id)
    if demarche_id:
        if session.get(Demarche, demarche_id) is None:
            raise NotFound(f"Démarche inconnue : {demarche_id}")
        query = query.where(Declaration.demarche_id == demarche_id)
    return list(session.exec(query).all())


def as_dict(declaration: Declaration) -> dict:
    return {
        "demarche_id": declaration.demarche_id,
        "provenance": declaration.provenance,
        "statut": declaration.statut,
        "taux": declaration.taux,
        "date_publication": declaration.date_publication.isoformat() if declaration.date_publication else None,
        "date_audit": declaration.date_audit.isoformat() if declaration.date_audit else None,
        "url": declaration.url,
        "rgaa_version": declaration.rgaa_version,
        "recorded_at": declaration.recorded_at.isoformat(),
    }
