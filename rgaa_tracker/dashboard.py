"""What the workshop asks, at a glance: where we are against the target (nationally and per
ministry), which milestones are late, which declarations are questionable and why, which
statements expire soon. Read by the web dashboard and ministry pages (web/pages.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, select

from . import findings as findings_model
from . import indicator, remediation
from .declaration import validity_date
from .models import CalendarVersion, Demarche, Ministry

EXPIRY_WINDOW_MONTHS = 6
WARNING_POINTS = 0.10  # up to 10 points below the trajectory: « à surveiller », beyond: « en retard »


@dataclass
class Gap:
    """A share against where the trajectory says it should be today."""

    share: float
    expected: float
    gap: float  # share - expected, as a fraction (0.05 is 5 points)
    level: str  # success | warning | error: the DSFR badge
    label: str


def gap(share: float, expected: float | None) -> Gap:
    expected = share if expected is None else expected
    difference = share - expected
    if difference >= -1e-9:
        return Gap(share, expected, difference, "success", "au niveau de la trajectoire" if abs(difference) < 1e-9 else "en avance")
    if -difference <= WARNING_POINTS:
        return Gap(share, expected, difference, "warning", "à surveiller")
    return Gap(share, expected, difference, "error", "en retard")


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def expiring(state: indicator.Indicators, *, months: int = EXPIRY_WINDOW_MONTHS) -> list[dict]:
    """Démarches counted as declared today whose statement stops being valid within ``months``."""
    rule = state.definition
    horizon = add_months(state.as_of, months)
    rows = []
    for status in state.statuses.values():
        if not status.declared or status.declaration is None:
            continue
        since = validity_date(status.declaration, rule.valid_from)
        if since is None:
            continue
        ends = indicator.add_years(since, rule.validity_years)
        if state.as_of <= ends <= horizon:
            rows.append({"demarche": status.demarche, "ends_on": ends, "days_left": (ends - state.as_of).days, "accessible": status.accessible})
    return sorted(rows, key=lambda r: (r["ends_on"], r["demarche"].id))


def late_milestones(plans: list[dict], titles: dict[str, str], as_of: dt.date) -> list[dict]:
    rows = []
    for plan in plans:
        for m in plan["late"]:
            planned = dt.date.fromisoformat(m["date_prevue"])
            rows.append({"ministry": plan["code"], "demarche_id": m["demarche_id"], "title": titles.get(m["demarche_id"], m["demarche_id"]),
                         "step": remediation.STEP_LABELS.get(m["etape"], m["etape"]), "planned_on": planned, "days_late": (as_of - planned).days})
    return sorted(rows, key=lambda r: (-r["days_late"], r["ministry"], r["demarche_id"]))


def questionable(session: Session, state: indicator.Indicators) -> list[dict]:
    """Each questionable declaration with the criteria the latest crawl found non conforme."""
    if not state.questionable:
        return []
    found = findings_model.latest_findings(session=session, as_of=state.as_of, demarche_ids=set(state.questionable))
    rows = []
    for demarche_id in state.questionable:
        status = state.statuses[demarche_id]
        item = found.get(demarche_id)
        rows.append({"demarche": status.demarche, "declaration": status.declaration,
                     "rate": indicator.declared_rate(status.declaration) if status.declaration else None,
                     "criteria": [c.criterion for c in item.non_conformes] if item else []})
    return rows


def summary(*, session: Session, state: indicator.Indicators, settings, ministry: str | None = None) -> dict:
    """The dashboard's figures for ``state`` (computed nationally); ``ministry`` narrows the lists."""
    plans = remediation.status(session=session, as_of=state.as_of, settings=settings, state=state)["ministries"]
    titles = {d.id: d.title for d in session.exec(select(Demarche)).all()}
    names = {m.code: m.name for m in session.exec(select(Ministry)).all()}
    expected = state.trajectory_share if state.trajectory_share is not None else state.target_share
    ministries = [
        {"code": code, "name": names.get(code, code), "counts": counts, "gap": gap(counts.share, expected)}
        for code, counts in sorted(state.ministries.items()) if counts.active
    ]
    keep = (lambda code: code == ministry) if ministry else (lambda code: True)
    late = [r for r in late_milestones(plans, titles, state.as_of) if keep(r["ministry"])]
    contested = [r for r in questionable(session, state) if keep(r["demarche"].ministry_code)]
    soon = [r for r in expiring(state) if keep(r["demarche"].ministry_code)]
    return {
        "national": gap(state.national.share, expected),
        "ministries": ministries,
        "late": late,
        "questionable": contested,
        "expiring": soon,
        "deadline_passed": state.deadline < state.as_of,
        "has_demarches": bool(titles),
        "has_calendar": session.exec(select(CalendarVersion).limit(1)).first() is not None,
    }


def since_last_workshop(*, session: Session, state: indicator.Indicators, settings, ministry: str | None = None) -> dict:
    """What changed since the last recorded workshop report (as of ``state``'s date or before),
    as the report computes it (``report.changes_since``); ``ministry`` narrows it to one
    ministry. ``since`` is None when no workshop report was ever recorded."""
    # The report reads this module's figures: imported here, not at the top.
    from . import report

    previous = report.previous_report(session=session, before=state.as_of + dt.timedelta(days=1))
    changes = report.changes_since(session=session, now=state, since=previous.as_of if previous else None, settings=settings)
    keep = (lambda code: code == ministry) if ministry else (lambda code: True)
    return {
        "since": changes["since"],
        "points": changes["ministries"].get(ministry) if ministry else changes["national"],
        "became": [s for s in changes["became"] if keep(s.demarche.ministry_code)],
        "lost": [s for s in changes["lost"] if keep(s.demarche.ministry_code)],
        "new_late": [r for r in changes["new_late"] if keep(r["ministry"])],
    }
