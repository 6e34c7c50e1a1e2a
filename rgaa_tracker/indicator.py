"""The indicators of SPEC §2, computed as of any date T from what was in force at T.

"In force at T" is decided by the dates of the facts (publication of a declaration, start of a
crawl run, entry of a démarche), never by when they were recorded, so a report for a past date
can be rebuilt from history imported today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import case, func
from sqlmodel import Session, select

from . import definition as definitions
from . import findings
from .declaration import effective_date, validity_date
from .definition import Definition
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
    level: str = "non"  # oui | partiel | non, under the definition computed


@dataclass
class Counts:
    active: int = 0
    declared: int = 0
    accessible: int = 0
    expired: int = 0
    partial: int = 0

    @property
    def share(self) -> float:
        return self.accessible / self.active if self.active else 0.0

    def add(self, status: DemarcheStatus) -> None:
        self.active += 1
        self.declared += status.declared
        self.accessible += status.accessible
        self.expired += status.expired
        self.partial += status.level == "partiel"

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
    definition: Definition | None = None

    def as_json(self, ministry: str | None = None) -> dict:
        codes = [ministry] if ministry else sorted(self.ministries)
        return {
            "as_of": self.as_of.isoformat(),
            "definition": self.definition.name if self.definition else None,
            "national": self.national.as_dict(),
            "ministries": [{"code": code, **self.ministries[code].as_dict()} for code in codes],
            "target": {
                "share": self.target_share,
                "deadline": self.deadline.isoformat(),
                "trajectory_share_at_as_of": None if self.trajectory_share is None else round(self.trajectory_share, 6),
            },
            "questionable": [d for d in self.questionable if not ministry or self.statuses[d].demarche.ministry_code == ministry],
        }


def is_listed(demarche: Demarche, day: dt.date) -> bool:
    """On the tracked list on ``day``: entered on or before it (or date unknown), not yet left.
    ``active`` is today's crawl switch, not history, so it plays no part."""
    return (demarche.listed_on is None or demarche.listed_on <= day) and (demarche.delisted_on is None or demarche.delisted_on > day)


def listed_demarches(*, session: Session, as_of: dt.date) -> list[Demarche]:
    query = select(Demarche).where((Demarche.listed_on == None) | (Demarche.listed_on <= as_of))  # noqa: E711
    query = query.where((Demarche.delisted_on == None) | (Demarche.delisted_on > as_of))  # noqa: E711
    return list(session.exec(query.order_by(Demarche.id)).all())


active_demarches = listed_demarches  # the name callers knew


def declarations_in_force(*, session: Session, as_of: dt.date, exclude: tuple[str, ...] = ()) -> dict[str, Declaration]:
    """Per démarche, the latest declaration whose effective date is on or before ``as_of``.

    Ranked in SQL so only one row per démarche is turned into an object. The effective date is
    the later of « établie le » and « mise à jour le », else the audit date (``effective_date``).
    ``exclude`` leaves out provenances (an Observatoire edition compared with the tracker's own sources).
    """
    statement = case(
        (Declaration.updated_on == None, Declaration.published_on),  # noqa: E711
        (Declaration.published_on == None, Declaration.updated_on),  # noqa: E711
        (Declaration.updated_on > Declaration.published_on, Declaration.updated_on),
        else_=Declaration.published_on,
    )
    effective = func.coalesce(statement, Declaration.audited_on)
    conditions = [effective <= as_of, *([Declaration.provenance.not_in(exclude)] if exclude else [])]
    ranked = (
        select(
            Declaration.id,
            func.row_number().over(
                partition_by=Declaration.demarche_id,
                order_by=(effective.desc(), Declaration.recorded_at.desc(), Declaration.id.desc()),
            ).label("rank"),
        )
        .where(*conditions)
        .subquery()
    )
    query = select(Declaration).join(ranked, ranked.c.id == Declaration.id).where(ranked.c.rank == 1)
    return {d.demarche_id: d for d in session.exec(query).all()}


def declared_rate(declaration: Declaration) -> float | None:
    """The declared rate; « totalement conforme » means every criterion is met."""
    if declaration.rate is not None:
        return declaration.rate
    return 100.0 if declaration.status == "totalement" else None


def level_of(declaration: Declaration | None, as_of: dt.date, rule: Definition) -> tuple[str, bool]:
    """(level, valid) of a démarche whose declaration in force at ``as_of`` is ``declaration``.

    2020: Oui at ≥ full_rate, Partiel for any other valid statement (``partial_rate`` 0, rate
    missing included). 2023: Oui at ≥ 100, Partiel at ≥ 50, Non below or without a rate."""
    if declaration is None:
        return "non", False
    since = validity_date(declaration, rule.valid_from)
    # Exactly `validity_years` old on T is still valid.
    valid = since is not None and add_years(since, rule.validity_years) >= as_of
    if not valid:
        return "non", False
    rate = declared_rate(declaration)
    if rate is not None and rate >= rule.full_rate:
        return "oui", True
    if rule.partial_rate <= 0 or (rate is not None and rate >= rule.partial_rate):
        return "partiel", True
    return "non", True


def status_of(demarche: Demarche, declaration: Declaration | None, as_of: dt.date, settings: Settings,
              rule: Definition | None = None) -> DemarcheStatus:
    rule = rule or definitions.get(None, settings, as_of)
    status = DemarcheStatus(demarche, declaration)
    if declaration is None:
        return status
    status.level, status.declared = level_of(declaration, as_of, rule)
    status.expired = not status.declared
    status.accessible = status.level == "oui"
    return status


def national_share(*, session: Session, as_of: dt.date, settings: Settings, definition: str | None = None) -> float:
    rule = definitions.get(definition, settings, as_of)
    in_force = declarations_in_force(session=session, as_of=as_of)
    counts = Counts()
    for demarche in listed_demarches(session=session, as_of=as_of):
        counts.add(status_of(demarche, in_force.get(demarche.id), as_of, settings, rule))
    return counts.share


def national_shares(*, session: Session, dates: list[dt.date], settings: Settings, definition: str | None = None) -> list[float]:
    """The national share at each date, from one read of démarches and declarations: a chart's
    history must not cost two queries per point. Without ``definition``, each date is judged by
    the rule in force on it, as ``compute`` does."""
    demarches = session.exec(select(Demarche)).all()
    dated = sorted(((effective_date(d), d.recorded_at, d.id, d) for d in session.exec(select(Declaration)).all() if effective_date(d)),
                   key=lambda item: item[:3])
    shares = []
    for day in dates:
        rule = definitions.get(definition, settings, day)
        latest: dict[str, Declaration] = {}
        for effective, _recorded, _id, declaration in dated:
            if effective > day:
                break
            latest[declaration.demarche_id] = declaration  # sorted: the last one seen wins
        counts = Counts()
        for demarche in demarches:
            if is_listed(demarche, day):
                counts.add(status_of(demarche, latest.get(demarche.id), day, settings, rule))
        shares.append(counts.share)
    return shares


def baseline_share(*, session: Session, settings: Settings, definition: str | None = None) -> float:
    """The national share at a rule's baseline date, under that rule, computed once per session
    (reports ask often). Without ``definition``: the 2020 rule, the one the first baseline had."""
    rule = definitions.get(definition or "2020", settings)
    cache = session.info.setdefault("baseline_share", {})
    key = rule
    if key not in cache:
        cache[key] = national_share(session=session, as_of=rule.baseline_date, settings=settings, definition=rule.name)
    return cache[key]


def trajectory(*, baseline_share: float, as_of: dt.date, settings: Settings, definition: str | None = None) -> float | None:
    """The straight line from a rule's baseline indicator to its target at its deadline."""
    rule = definitions.get(definition or "2020", settings)
    start, end = rule.baseline_date, rule.deadline
    if as_of < start:
        return None
    if as_of >= end or end <= start:
        return rule.target_share
    progress = (as_of - start).days / (end - start).days
    return baseline_share + (rule.target_share - baseline_share) * progress


def compute(*, session: Session, as_of: dt.date, settings: Settings, ministry: str | None = None,
            definition: str | None = None) -> Indicators:
    """The indicators at ``as_of`` under ``definition`` ("2020" or "2023"; default: the rule in
    force on ``as_of``)."""
    if ministry and session.get(Ministry, ministry) is None:
        raise NotFound(f"Ministère inconnu : {ministry}")
    rule = definitions.get(definition, settings, as_of)
    demarches = listed_demarches(session=session, as_of=as_of)
    in_force = declarations_in_force(session=session, as_of=as_of)
    statuses = {d.id: status_of(d, in_force.get(d.id), as_of, settings, rule) for d in demarches}
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
    baseline = national.share if as_of == rule.baseline_date else baseline_share(session=session, settings=settings, definition=rule.name)
    return Indicators(
        as_of=as_of, statuses=statuses, national=national, ministries=ministries,
        target_share=rule.target_share, deadline=rule.deadline,
        trajectory_share=trajectory(baseline_share=baseline, as_of=as_of, settings=settings, definition=rule.name),
        questionable=questionable, definition=rule,
    )
