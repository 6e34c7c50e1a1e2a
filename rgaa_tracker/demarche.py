"""Démarches and ministries: the catalogue the crawl walks and the indicators count."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlmodel import Session, select

from .errors import RowError
from .settings import LimitsSettings
from .models import Demarche, Ministry, utcnow
from .tabular import collect, parse_bool, parse_date, parse_int, read_table, text

COLUMNS = {
    "id": "id",
    "identifiant": "id",
    "titre": "title",
    "title": "title",
    "ministere": "ministry",
    "ministerecode": "ministry",
    "ministerenom": "ministry_name",
    "url": "url",
    "adresse": "url",
    "volumetrie": "annual_volume",
    "dateentree": "listed_on",
    "datedentree": "listed_on",
    "datesortie": "delisted_on",
    "datedesortie": "delisted_on",
    "actif": "active",
}
# The file's column names (SPEC §5), for a user who must add a missing one.
LABELS = {"title": "titre", "ministry": "ministere", "ministry_name": "ministere_nom", "annual_volume": "volumetrie",
          "listed_on": "date_entree", "delisted_on": "date_sortie", "active": "actif"}
REQUIRED = ("id", "title", "ministry", "url")
# The sizes of the columns they go to (models.py).
MAX_TITLE, MAX_URL, MAX_MINISTRY_NAME = 500, 2000, 255
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


@dataclass
class ImportSummary:
    created: int
    updated: int
    warnings: list[str]
    exited: list[str] = field(default_factory=list)  # ids whose exit this import recorded


def _check_url(value: object) -> str:
    url = text(value)
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
    if not host or parts.scheme not in ("http", "https"):
        raise ValueError("adresse web attendue, commençant par http:// ou https://")
    if len(url) > MAX_URL:
        raise ValueError(f"adresse trop longue : {MAX_URL} caractères au plus")
    return url


def _check_pattern(pattern: re.Pattern, reason: str):
    def check(value: object) -> str:
        raw = text(value)
        if not pattern.match(raw):
            raise ValueError(reason)
        return raw

    return check


def _title(value: object) -> str:
    raw = text(value)
    if not raw:
        raise ValueError("valeur obligatoire")
    if len(raw) > MAX_TITLE:  # the column's size: refused here, never a database error later
        raise ValueError(f"titre trop long : {MAX_TITLE} caractères au plus")
    return raw


def _ministry_name(value: object) -> str:
    raw = text(value)
    if len(raw) > MAX_MINISTRY_NAME:
        raise ValueError(f"nom de ministère trop long : {MAX_MINISTRY_NAME} caractères au plus")
    return raw


def import_demarches(*, session: Session, path: Path, display_name: str | None = None, exits: bool = True,
                     exit_date: dt.date | None = None, limits: LimitsSettings | None = None) -> ImportSummary:
    """Create or update démarches from a file; all rows or none.

    The file is the whole catalogue: with ``exits``, a listed démarche the file no longer has
    leaves the list on ``exit_date`` (default today) and stops being crawled, but is never
    deleted, so the indicators of any earlier date still count it and its history stays."""
    exit_date = exit_date or dt.date.today()
    table = read_table(path, COLUMNS, REQUIRED, labels=LABELS, display_name=display_name, limits=limits)
    errors: list[RowError] = []
    parsed: list[dict] = []
    seen: dict[str, int] = {}
    for row, cells in table.rows:
        item = {
            "id": collect(errors, row, "id", cells.get("id"), _check_pattern(_ID, "identifiant attendu : lettres, chiffres, « . », « _ » ou « - », sans espace")),
            "title": collect(errors, row, "title", cells.get("title"), _title),
            "ministry": collect(errors, row, "ministry", cells.get("ministry"), _check_pattern(_CODE, "code de ministère attendu (ex. MEF), sans espace")),
            "ministry_name": collect(errors, row, "ministry_name", cells.get("ministry_name"), _ministry_name) or "",
            "url": collect(errors, row, "url", cells.get("url"), _check_url),
            "annual_volume": collect(errors, row, "annual_volume", cells.get("annual_volume"), parse_int),
            "listed_on": collect(errors, row, "listed_on", cells.get("listed_on"), parse_date),
            "delisted_on": collect(errors, row, "delisted_on", cells.get("delisted_on"), parse_date),
            "active": collect(errors, row, "active", cells.get("active"), parse_bool),
        }
        if item["listed_on"] and item["delisted_on"] and item["delisted_on"] <= item["listed_on"]:
            errors.append(RowError(row, "delisted_on", item["delisted_on"].isoformat(),
                                   f"date de sortie antérieure ou égale à la date d'entrée ({item['listed_on'].isoformat()})"))
        if item["id"]:
            if item["id"] in seen:
                errors.append(RowError(row, "id", item["id"], f"identifiant en double (déjà ligne {seen[item['id']]})"))
            seen.setdefault(item["id"], row)
        parsed.append(item)
    if errors:
        raise table.rejected(errors, LABELS)

    created = updated = 0
    warnings = list(table.warnings)
    ministries = {m.code: m for m in session.exec(select(Ministry)).all()}
    existing = {d.id: d for d in session.exec(select(Demarche).where(Demarche.id.in_(list(seen)))).all()}
    for item in parsed:
        code = item["ministry"]
        if code not in ministries:
            ministries[code] = Ministry(code=code, name=item["ministry_name"] or code)
        elif item["ministry_name"]:
            ministries[code].name = item["ministry_name"]
        session.add(ministries[code])
    session.flush()  # ministries before the démarches that reference them
    for item in parsed:
        code = item["ministry"]
        demarche = existing.get(item["id"])
        if demarche is None:
            demarche = Demarche(id=item["id"], title=item["title"], ministry_code=code, url=item["url"])
            created += 1
        else:
            updated += 1
        demarche.title, demarche.ministry_code, demarche.url = item["title"], code, item["url"]
        demarche.annual_volume = item["annual_volume"]
        demarche.listed_on = item["listed_on"]
        returning = bool(demarche.delisted_on and not item["delisted_on"])
        if returning:
            warnings.append(f"{demarche.id} revient dans la liste : sa sortie du {demarche.delisted_on:%d/%m/%Y} est effacée")
        demarche.delisted_on = item["delisted_on"]
        if item["active"] is not None:
            demarche.active = item["active"]
        elif demarche.delisted_on:
            demarche.active = demarche.delisted_on > dt.date.today()
        elif returning:
            demarche.active = True  # back on the list: crawled again
        demarche.updated_at = utcnow()
        session.add(demarche)
    exited = []
    if exits:
        query = select(Demarche).where(Demarche.delisted_on == None, Demarche.id.not_in(list(seen)))  # noqa: E711
        for gone in session.exec(query.order_by(Demarche.id)).all():
            gone.delisted_on, gone.active, gone.updated_at = exit_date, False, utcnow()
            session.add(gone)
            exited.append(gone.id)
    session.flush()
    return ImportSummary(created, updated, warnings, exited)


def list_demarches(*, session: Session, active_only: bool = False, ministry: str | None = None) -> list[Demarche]:
    query = select(Demarche).order_by(Demarche.ministry_code, Demarche.id)
    if active_only:
        query = query.where(Demarche.active == True)  # noqa: E712
    if ministry:
        query = query.where(Demarche.ministry_code == ministry)
    return list(session.exec(query).all())

