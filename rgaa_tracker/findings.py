"""The one read model of what the robots found: for a démarche and a date, its latest audit.

"Latest audit" has one definition here and nowhere else: the latest crawl run that audited the
démarche, started on or before the date, and ended ``finished`` or ``interrupted`` (a run still
``running`` is not a result yet; a ``failed`` run is not trusted). Its pages, and per criterion
the worst status over those pages with the rules and checks behind it (axe-core's today, our own
RGAA checks beside them, each marked with its source) and the evidence files. Indicators, the
questionable-declaration reconciliation, the report, the web pages, the API and the CLI all read
it. Only ``non_conforme`` and ``a_verifier`` are stored per criterion (the rest is derivable from
the evidence); an ``a_verifier`` is shown as such and never counted as a non-conformity.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, select

from . import audit
from .models import CrawlRun, CriterionResult, Demarche, PageAudit, RuleResult
from .rgaa import criterion_sort_key

RESULT_RUN_STATUSES = ("finished", "interrupted")
RECENT_RUNS = 7  # looked at first; démarches not crawled in them are looked up further back


@dataclass(frozen=True)
class RuleFinding:
    """One rule (axe-core) or check (rgaa-tracker) behind a criterion, merged over the pages."""

    rule: str
    source: str  # "axe" | "rgaa-tracker"
    outcome: str  # "violation" | "incomplete"
    impact: str | None
    nodes: int
    help: str
    criteria: tuple[str, ...]

    @property
    def status(self) -> str:
        return audit.row_status(self.source, self.rule, self.outcome)


@dataclass
class CriterionFinding:
    criterion: str
    status: str  # non_conforme | a_verifier
    rules: list[RuleFinding] = field(default_factory=list)
    page_ids: list[int] = field(default_factory=list)


@dataclass
class DemarcheFindings:
    demarche: Demarche
    run: CrawlRun | None = None
    pages: list[PageAudit] = field(default_factory=list)
    criteria: dict[str, CriterionFinding] = field(default_factory=dict)
    other_violations: list[RuleFinding] = field(default_factory=list)  # rules mapped to no RGAA criterion

    @property
    def start(self) -> PageAudit | None:
        return next((p for p in self.pages if p.role == "start"), None)

    @property
    def footer_mention(self) -> str | None:
        return self.start.footer_mention if self.start else None

    @property
    def statement_url(self) -> str | None:
        return self.start.statement_url if self.start else None

    @property
    def failed_pages(self) -> list[PageAudit]:
        return [p for p in self.pages if p.error_code]

    def with_status(self, status: str) -> list[CriterionFinding]:
        return [c for number, c in sorted(self.criteria.items(), key=lambda kv: criterion_sort_key(kv[0])) if c.status == status]

    @property
    def non_conformes(self) -> list[CriterionFinding]:
        return self.with_status(audit.NON_CONFORME)

    @property
    def a_verifier(self) -> list[CriterionFinding]:
        return self.with_status(audit.A_VERIFIER)


def end_of(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` (UTC): what started before it counts at ``day``."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def latest_run_ids(*, session: Session, as_of: dt.date | None = None, demarche_ids: set[str] | None = None) -> dict[str, int]:
    """Démarche id → id of its latest result run (see the module docstring) on ``as_of``."""
    runs = select(CrawlRun.id).where(CrawlRun.status.in_(RESULT_RUN_STATUSES))
    if as_of is not None:
        runs = runs.where(CrawlRun.started_at < end_of(as_of))
    # The last runs as literal ids: SQLite would not use the index through a LIMIT subquery.
    recent = list(session.exec(runs.order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(RECENT_RUNS)).all())
    if not recent:
        return {}
    latest = select(PageAudit.demarche_id, func.max(PageAudit.run_id)).where(PageAudit.run_id.in_(recent))
    if demarche_ids is not None:
        latest = latest.where(PageAudit.demarche_id.in_(demarche_ids))
    found = dict(session.exec(latest.group_by(PageAudit.demarche_id)).all())
    missing = None if demarche_ids is None else demarche_ids - set(found)
    if missing is None or missing:
        older = select(PageAudit.demarche_id, func.max(PageAudit.run_id)).where(
            PageAudit.run_id.in_(runs.scalar_subquery()), PageAudit.run_id < min(recent))
        if missing is not None:
            older = older.where(PageAudit.demarche_id.in_(missing))
        for demarche_id, run_id in session.exec(older.group_by(PageAudit.demarche_id)).all():
            found.setdefault(demarche_id, run_id)
    return found


def latest_non_conformes(*, session: Session, as_of: dt.date | None = None, demarche_ids: set[str] | None = None) -> dict[str, list[str]]:
    """Démarche → criteria non conformes in its latest audit (a cheap view for the indicators)."""
    latest = latest_run_ids(session=session, as_of=as_of, demarche_ids=demarche_ids)
    by_run: dict[int, set[str]] = defaultdict(set)
    for demarche_id, run_id in latest.items():
        by_run[run_id].add(demarche_id)
    failing: dict[str, set[str]] = defaultdict(set)
    for run_id, ids in by_run.items():
        query = (
            select(PageAudit.demarche_id, CriterionResult.criterion)
            .join(CriterionResult, CriterionResult.page_audit_id == PageAudit.id)
            .where(PageAudit.run_id == run_id, PageAudit.demarche_id.in_(ids), CriterionResult.status == audit.NON_CONFORME)
        )
        for demarche_id, number in session.exec(query).all():
            failing[demarche_id].add(number)
    return {d: sorted(numbers, key=criterion_sort_key) for d, numbers in failing.items()}


def latest_findings(*, session: Session, as_of: dt.date | None = None, demarche_ids: set[str] | None = None) -> dict[str, DemarcheFindings]:
    """Démarche → its latest audit with pages, criteria and rules; démarches never audited are absent."""
    latest = latest_run_ids(session=session, as_of=as_of, demarche_ids=demarche_ids)
    return _findings(session, latest)


def run_findings(*, session: Session, run_id: int) -> dict[str, DemarcheFindings]:
    """Démarche → what one given run found for it (``runs show``, a past run's page)."""
    ids = session.exec(select(PageAudit.demarche_id).where(PageAudit.run_id == run_id).distinct()).all()
    return _findings(session, {demarche_id: run_id for demarche_id in ids})


def _findings(session: Session, latest: dict[str, int]) -> dict[str, DemarcheFindings]:
    if not latest:
        return {}
    runs = {r.id: r for r in session.exec(select(CrawlRun).where(CrawlRun.id.in_(set(latest.values())))).all()}
    demarches = {d.id: d for d in session.exec(select(Demarche).where(Demarche.id.in_(set(latest)))).all()}
    findings = {d: DemarcheFindings(demarches[d], runs[run_id]) for d, run_id in latest.items() if d in demarches}
    by_run: dict[int, set[str]] = defaultdict(set)
    for demarche_id, run_id in latest.items():
        by_run[run_id].add(demarche_id)
    by_page: dict[int, PageAudit] = {}
    for run_id, ids in by_run.items():
        pages = session.exec(select(PageAudit).where(PageAudit.run_id == run_id, PageAudit.demarche_id.in_(ids)).order_by(PageAudit.id)).all()
        for page in pages:
            findings[page.demarche_id].pages.append(page)
            by_page[page.id] = page
    page_ids = list(by_page)
    for chunk in _chunks(page_ids):
        for row in session.exec(select(CriterionResult).where(CriterionResult.page_audit_id.in_(chunk))).all():
            item = findings[by_page[row.page_audit_id].demarche_id]
            known = item.criteria.get(row.criterion)
            if known is None:
                known = item.criteria[row.criterion] = CriterionFinding(row.criterion, row.status)
            known.status = audit.worst((known.status, row.status))
            known.page_ids.append(row.page_audit_id)
    merged: dict[str, dict[tuple[str, str, str], RuleFinding]] = defaultdict(dict)
    for chunk in _chunks(page_ids):
        for row in session.exec(select(RuleResult).where(RuleResult.page_audit_id.in_(chunk))).all():
            demarche_id = by_page[row.page_audit_id].demarche_id
            key = (row.source, row.rule, row.outcome)
            known = merged[demarche_id].get(key)
            # The same rule on several pages of one démarche counts once, with its largest node count.
            if known is None or known.nodes < row.nodes:
                merged[demarche_id][key] = RuleFinding(row.rule, row.source, row.outcome, row.impact, row.nodes, row.help,
                                                        tuple(row.criteria.split()))
    for demarche_id, rules in merged.items():
        item = findings[demarche_id]
        for rule in sorted(rules.values(), key=lambda r: (r.source, r.rule)):
            if not rule.criteria:
                if rule.outcome == "violation":
                    item.other_violations.append(rule)
                continue
            for number in rule.criteria:
                criterion = item.criteria.get(number)
                if criterion is None:  # a rule stored without its criterion row: shown by its own outcome
                    criterion = item.criteria[number] = CriterionFinding(number, rule.status)
                if rule.status == criterion.status:
                    criterion.rules.append(rule)
    return findings


def _chunks(ids: list[int], size: int = 900) -> list[list[int]]:
    """IN lists kept under SQLite's bound on parameters."""
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def as_json(item: DemarcheFindings) -> dict:
    """The JSON of a démarche's latest findings: the CLI (``findings --json``) and the API
    (``/api/findings``) both print this, so they cannot drift."""
    def criterion(c: CriterionFinding) -> dict:
        return {"criterion": c.criterion, "status": c.status,
                "rules": [{"rule": r.rule, "source": r.source, "outcome": r.outcome, "impact": r.impact, "nodes": r.nodes} for r in c.rules]}

    return {
        "demarche_id": item.demarche.id,
        "run_id": item.run.id if item.run else None,
        "run_status": item.run.status if item.run else None,
        "audited_at": item.run.started_at.isoformat() if item.run else None,
        "pages": [{"id": p.id, "role": p.role, "url": p.url, "http_status": p.http_status, "error_code": p.error_code,
                   "error": p.error, "evidence": bool(p.evidence_path)} for p in item.pages],
        "non_conformes": [c.criterion for c in item.non_conformes],
        "a_verifier": [c.criterion for c in item.a_verifier],
        "criteria": [criterion(c) for c in item.non_conformes + item.a_verifier],
        "footer_mention": item.footer_mention,
        "statement_url": item.statement_url,
    }
