"""The indicators of SPEC §2, computed as of any date T from what was in force at T.

"In force at T" is decided by the dates of the facts (publication of a declaration, start of a
crawl run, entry of a démarche), never by when they were recorded, so a report for a past date
can be rebuilt from history imported today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, select

from . import findings
from .declaration import effective_date
from .errors import NotFound
from .models import Declaration, Demarche, Ministry
from .settings import Settings


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


@dataclass
class DemarcheStatus:
    demarche: Demarche
    declaration: Declaration | None
    declared: bool = False
    accessible: bool = False
    expired: bool = False


@dataclass
class Counts:
    active: int = 0
    declared: int = 0
    accessible: int = 0
    expired: int = 0

    @property
    def share(self) -> float:
        return self.accessible / self.active if self.active else 0.0

    def add(self, status: DemarcheStatus) -> None:
        self.active += 1
        self.declared += status.declared
        self.accessible += status.accessible
        self.expired += status.expired

    def as_dict(self) -> dict:
        return {"active": self.active, "declared": self.declared, "accessible": self.accessible, "share": round(self.share, 6)}


@dataclass
class Indicators:
    as_of: dt.date
    statuses: dict[str, DemarcheStatus]
    national: Counts
    ministries: dict[str, Counts]
    target_share: float
    deadline: dt.date
    trajectory_share: float | None
    questionable: list[str] = field(default_factory=list)

    def as_json(self, ministry: str | None = None) -> dict:
        codes = [ministry] if ministry else sorted(self.ministries)
        return {
            "as_of": self.as_of.isoformat(),
            "national": self.national.as_dict(),
            "ministries": [{"code": code, **self.ministries[code].as_dict()} for code in codes],
            "target": {
                "share": self.target_share,
                "deadline": self.deadline.isoformat(),
                "trajectory_share_at_as_of": None if self.trajectory_share is None else round(self.trajectory_share, 6),
            },
            "questionable": [d for d in self.questionable if not ministry or self.statuses[d].demarche.ministry_code == ministry],
        }


def active_demarches(*, session: Session, as_of: dt.date) -> list[Demarche]:
    query = select(Demarche).where(Demarche.active == True)  # noqa: E712
    query = query.where((Demarche.listed_on == None) | (Demarche.listed_on <= as_of))  # noqa: E711
    return list(session.exec(query.order_by(Demarche.id)).all())


def declarations_in_force(*, session: Session, as_of: dt.date) -> dict[str, Declaration]:
    """Per démarche, the latest declaration whose effective date is on or before ``as_of``.

    Ranked in SQL so only one row per démarche is turned into an object.
    """
    effective = func.coalesce(Declaration.published_on, Declaration.audited_on)
    ranked = (
        select(
            Declaration.id,
            func.row_number().over(
                partition_by=Declaration.demarche_id,
                order_by=(effective.desc(), Declaration.recorded_at.desc(), Declaration.id.desc()),
            ).label("rank"),
        )
        .where(effective <= as_of)
        .subquery()
    )
    query = select(Declaration).join(ranked, ranked.c.id == Declaration.id).where(ranked.c.rank == 1)
    return {d.demarche_id: d for d in session.exec(query).all()}


def declared_rate(declaration: Declaration) -> float | None:
    """The declared rate; « totalement conforme » means every criterion is met."""
    if declaration.rate is not None:
        return declaration.rate
    return 100.0 if declaration.status == "totalement" else None


def status_of(demarche: Demarche, declaration: Declaration | None, as_of: dt.date, settings: Settings) -> DemarcheStatus:
    status = DemarcheStatus(demarche, declaration)
    if declaration is None:
        return status
    # Exactly `validity_years` old on T is still valid.
    fresh = add_years(effective_date(declaration), settings.validity_years) >= as_of
    status.declared = fresh
    status.expired = not fresh
    rate = declared_rate(declaration)
    status.accessible = fresh and rate is not None and rate >= settings.threshold
    return status


def national_share(*, session: Session, as_of: dt.date, settings: Settings) -> float:
    demarches = active_demarches(session=session, as_of=as_of)
    in_force = declarations_in_force(session=session, as_of=as_of)
    counts = Counts()
    for demarche in demarches:
        counts.add(status_of(demarche, in_force.get(demarche.id), as_of, settings))
    return counts.share


def national_shares(*, session: Session, dates: list[dt.date], settings: Settings) -> list[float]:
    """The national share at each date, from one read of démarches and declarations: a chart's
    history must not cost two queries per point."""
    demarches = session.exec(select(Demarche).where(Demarche.active == True)).all()  # noqa: E712
    dated = sorted(((effective_date(d), d.recorded_at, d.id, d) for d in session.exec(select(Declaration)).all() if effective_date(d)),
                   key=lambda item: item[:3])
    shares = []
    for day in dates:
        latest: dict[str, Declaration] = {}
        for effective, _recorded, _id, declaration in dated:
            if effective > day:
                break
            latest[declaration.demarche_id] = declaration  # sorted: the last one seen wins
        counts = Counts()
        for demarche in demarches:
            if demarche.listed_on is None or demarche.listed_on <= day:
                counts.add(status_of(demarche, latest.get(demarche.id), day, settings))
        shares.append(counts.share)
    return shares


def baseline_share(*, session: Session, settings: Settings) -> float:
    """The national share at the baseline date, computed once per session (reports ask often)."""
    cache = session.info.setdefault("baseline_share", {})
    key = (settings.baseline_date, settings.threshold, settings.validity_years)
    if key not in cache:
        cache[key] = national_share(session=session, as_of=settings.baseline_date, settings=settings)
    return cache[key]


def trajectory(*, baseline_share: float, as_of: dt.date, settings: Settings) -> float | None:
    """The straight line from the baseline indicator to the target at the deadline."""
    start, end = settings.baseline_date, settings.deadline
    if as_of < start:
        return None
    if as_of >= end or end <= start:
        return settings.target_share
    progress = (as_of - start).days / (end - start).days
    return baseline_share + (settings.target_share - baseline_share) * progress


def compute(*, session: Session, as_of: dt.date, settings: Settings, ministry: str | None = None) -> Indicators:
    if ministry and session.get(Ministry, ministry) is None:
        raise NotFound(f"Ministère inconnu : {ministry}")
    demarches = active_demarches(session=session, as_of=as_of)
    in_force = declarations_in_force(session=session, as_of=as_of)
    statuses = {d.id: status_of(d, in_force.get(d.id), as_of, settings) for d in demarches}
    national = Counts()
    ministries: dict[str, Counts] = {m.code: Counts() for m in session.exec(select(Ministry)).all()}
    for status in statuses.values():
        national.add(status)
        ministries.setdefault(status.demarche.ministry_code, Counts()).add(status)
    claims = {
        d for d, s in statuses.items()
        if s.declaration is not None and ((declared_rate(s.declaration) or 0) >= settings.threshold or s.declaration.status == "totalement")
    }
    questionable = sorted(claims & set(findings.latest_non_conformes(session=session, as_of=as_of, demarche_ids=claims))) if claims else []
    baseline = national.share if as_of == settings.baseline_date else baseline_share(session=session, settings=settings)
    return Indicators(
        as_of=as_of, statuses=statuses, national=national, ministries=ministries,
        target_share=settings.target_share, deadline=settings.deadline,
        trajectory_share=trajectory(baseline_share=baseline, as_of=as_of, settings=settings),
        questionable=questionable,
    )
