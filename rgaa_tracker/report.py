"""The workshop report: what DINUM projects at the bimonthly follow-up, rendered with Jinja.

Templates are versioned (``workshop_v1.html.j2``) so a stored report can be re-rendered as it
was. Automated findings are always labelled as such: they are never a conformity rate.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlmodel import Session, select

from . import audit
from .models import CriterionResult, CrawlRun, Demarche, Ministry, PageAudit, RuleResult
from .rgaa import criteria, criterion_sort_key

TEMPLATE_VERSION = "v1"
ROLE_LABELS = {
    "start": "Page de départ",
    "statement": "Accessibilité",
    "legal": "Mentions légales",
    "contact": "Contact",
    "sitemap": "Plan du site",
    "help": "Aide",
}


@dataclass
class DemarcheFindings:
    demarche: Demarche
    pages: list[PageAudit] = field(default_factory=list)
    non_conformes: list[dict] = field(default_factory=list)  # {criterion, rules: [RuleResult]}
    other_violations: list[RuleResult] = field(default_factory=list)
    footer_mention: str | None = None
    statement_url: str | None = None

    @property
    def failed_pages(self) -> list[PageAudit]:
        return [p for p in self.pages if p.error_code]


def environment() -> Environment:
    env = Environment(loader=PackageLoader("rgaa_tracker", "templates"), autoescape=select_autoescape(["html", "j2"]))
    env.filters["date_fr"] = lambda d: d.strftime("%d/%m/%Y") if d else "—"
    env.filters["datetime_fr"] = lambda d: d.strftime("%d/%m/%Y à %H:%M") if d else "—"
    env.globals.update(criteria=criteria(), role_labels=ROLE_LABELS, status_labels=audit.LABELS)
    return env


def latest_run(*, session: Session, as_of: dt.date | None = None) -> CrawlRun | None:
    query = select(CrawlRun).where(CrawlRun.status != "running").order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
    if as_of:
        end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        query = query.where(CrawlRun.started_at < end)
    return session.exec(query.limit(1)).first()


def run_findings(*, session: Session, run: CrawlRun) -> dict[str, DemarcheFindings]:
    """Per démarche of ``run``: its pages, criteria non conformes (with rules), other violations."""
    demarches = {d.id: d for d in session.exec(select(Demarche)).all()}
    findings: dict[str, DemarcheFindings] = {}
    pages = session.exec(select(PageAudit).where(PageAudit.run_id == run.id).order_by(PageAudit.id)).all()
    by_page: dict[int, PageAudit] = {}
    for page in pages:
        item = findings.setdefault(page.demarche_id, DemarcheFindings(demarches[page.demarche_id]))
        item.pages.append(page)
        by_page[page.id] = page
        if page.role == "start":
            item.footer_mention, item.statement_url = page.footer_mention, page.statement_url
    page_ids = list(by_page)
    rules = session.exec(select(RuleResult).where(RuleResult.page_audit_id.in_(page_ids), RuleResult.outcome == "violation")).all() if page_ids else []
    per_criterion: dict[str, dict[str, dict[str, RuleResult]]] = defaultdict(lambda: defaultdict(dict))
    others: dict[str, dict[str, RuleResult]] = defaultdict(dict)
    for rule in rules:
        demarche_id = by_page[rule.page_audit_id].demarche_id
        # The same violation on several pages of one démarche counts once per criterion.
        target = [per_criterion[demarche_id][c] for c in rule.criteria.split()] or [others[demarche_id]]
        for bucket in target:
            known = bucket.get(rule.rule)
            if known is None or known.nodes < rule.nodes:
                bucket[rule.rule] = rule
    for demarche_id, item in findings.items():
        item.non_conformes = [
            {"criterion": number, "rules": sorted(per_criterion[demarche_id][number].values(), key=lambda r: r.rule)}
            for number in sorted(per_criterion[demarche_id], key=criterion_sort_key)
        ]
        item.other_violations = sorted(others[demarche_id].values(), key=lambda r: r.rule)
    return findings


def criteria_frequency(findings: dict[str, DemarcheFindings]) -> list[tuple[str, int]]:
    """Criteria found non conforme, with the number of démarches concerned, most frequent first."""
    counts: dict[str, int] = defaultdict(int)
    for item in findings.values():
        for entry in item.non_conformes:
            counts[entry["criterion"]] += 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], criterion_sort_key(kv[0])))


def workshop_context(*, session: Session, as_of: dt.date) -> dict:
    run = latest_run(session=session, as_of=as_of)
    findings = run_findings(session=session, run=run) if run else {}
    ministries = session.exec(select(Ministry).order_by(Ministry.code)).all()
    demarches = session.exec(select(Demarche).where(Demarche.active == True).order_by(Demarche.id)).all()  # noqa: E712
    per_ministry = []
    for ministry in ministries:
        items = [findings.get(d.id) or DemarcheFindings(d) for d in demarches if d.ministry_code == ministry.code]
        if items:
            per_ministry.append({"ministry": ministry, "demarches": items})
    return {
        "as_of": as_of,
        "generated_at": dt.datetime.now(dt.UTC),
        "run": run,
        "ministries": per_ministry,
        "top_criteria": criteria_frequency(findings),
        "demarche_count": len(demarches),
        "template_version": TEMPLATE_VERSION,
    }


def write_workshop(*, session: Session, out_dir: Path, as_of: dt.date | None = None) -> Path:
    """Render the workshop report into ``out_dir`` and return the path of its index.html."""
    as_of = as_of or dt.date.today()
    context = workshop_context(session=session, as_of=as_of)
    html = environment().get_template(f"report/workshop_{TEMPLATE_VERSION}.html.j2").render(**context)
    out_dir.mkdir(parents=True, exist_ok=True)
    index = out_dir / "index.html"
    index.write_text(html, encoding="utf-8")
    return index


def default_out_dir(reports_dir: Path, as_of: dt.date) -> Path:
    return reports_dir / f"atelier-{as_of.isoformat()}"
