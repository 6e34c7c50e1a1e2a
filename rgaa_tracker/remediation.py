"""Ministries' calendriers de mise en accessibilité: upload, validation, versions, and what
they say as of a date (late milestones, slippage, coverage, projection).

Every accepted upload is a new version; nothing is overwritten, so slippage is measured by
comparing a milestone's planned date in the latest version with the first version that had it.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session, select

from . import db, findings, indicator, spreadsheet
from .errors import NotFound, RowError
from .models import CalendarVersion, Demarche, Milestone, Ministry, utcnow
from .settings import LimitsSettings, Settings
from .tabular import collect, header_key, parse_date, parse_rate, read_table, text

STEPS = ("audit", "corrections", "contre_audit", "declaration")
STEP_LABELS = {"audit": "Audit", "corrections": "Corrections", "contre_audit": "Contre-audit", "declaration": "Publication de la déclaration"}
_STEP_ALIASES = {
    "audit": ("audit", "auditdeconformite", "auditinitial", "auditrgaa"),
    "corrections": ("corrections", "correction", "correctifs", "miseenconformite", "correctiondesanomalies"),
    "contre_audit": ("contreaudit", "contreauditdeconformite", "auditdecontrole"),
    "declaration": ("declaration", "publication", "publicationdeladeclaration", "publicationdeclaration",
                    "declarationdaccessibilite", "publicationdeladeclarationdaccessibilite", "nouvelledeclaration"),
}
STEP_OF = {alias: step for step, aliases in _STEP_ALIASES.items() for alias in aliases}
COLUMNS = {
    **{k: "demarche_id" for k in ("demarcheid", "demarche", "identifiantdemarche", "identifiantdelademarche", "iddemarche")},
    **{k: "step" for k in ("etape", "jalon", "step")},
    **{k: "planned_on" for k in ("dateprevue", "dateplanifiee", "prevue")},
    **{k: "done_on" for k in ("daterealisee", "realisee", "datederealisation")},
    **{k: "target_rate" for k in ("tauxcible", "tauxcibledeconformite", "objectifdetaux")},
    **{k: "comment" for k in ("commentaire", "commentaires", "remarque", "remarques")},
    **{k: "title" for k in ("titre", "titredelademarche")},  # informative, read and ignored
}
# The file's column names (SPEC §5), for a user who must add a missing one.
LABELS = {"step": "etape", "planned_on": "date_prevue", "done_on": "date_realisee", "target_rate": "taux_cible", "comment": "commentaire"}
REQUIRED = ("demarche_id", "step", "planned_on")
EXAMPLE_ID = "EXEMPLE"
TEMPLATE_HEADER = ["Identifiant de la démarche", "Titre de la démarche", "Étape", "Date prévue", "Date réalisée", "Taux cible (%)", "Commentaire"]


@dataclass
class _Planned:
    """A milestone read from a file, before it is stored: a plain object, since building a
    table model per row costs more than checking it, and a refused file needs none."""

    demarche_id: str
    step: str
    planned_on: dt.date | None
    done_on: dt.date | None
    target_rate: float | None
    comment: str
    row: int


@dataclass
class CalendarImport:
    version: CalendarVersion
    warnings: list[str]
    changes: dict[str, list[str]] = field(default_factory=dict)  # added / removed / moved


def parse_step(value: object) -> str:
    step = STEP_OF.get(header_key(text(value)))
    if step is None:
        raise ValueError("étape inconnue (attendu : audit, corrections, contre-audit ou publication de la déclaration)")
    return step


def _check_order(rows: list[_Planned]) -> list[RowError]:
    """Within a démarche, a step is not planned before an earlier step."""
    errors = []
    by_step = {m.step: m for m in rows if m.planned_on}
    for later_index, later in enumerate(STEPS):
        for earlier in STEPS[:later_index]:
            a, b = by_step.get(earlier), by_step.get(later)
            if a and b and b.planned_on < a.planned_on:
                errors.append(RowError(b.row, "planned_on", b.planned_on.strftime("%d/%m/%Y"),
                                       f"{STEP_LABELS[later]} prévu(e) avant l'étape « {STEP_LABELS[earlier]} » ({a.planned_on:%d/%m/%Y}, ligne {a.row})"))
                break
    return errors


def import_calendar(*, session: Session, path: Path, ministry: str, uploaded_at: dt.datetime | None = None,
                    uploaded_by: str | None = None, display_name: str | None = None,
                    limits: LimitsSettings | None = None) -> CalendarImport:
    """Validate a calendar file and store it as the ministry's new version; all or nothing.

    The file is read before the first query, so a writer's transaction (db.write_session) does
    not hold the database while a large file is parsed. Checking is linear in the rows."""
    uploaded_at = uploaded_at or utcnow()
    table = read_table(path, COLUMNS, REQUIRED, labels=LABELS, display_name=display_name, limits=limits)
    db.lock_for_write(session, f"calendar:{ministry}")
    if session.get(Ministry, ministry) is None:
        raise NotFound(f"Ministère inconnu : {ministry}")
    demarches = {d.id: d.ministry_code for d in session.exec(select(Demarche)).all()}
    errors: list[RowError] = []
    warnings = list(table.warnings)
    milestones: list[_Planned] = []
    seen: dict[tuple[str, str], int] = {}
    blank = 0
    for row, cells in table.rows:
        demarche_id = text(cells.get("demarche_id"))
        if demarche_id == EXAMPLE_ID:
            warnings.append(f"ligne {row} : ligne d'exemple ignorée")
            continue
        if not any(text(cells.get(c)) for c in ("planned_on", "done_on", "target_rate")):
            blank += 1  # a pre-listed step left empty: not planned yet
            continue
        if not demarche_id:
            errors.append(RowError(row, "demarche_id", "", "valeur obligatoire"))
        elif demarche_id not in demarches:
            errors.append(RowError(row, "demarche_id", demarche_id, "démarche inconnue"))
        elif demarches[demarche_id] != ministry:
            errors.append(RowError(row, "demarche_id", demarche_id, f"démarche du ministère {demarches[demarche_id]}, pas du ministère {ministry}"))
        step = collect(errors, row, "step", cells.get("step"), parse_step)
        before = len(errors)
        planned = collect(errors, row, "planned_on", cells.get("planned_on"), parse_date)
        if planned is None and len(errors) == before:  # empty, not already refused as unreadable
            errors.append(RowError(row, "planned_on", "", "date prévue obligatoire"))
        done = collect(errors, row, "done_on", cells.get("done_on"), parse_date)
        rate = collect(errors, row, "target_rate", cells.get("target_rate"), parse_rate)
        if done and done > uploaded_at.date():
            errors.append(RowError(row, "done_on", done.strftime("%d/%m/%Y"), "date réalisée dans le futur"))
        if step and demarche_id:
            first = seen.setdefault((demarche_id, step), row)
            if first != row:
                errors.append(RowError(row, "step", text(cells.get("step")), f"étape en double pour cette démarche (déjà ligne {first})"))
        milestones.append(_Planned(demarche_id, step or "", planned, done, rate, text(cells.get("comment")), row))
    per_demarche: dict[str, list[_Planned]] = defaultdict(list)
    for milestone in milestones:
        per_demarche[milestone.demarche_id].append(milestone)
    for rows in per_demarche.values():
        errors.extend(_check_order(rows))
    if not milestones and not errors:
        errors.append(RowError(None, None, None, "aucun jalon renseigné (toutes les dates sont vides)"))
    if errors:
        raise table.rejected(errors, LABELS)
    if blank:
        warnings.append(f"{blank} ligne(s) sans date ignorée(s) (étapes non planifiées)")

    previous = latest_version(session=session, ministry=ministry)
    version = CalendarVersion(ministry_code=ministry, uploaded_at=uploaded_at, uploaded_by=uploaded_by or f"cli:{getpass.getuser()}",
                              filename=table.filename, checksum=hashlib.sha256(path.read_bytes()).hexdigest(), row_count=len(milestones))
    session.add(version)
    session.flush()
    # One bulk INSERT: a 10,000-row calendar must not build 10,000 ORM units of work.
    fields = ("demarche_id", "step", "planned_on", "done_on", "target_rate", "comment", "row")
    # A Core insert on the table: SQLAlchemy batches it into multi-row INSERTs on every database.
    session.connection().execute(insert(Milestone.__table__), [{"version_id": version.id, **{f: getattr(m, f) for f in fields}} for m in milestones])
    before = milestones_of(session=session, version=previous) if previous else []
    return CalendarImport(version, warnings, compare(before, milestones))


def compare(before: list[Milestone], after: list[Milestone]) -> dict[str, list[str]]:
    """What changed between two versions, in words a ministry lead reads."""
    old = {(m.demarche_id, m.step): m for m in before}
    new = {(m.demarche_id, m.step): m for m in after}
    label = lambda key: f"{key[0]} — {STEP_LABELS[key[1]]}"  # noqa: E731
    moved = [
        f"{label(k)} : {old[k].planned_on:%d/%m/%Y} → {new[k].planned_on:%d/%m/%Y}"
        for k in sorted(old.keys() & new.keys())
        if old[k].planned_on != new[k].planned_on and old[k].planned_on and new[k].planned_on
    ]
    return {"added": [label(k) for k in sorted(new.keys() - old.keys())], "removed": [label(k) for k in sorted(old.keys() - new.keys())], "moved": moved}



@dataclass
class Change:
    """One milestone that differs between two versions; ``before``/``after`` are its planned
    dates there (None where the version does not have it)."""

    demarche_id: str
    step: str
    before: dt.date | None
    after: dt.date | None


def changes_between(before: list[Milestone], after: list[Milestone]) -> dict[str, list[Change]]:
    """``compare``'s three lists as data, for a page that shows titles and French dates."""
    old = {(m.demarche_id, m.step): m for m in before}
    new = {(m.demarche_id, m.step): m for m in after}
    order = lambda key: (key[0], STEPS.index(key[1]) if key[1] in STEPS else len(STEPS))  # noqa: E731
    return {
        "added": [Change(*k, None, new[k].planned_on) for k in sorted(new.keys() - old.keys(), key=order)],
        "removed": [Change(*k, old[k].planned_on, None) for k in sorted(old.keys() - new.keys(), key=order)],
        "moved": [Change(*k, old[k].planned_on, new[k].planned_on) for k in sorted(old.keys() & new.keys(), key=order)
                  if old[k].planned_on != new[k].planned_on],
    }


def get_version(*, session: Session, version_id: int) -> CalendarVersion:
    version = session.get(CalendarVersion, version_id)
    if version is None:
        raise NotFound(f"Version de calendrier inconnue : n° {version_id}")
    return version


def latest_version(*, session: Session, ministry: str, as_of: dt.date | None = None) -> CalendarVersion | None:
    query = select(CalendarVersion).where(CalendarVersion.ministry_code == ministry)
    if as_of:
        query = query.where(CalendarVersion.uploaded_at < findings.end_of(as_of))
    return session.exec(query.order_by(CalendarVersion.uploaded_at.desc(), CalendarVersion.id.desc()).limit(1)).first()


def milestones_of(*, session: Session, version: CalendarVersion) -> list[Milestone]:
    return list(session.exec(select(Milestone).where(Milestone.version_id == version.id).order_by(Milestone.row)).all())


def history(*, session: Session, ministry: str) -> list[CalendarVersion]:
    if session.get(Ministry, ministry) is None:
        raise NotFound(f"Ministère inconnu : {ministry}")
    query = select(CalendarVersion).where(CalendarVersion.ministry_code == ministry)
    return list(session.exec(query.order_by(CalendarVersion.uploaded_at, CalendarVersion.id)).all())


def _ministry_status(session: Session, code: str, as_of: dt.date, settings: Settings, state: indicator.Indicators) -> tuple[dict, set[str], int]:
    versions = [v for v in history(session=session, ministry=code) if v.uploaded_at < findings.end_of(as_of)]
    active = {d for d, s in state.statuses.items() if s.demarche.ministry_code == code}
    accessible = {d for d in active if state.statuses[d].accessible}
    entry = {"code": code, "coverage": 0.0, "late": [], "slipped": [], "projected_share_at_deadline": round(len(accessible) / len(active), 6) if active else 0.0}
    if not versions:
        return entry, accessible, len(active)
    first_planned: dict[tuple[str, str], dt.date] = {}
    rows = session.exec(select(Milestone).where(Milestone.version_id.in_([v.id for v in versions]))).all()
    order = {v.id: i for i, v in enumerate(versions)}
    for milestone in sorted(rows, key=lambda m: order[m.version_id]):
        if milestone.planned_on:
            first_planned.setdefault((milestone.demarche_id, milestone.step), milestone.planned_on)
    latest = [m for m in rows if m.version_id == versions[-1].id]
    latest.sort(key=lambda m: (m.demarche_id, STEPS.index(m.step)))
    planned_ids = {m.demarche_id for m in latest}
    entry["coverage"] = round(len(planned_ids & active) / len(active), 6) if active else 0.0
    projected = set(accessible)
    for m in latest:
        if m.planned_on and m.planned_on < as_of and not (m.done_on and m.done_on <= as_of):
            entry["late"].append({"demarche_id": m.demarche_id, "etape": m.step, "date_prevue": m.planned_on.isoformat()})
        first = first_planned.get((m.demarche_id, m.step))
        if first and m.planned_on and m.planned_on > first:
            entry["slipped"].append({"demarche_id": m.demarche_id, "etape": m.step, "first_planned": first.isoformat(),
                                     "latest_planned": m.planned_on.isoformat(), "days": (m.planned_on - first).days})
        rule = state.definition  # the rule the indicators were computed by: its deadline, its « Oui » rate
        if (m.step == "declaration" and m.demarche_id in active and m.planned_on and m.planned_on <= rule.deadline
                and m.target_rate is not None and m.target_rate >= rule.full_rate):
            projected.add(m.demarche_id)
    entry["projected_share_at_deadline"] = round(len(projected) / len(active), 6) if active else 0.0
    return entry, projected, len(active)


def status(*, session: Session, as_of: dt.date, settings: Settings, ministry: str | None = None,
           state: indicator.Indicators | None = None) -> dict:
    """The JSON of ``calendar status`` (SPEC §6), as of ``as_of``; pass ``state`` when the
    caller already computed the indicators for that date."""
    if state is None or state.as_of != as_of:
        state = indicator.compute(session=session, as_of=as_of, settings=settings, ministry=ministry)
    codes = [ministry] if ministry else sorted(m.code for m in session.exec(select(Ministry)).all())
    entries, projected_total, active_total = [], 0, 0
    for code in sorted(m.code for m in session.exec(select(Ministry)).all()):
        entry, projected, active = _ministry_status(session, code, as_of, settings, state)
        projected_total, active_total = projected_total + len(projected), active_total + active
        if code in codes:
            entries.append(entry)
    national = round(projected_total / active_total, 6) if active_total else 0.0
    return {"as_of": as_of.isoformat(), "ministries": entries, "national": {"projected_share_at_deadline": national}}


def write_template(*, session: Session, path: Path, ministry: str | None = None) -> Path:
    """A ready-to-fill calendar in CSV, XLSX or ODS (by suffix), the ministry's démarches listed."""
    rows: list[list[object]] = [[EXAMPLE_ID, "Ligne d'exemple, ignorée à l'import", STEP_LABELS["audit"], dt.date(2026, 3, 15), None, 75, "À remplacer par vos jalons"]]
    if ministry:
        if session.get(Ministry, ministry) is None:
            raise NotFound(f"Ministère inconnu : {ministry}")
        for demarche in session.exec(select(Demarche).where(Demarche.ministry_code == ministry, Demarche.active == True).order_by(Demarche.id)).all():  # noqa: E712
            rows += [[demarche.id, demarche.title, STEP_LABELS[step], None, None, None, ""] for step in STEPS]
    notice = [[line] for line in (
        "Une ligne par jalon : audit, corrections, contre-audit, publication de la déclaration.",
        "Dates au format JJ/MM/AAAA ou AAAA-MM-JJ ; le taux cible est un pourcentage (ex. 75 ou 75,5).",
        "Les lignes sans aucune date ni taux sont ignorées ; la ligne EXEMPLE aussi.",
        "Chaque envoi crée une nouvelle version ; les versions précédentes sont conservées.",
    )]
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return spreadsheet.write_csv(path, TEMPLATE_HEADER, rows)
    sheets = [("Calendrier", TEMPLATE_HEADER, rows), ("Notice", ["Comment remplir ce calendrier"], notice)]
    if suffix == ".xlsx":
        return spreadsheet.write_xlsx(path, sheets, choices={2: list(STEP_LABELS.values())})
    if suffix == ".ods":
        return spreadsheet.write_ods(path, sheets)
    raise NotFound(f"Format inconnu : {suffix} (csv, xlsx ou ods)")
