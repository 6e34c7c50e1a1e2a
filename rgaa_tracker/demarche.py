"""Démarches and ministries: the catalogue the crawl walks and the indicators count."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlmodel import Session, select

from .errors import ImportRejected, RowError
from .models import Demarche, Ministry, utcnow
from .tabular import collect, parse_bool, parse_date, parse_int, read_table, text

COLUMNS = {
    "id": "id",
    "identifiant": "id",
    "titre": "titre",
    "title": "titre",
    "ministere": "ministere",
    "ministerecode": "ministere",
    "ministerenom": "ministere_nom",
    "url": "url",
    "adresse": "url",
    "volumetrie": "volumetrie",
    "dateentree": "date_entree",
    "datedentree": "date_entree",
    "actif": "actif",
}
REQUIRED = ("id", "titre", "ministere", "url")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


@dataclass
class ImportSummary:
    created: int
    updated: int
    warnings: list[str]


def _check_url(value: object) -> str:
    url = text(value)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("adresse web attendue, commençant par http:// ou https://")
    return url


def _check_pattern(pattern: re.Pattern, reason: str):
    def check(value: object) -> str:
        raw = text(value)
        if not pattern.match(raw):
            raise ValueError(reason)
        return raw

    return check


def _required_text(value: object) -> str:
    raw = text(value)
    if not raw:
        raise ValueError("valeur obligatoire")
    return raw


def import_demarches(*, session: Session, path: Path, display_name: str | None = None) -> ImportSummary:
    """Create or update démarches from a file; all rows or none."""
    table = read_table(path, COLUMNS, REQUIRED, display_name=display_name)
    errors: list[RowError] = []
    parsed: list[dict] = []
    seen: dict[str, int] = {}
    for row, cells in table.rows:
        item = {
            "id": collect(errors, row, "id", cells.get("id"), _check_pattern(_ID, "identifiant attendu : lettres, chiffres, « . », « _ » ou « - », sans espace")),
            "titre": collect(errors, row, "titre", cells.get("titre"), _required_text),
            "ministere": collect(errors, row, "ministere", cells.get("ministere"), _check_pattern(_CODE, "code de ministère attendu (ex. MEF), sans espace")),
            "ministere_nom": text(cells.get("ministere_nom")),
            "url": collect(errors, row, "url", cells.get("url"), _check_url),
            "volumetrie": collect(errors, row, "volumetrie", cells.get("volumetrie"), parse_int),
            "date_entree": collect(errors, row, "date_entree", cells.get("date_entree"), parse_date),
            "actif": collect(errors, row, "actif", cells.get("actif"), parse_bool),
        }
        if item["id"]:
            if item["id"] in seen:
                errors.append(RowError(row, "id", item["id"], f"identifiant en double (déjà ligne {seen[item['id']]})"))
            seen.setdefault(item["id"], row)
        parsed.append(item)
    if errors:
        raise ImportRejected(table.filename, errors)

    created = updated = 0
    ministries = {m.code: m for m in session.exec(select(Ministry)).all()}
    existing = {d.id: d for d in session.exec(select(Demarche).where(Demarche.id.in_(list(seen)))).all()}
    for item in parsed:
        code = item["ministere"]
        if code not in ministries:
            ministries[code] = Ministry(code=code, name=item["ministere_nom"] or code)
        elif item["ministere_nom"]:
            ministries[code].name = item["ministere_nom"]
        session.add(ministries[code])
    session.flush()  # ministries before the démarches that reference them
    for item in parsed:
        code = item["ministere"]
        demarche = existing.get(item["id"])
        if demarche is None:
            demarche = Demarche(id=item["id"], titre=item["titre"], ministry_code=code, url=item["url"])
            created += 1
        else:
            updated += 1
        demarche.titre, demarche.ministry_code, demarche.url = item["titre"], code, item["url"]
        demarche.volumetrie = item["volumetrie"]
        demarche.date_entree = item["date_entree"]
        if item["actif"] is not None:
            demarche.active = item["actif"]
        demarche.updated_at = utcnow()
        session.add(demarche)
    session.flush()
    return ImportSummary(created, updated, table.warnings)


def list_demarches(*, session: Session, active_only: bool = False, ministry: str | None = None) -> list[Demarche]:
    query = select(Demarche).order_by(Demarche.ministry_code, Demarche.id)
    if active_only:
        query = query.where(Demarche.active == True)  # noqa: E712
    if ministry:
        query = query.where(Demarche.ministry_code == ministry)
    return list(session.exec(query).all())

