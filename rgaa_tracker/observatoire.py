"""Editions of the Observatoire (« Vos démarches essentielles »): import and comparison.

An edition is the Observatoire's own snapshot of the list on one date, with the rate and level
it published for each démarche. Importing it adds dated declarations (provenance
``observatoire``) and records which démarches entered or left the list, so the tracker's history
can be rebuilt from the published editions; comparing it holds the tracker's own sources
(imports, crawls, leads' uploads) against what the edition published, démarche by démarche.

The three generations of the dataset name their columns differently (XWiki until mid-2023,
Airtable in 2023, Grist since 2024); all are accepted, matched like every file's headers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlmodel import Session, select

from . import definition as definitions
from . import indicator
from .errors import ImportRejected, NotFound, RowError
from .models import Declaration, Demarche, Ministry, ObservatoireEntry, utcnow
from .settings import Settings
from .statement import fold
from .tabular import collect, parse_date, parse_int, parse_rate, read_table, text

PROVENANCE = "observatoire"
COLUMNS = {
    # Grist, 2024 onward
    "refdemarche": "ref", "nomdemarche": "title", "nomministere": "ministry", "urldemarche": "url",
    "volumetrieenligne": "annual_volume", "tauxrgaapublie": "rate_fraction", "refedition": "edition", "nomedition": "edition",
    "datedebutedition": "edition_on", "ajoutboutonjdma": "jdma",
    # Airtable, 2023 (emoji stripped by header matching: « 🕶 ID » is « id », « Nom 💼 📄 » is « nom »)
    "id": "ref", "nom": "title", "ministerepolitique": "ministry", "volumetrietotale": "annual_volume",
    "tauxglobalrgaa": "rate_fraction", "edition": "edition", "priseencompteduhandicap": "level",
    # XWiki, until mid-2023
    "privateid": "ref", "nomdelademarcheprojetprocedurepnu": "title", "codeministere": "ministry", "lien": "url",
    "privatevolumetrietotale": "annual_volume", "privatedatedeclarationdaccessibilite": "statement_on",
    "tauxrgaaaudit": "rate_percent", "priseencomptehandicaps": "level", "accessibilityscore": "level",
    # The tracker's own names, for a file prepared by hand
    "demarcheid": "demarche_id", "niveau": "level", "niveaupublie": "level", "handicap": "level",
    "dateedition": "edition_on", "taux": "rate_percent", "ministere": "ministry", "titre": "title", "url": "url",
}
LABELS = {"ref": "Ref_Demarche", "title": "Nom_Demarche", "ministry": "Nom_Ministere", "url": "URL_Demarche",
          "annual_volume": "Volumetrie_En_Ligne", "rate_fraction": "Taux_RGAA_Publie", "rate_percent": "Taux RGAA Audit",
          "level": "Prise en compte du handicap", "edition_on": "Date_Debut_Edition", "edition": "Ref_Edition",
          "statement_on": "Date déclaration d'accessibilité", "demarche_id": "demarche_id", "jdma": "Ajout_Bouton_JDMA"}
LEVELS = {
    "oui": "oui", "partiel": "partiel", "partielle": "partiel", "partiellement": "partiel", "non": "non",
    "n/a": "na", "na": "na", "non applicable": "na",
    "a venir": "a_venir", "en attente": "a_venir", "nr": "a_venir", "indeterminee": "a_venir", "indetermine": "a_venir",
}
LEVEL_LABELS = {**definitions.LEVEL_LABELS, "na": "Non applicable", "a_venir": "À venir"}


@dataclass
class EditionImport:
    edition: str
    edition_on: dt.date
    rows: int
    declarations: int
    created: list[str] = field(default_factory=list)
    entered: list[str] = field(default_factory=list)
    exited: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_level(value: object) -> str | None:
    raw = fold(text(value)).strip(" .")
    if not raw:
        return None
    if raw in LEVELS:
        return LEVELS[raw]
    raise ValueError("niveau attendu : Oui, Partiel, Non, n/a ou À venir")


def parse_fraction(value: object) -> float | None:
    """A rate published as a fraction 0–1 (Airtable, Grist), in percent; « 75 % » is taken as written."""
    if isinstance(value, str) and "%" in value:
        return parse_rate(value)
    rate = parse_rate(value)
    if rate is None:
        return None
    if rate > 1:
        raise ValueError("taux attendu en fraction de 0 à 1 (ex. 0,75), ou en pourcentage suivi de « % »")
    return round(rate * 100, 4)


def _url_key(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    return f"{(parts.hostname or '').lower()}{parts.path.rstrip('/')}"


def _title_key(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", fold(title)).strip()


def _match(cells: dict, by_id: dict[str, Demarche], by_url: dict[str, Demarche], by_title: dict[str, Demarche]) -> Demarche | None:
    """The tracker's démarche a row speaks of: by its id, else its URL, else its title (the
    Observatoire's own ids are not the tracker's)."""
    for key in (text(cells.get("demarche_id")), f"observatoire-{text(cells.get('ref'))}" if text(cells.get("ref")) else ""):
        if key and key in by_id:
            return by_id[key]
    url = _url_key(text(cells.get("url")))
    if url and url in by_url:
        return by_url[url]
    return by_title.get(_title_key(text(cells.get("title"))))


def _ministry(value: str, ministries: dict[str, Ministry]) -> Ministry | None:
    """A ministry by code (XWiki « Code ministère ») or by name (Airtable, Grist)."""
    if value in ministries:
        return ministries[value]
    wanted = _title_key(value)
    for ministry in ministries.values():
        if wanted and wanted in (_title_key(ministry.name), _title_key(ministry.code)):
            return ministry
    return None


def import_edition(*, session: Session, path: Path, edition_on: dt.date | None = None, edition: str | None = None,
                   display_name: str | None = None) -> EditionImport:
    """Import one edition; all rows or none. Importing the same edition again changes nothing."""
    table = read_table(path, COLUMNS, (), labels=LABELS, display_name=display_name)
    if "title" not in table.columns and "demarche_id" not in table.columns:
        raise ImportRejected(table.filename, [RowError(1, None, None, "colonne obligatoire absente : Nom_Demarche (ou demarche_id)")])
    if "level" not in table.columns and not {"rate_fraction", "rate_percent"} & set(table.columns):
        raise ImportRejected(table.filename, [RowError(1, None, None, "colonne obligatoire absente : Taux_RGAA_Publie (ou Prise en compte du handicap)")])
    errors: list[RowError] = []
    warnings = list(table.warnings)
    demarches = list(session.exec(select(Demarche)).all())
    by_id = {d.id: d for d in demarches}
    by_url = {_url_key(d.url): d for d in demarches}
    by_title = {_title_key(d.title): d for d in demarches}
    ministries = {m.code: m for m in session.exec(select(Ministry)).all()}
    parsed: list[dict] = []
    seen: dict[str, int] = {}
    for row, cells in table.rows:
        day = collect(errors, row, "edition_on", cells.get("edition_on"), parse_date) if edition_on is None else edition_on
        item = {
            "row": row, "edition_on": day, "edition": text(cells.get("edition")),
            "level": collect(errors, row, "level", cells.get("level"), parse_level),
            "rate": collect(errors, row, "rate_fraction", cells.get("rate_fraction"), parse_fraction) if "rate_fraction" in cells
            else collect(errors, row, "rate_percent", cells.get("rate_percent"), parse_rate),
            "statement_on": collect(errors, row, "statement_on", cells.get("statement_on"), parse_date),
            "annual_volume": collect(errors, row, "annual_volume", cells.get("annual_volume"), parse_int),
            # Grist: « Oui » when the button was added, anything else when not.
            "jdma": (fold(text(cells.get("jdma"))) == "oui") if text(cells.get("jdma")) else None,
            "demarche": _match(cells, by_id, by_url, by_title),
        }
        if day is None and not any(e.row == row and e.column == "edition_on" for e in errors):
            errors.append(RowError(row, "edition_on", "", "date de l'édition inconnue : indiquez --edition-date AAAA-MM-JJ"))
        if item["demarche"] is None:
            title, url, ministry_name = text(cells.get("title")), text(cells.get("url")), text(cells.get("ministry"))
            if text(cells.get("demarche_id")):
                errors.append(RowError(row, "demarche_id", text(cells.get("demarche_id")), "démarche inconnue"))
            elif not title:
                errors.append(RowError(row, "title", "", "valeur obligatoire"))
            elif not url.startswith(("http://", "https://")):
                errors.append(RowError(row, "url", url, "démarche absente du catalogue : son adresse web (http:// ou https://) est nécessaire pour l'ajouter"))
            elif _ministry(ministry_name, ministries) is None:
                errors.append(RowError(row, "ministry", ministry_name, "ministère inconnu (code ou nom d'un ministère du catalogue attendu)"))
            else:
                ref = text(cells.get("ref")) or re.sub(r"[^a-z0-9]+", "-", _title_key(title))[:100]
                item["new"] = {"id": f"observatoire-{ref}", "title": title, "url": url, "ministry": _ministry(ministry_name, ministries).code}
        key = item["demarche"].id if item["demarche"] else (item.get("new") or {}).get("id")
        if key:
            if key in seen:
                errors.append(RowError(row, "title", text(cells.get("title")) or key, f"démarche en double (déjà ligne {seen[key]})"))
            seen.setdefault(key, row)
        parsed.append(item)
    days = {item["edition_on"] for item in parsed if item["edition_on"]}
    if len(days) > 1:
        errors.append(RowError(None, "edition_on", ", ".join(sorted(d.isoformat() for d in days)), "un fichier ne contient qu'une édition : dates différentes"))
    if errors:
        raise table.rejected(errors, LABELS)

    day = days.pop()
    name = edition or next((item["edition"] for item in parsed if item["edition"]), "") or f"Édition du {day:%d/%m/%Y}"
    if session.exec(select(ObservatoireEntry).where(ObservatoireEntry.edition_on == day).limit(1)).first():
        warnings.append(f"édition du {day:%d/%m/%Y} déjà importée : rien n'est changé")
        return EditionImport(name, day, len(parsed), 0, warnings=warnings)
    summary = EditionImport(name, day, len(parsed), 0, warnings=warnings)
    for item in parsed:
        if item["demarche"] is None:
            new = item["new"]
            item["demarche"] = Demarche(id=new["id"], title=new["title"], ministry_code=new["ministry"], url=new["url"],
                                        annual_volume=item["annual_volume"], listed_on=day)
            session.add(item["demarche"])
            summary.created.append(new["id"])
        elif item["demarche"].listed_on is not None and item["demarche"].listed_on > day:
            item["demarche"].listed_on = day  # on the edition's list, so listed by then
            session.add(item["demarche"])
            summary.entered.append(item["demarche"].id)
    session.flush()
    source = f"Observatoire, {name}"
    for item in parsed:
        demarche = item["demarche"]
        session.add(ObservatoireEntry(edition_on=day, edition=name, demarche_id=demarche.id, level=item["level"], rate=item["rate"],
                                      jdma=item["jdma"] if "jdma" in table.columns else None, row=item["row"], source=table.filename))
        if item["rate"] is not None:
            # The edition vouches for the rate on its date; the statement's own date when the
            # file gives it (XWiki), else the edition's (Airtable, Grist give none).
            session.add(Declaration(demarche_id=demarche.id, provenance=PROVENANCE, rate=item["rate"],
                                    published_on=item["statement_on"] or day, source=source[:255], recorded_at=utcnow()))
            summary.declarations += 1
    latest = session.exec(select(ObservatoireEntry.edition_on).order_by(ObservatoireEntry.edition_on.desc()).limit(1)).first()
    if latest is None or latest <= day:
        # The newest edition is the list: a démarche listed then but not in it has left.
        listed = {d.id for d in indicator.listed_demarches(session=session, as_of=day)}
        for gone in sorted(listed - set(seen) - set(summary.created)):
            demarche = session.get(Demarche, gone)
            demarche.delisted_on, demarche.active, demarche.updated_at = day, demarche.active and day > dt.date.today(), utcnow()
            session.add(demarche)
            summary.exited.append(gone)
    session.flush()
    return summary


def jdma_shares(*, session: Session, as_of: dt.date) -> dict | None:
    """Per ministry code, the share of the latest edition's démarches (on or before ``as_of``)
    it says carry the JDMA button; None without an edition that tells."""
    day = session.exec(select(ObservatoireEntry.edition_on).where(ObservatoireEntry.edition_on <= as_of, ObservatoireEntry.jdma != None)  # noqa: E711
                       .order_by(ObservatoireEntry.edition_on.desc()).limit(1)).first()
    if day is None:
        return None
    counts: dict[str, list[int]] = {}
    rows = session.exec(select(ObservatoireEntry, Demarche).join(Demarche, Demarche.id == ObservatoireEntry.demarche_id)
                        .where(ObservatoireEntry.edition_on == day, ObservatoireEntry.jdma != None)).all()  # noqa: E711
    for entry, demarche in rows:
        seen, total = counts.setdefault(demarche.ministry_code, [0, 0])
        counts[demarche.ministry_code] = [seen + bool(entry.jdma), total + 1]
    return {"edition_on": day, "ministries": {code: seen / total for code, (seen, total) in counts.items() if total}}


def editions(*, session: Session) -> list[tuple[dt.date, str]]:
    rows = session.exec(select(ObservatoireEntry.edition_on, ObservatoireEntry.edition).distinct().order_by(ObservatoireEntry.edition_on)).all()
    return [(day, name) for day, name in rows]


def comparison(*, session: Session, settings: Settings, as_of: dt.date | None = None, edition_on: dt.date | None = None,
               definition: str | None = None) -> dict | None:
    """The edition (given, or the latest on or before ``as_of``) against the tracker's own level
    of each of its démarches on the edition's date, under the rule in force then (or
    ``definition``). The tracker's level leaves out the edition's own declarations: it says what
    the imports, crawls and leads' uploads support. None when no edition applies."""
    query = select(ObservatoireEntry.edition_on).order_by(ObservatoireEntry.edition_on.desc()).limit(1)
    if edition_on is not None:
        query = query.where(ObservatoireEntry.edition_on == edition_on)
    elif as_of is not None:
        query = query.where(ObservatoireEntry.edition_on <= as_of)
    day = session.exec(query).first()
    if day is None:
        if edition_on is not None:
            raise NotFound(f"Aucune édition de l'Observatoire importée au {edition_on:%d/%m/%Y}")
        return None
    rule = definitions.get(definition, settings, day)
    entries = session.exec(select(ObservatoireEntry).where(ObservatoireEntry.edition_on == day).order_by(ObservatoireEntry.demarche_id)).all()
    in_force = indicator.declarations_in_force(session=session, as_of=day, exclude=(PROVENANCE,))
    differences = []
    compared = 0
    for entry in entries:
        published = entry.level or (_level_of_rate(entry.rate, rule) if entry.rate is not None else None)
        if published not in definitions.LEVELS:
            continue  # n/a, à venir, unknown: nothing to hold the tracker against
        compared += 1
        declaration = in_force.get(entry.demarche_id)
        computed, _valid = indicator.level_of(declaration, day, rule)
        if computed != published:
            demarche = session.get(Demarche, entry.demarche_id)
            differences.append({
                "demarche_id": entry.demarche_id, "titre": demarche.title, "ministere": demarche.ministry_code,
                "niveau_publie": published, "niveau_calcule": computed, "taux_publie": entry.rate,
                "taux_calcule": indicator.declared_rate(declaration) if declaration else None,
                "provenance_calcul": declaration.provenance if declaration else None,
            })
    return {"edition": entries[0].edition, "edition_on": day.isoformat(), "definition": rule.name, "compared": compared, "differences": differences}


def _level_of_rate(rate: float, rule: definitions.Definition) -> str:
    """The level an edition that gives only a rate published: the rule's thresholds, the
    edition having already judged the statement valid."""
    if rate >= rule.full_rate:
        return "oui"
    if rule.partial_rate <= 0 or rate >= rule.partial_rate:
        return "partiel"
    return "non"
