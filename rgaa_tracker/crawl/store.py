"""Storing one audited page: its row, its criterion and rule results, its evidence file and the
declaration read from a statement page, in one transaction per page.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import insert, literal, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from .. import audit
from .. import evidence as evidence_files
from ..browser import PageResult
from ..checks import A_VERIFIER, NON_CONFORME, SOURCE, CheckResult
from ..errors import RunAborted
from ..models import CriterionResult, CrawlRun, Declaration, PageAudit, RuleResult, utcnow
from ..feedback import has_jdma
from ..statement import footer_mention, link_role, parse_statement, statement_url

STORED_STATUSES = (audit.NON_CONFORME, audit.A_VERIFIER)
log = logging.getLogger("rgaa_tracker.crawl")


@dataclass(frozen=True)
class Target:
    demarche_id: str
    url: str


def write_evidence(axe_results: dict, *, audits_dir: Path, run_id: int, page_audit_id: int, shots: list | tuple = ()) -> str:
    folder = audits_dir / str(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{page_audit_id}.json.gz"
    listed = write_shots(shots, evidence_files.captures_dir(path))
    if listed:  # the pictures first: the evidence never lists a picture that is not there
        axe_results = {**axe_results, "rgaaTracker": {**(axe_results.get("rgaaTracker") or {}), "shots": listed}}
    tmp = path.with_suffix(".tmp")
    # Serialised whole (``json.dump`` to a stream encodes in pure Python, piece by piece) and
    # compressed at level 6: nearly level 9's size for a fraction of its time, on every page.
    payload = json.dumps(axe_results, ensure_ascii=False).encode("utf-8")
    with gzip.open(tmp, "wb", compresslevel=6) as handle:
        handle.write(payload)
    os.replace(tmp, path)  # never a half-written evidence file
    return str(path)


def write_shots(shots: list | tuple, folder: Path) -> list[dict]:
    """The element pictures as files, one per distinct picture; a picture that cannot be written
    is left out (never the page's failure)."""
    listed: list[dict] = []
    files: dict[bytes, str] = {}
    for shot in shots:
        name = files.get(shot.image)
        if name is None:
            name = f"{len(files)}.jpg"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                tmp = folder / f"{name}.tmp"
                tmp.write_bytes(shot.image)
                os.replace(tmp, folder / name)
            except OSError as error:
                log.warning("element screenshot not written in %s: %s", folder, error)
                continue
            files[shot.image] = name
        listed.append({"source": shot.source, "rule": shot.rule, "selector": shot.selector, "file": name,
                       "width": shot.width, "height": shot.height})
    return listed


def record_declaration(*, session: Session, run: CrawlRun, demarche_id: str, url: str, text: str) -> Declaration | None:
    """A declaration found on a statement page, added only when it differs from the last one found."""
    facts = parse_statement(text)
    if facts.empty:
        return None
    latest = session.exec(
        select(Declaration)
        .where(Declaration.demarche_id == demarche_id, Declaration.provenance == "crawl")
        .order_by(Declaration.recorded_at.desc(), Declaration.id.desc())
        .limit(1)
    ).first()
    same = latest is not None and (latest.status, latest.rate, latest.published_on, latest.updated_on, latest.audited_on, latest.url,
                                   latest.rgaa_version) == (
        facts.status, facts.rate, facts.published_on, facts.updated_on, facts.audited_on, url, facts.rgaa_version
    )
    if same:
        return None
    declaration = Declaration(
        demarche_id=demarche_id, provenance="crawl", status=facts.status, rate=facts.rate,
        published_on=facts.published_on, updated_on=facts.updated_on, audited_on=facts.audited_on, url=url,
        rgaa_version=facts.rgaa_version, run_id=run.id, source=f"passage {run.id}",
    )
    session.add(declaration)
    return declaration


def record_page(*, session: Session, run: CrawlRun, target: Target, role: str, result: PageResult, audits_dir: Path, evidence: str | None = None) -> PageAudit:
    """Store one audited page with its criterion and rule results, in one transaction.

    ``evidence`` reuses the file of the same URL audited earlier in the run for another démarche.
    If storing the page fails (a bug of ours, a value the database refuses), the page is stored
    instead as ``internal_error`` with the reason; if even that fails, the database is gone and
    the run cannot go on (``RunAborted``).
    """
    try:
        return _record_page(session=session, run=run, target=target, role=role, result=result, audits_dir=audits_dir, evidence=evidence)
    except IntegrityError:
        # Stored already by an earlier delivery of the same job (at-least-once): that row stands.
        session.rollback()
        existing = stored_page(session, run.id, target.demarche_id, fit_url(result.url))
        if existing is not None:
            return existing
        failed = _internal_failure(result, "contrainte d'intégrité refusée")
    except Exception as error:  # noqa: BLE001
        session.rollback()
        log.error("internal error while storing %s", result.url, exc_info=error)
        failed = _internal_failure(result, f"{type(error).__name__} : {' '.join(str(error).split())[:200]}")
    try:
        return _record_page(session=session, run=run, target=target, role=role, result=failed, audits_dir=audits_dir)
    except Exception as error:  # noqa: BLE001
        session.rollback()
        raise RunAborted(f"la base de données refuse d'enregistrer les pages ({type(error).__name__} : {str(error)[:200]}) : passage arrêté") from error


def _internal_failure(result: PageResult, reason: str) -> PageResult:
    failed = PageResult(url=result.url, final_url=result.final_url, http_status=result.http_status, notes=result.notes)
    return failed.fail("internal_error", f"erreur interne de rgaa-tracker en enregistrant la page : {reason}")


def stored_page(session: Session, run_id: int, demarche_id: str, url: str) -> PageAudit | None:
    return session.exec(select(PageAudit).where(PageAudit.run_id == run_id, PageAudit.demarche_id == demarche_id, PageAudit.url == url)).first()


def stored_urls(session: Session, run_id: int, demarche_id: str) -> frozenset[str]:
    """What a démarche already has in a run: a job delivered again stores only the rest."""
    return frozenset(session.exec(select(PageAudit.url).where(PageAudit.run_id == run_id, PageAudit.demarche_id == demarche_id)).all())


def _fit(value: str | None, size: int) -> str | None:
    """A page's string cut to its column: a 3,000-character title must not cost the page."""
    return value if value is None or len(value) <= size else value[: size - 1] + "…"


URL_BYTES = 2000


def fit_url(value: str | None) -> str | None:
    """A URL cut to its column in characters and in UTF-8 bytes: PostgreSQL refuses a B-tree
    index entry over ~2,700 bytes, and a catalogue URL of 2,000 accented characters would
    otherwise make the page (and its fallback row) unstorable."""
    value = _fit(value, URL_BYTES)
    if value is None or len(value.encode("utf-8", "surrogatepass")) <= URL_BYTES:
        return value
    return value.encode("utf-8", "surrogatepass")[: URL_BYTES - 3].decode("utf-8", "ignore") + "…"


def _record_page(*, session: Session, run: CrawlRun, target: Target, role: str, result: PageResult, audits_dir: Path, evidence: str | None = None) -> PageAudit:
    page = PageAudit(
        run_id=run.id, demarche_id=target.demarche_id, role=role, url=fit_url(result.url), final_url=fit_url(result.final_url),
        http_status=result.http_status, title=_fit(result.title, 1000), load_ms=result.load_ms,
        error_code=result.error_code, error=result.error, notes="\n".join(result.notes) or None,
        fingerprint=result.fingerprint if result.audited else None,
    )
    if result.audited:
        page.footer_mention = footer_mention(result.footer_text, result.text)
        page.statement_url = statement_url(result.final_url or result.url, result.links)
        page.jdma = has_jdma(result.links)
    session.add(page)
    session.flush()
    if result.reused_from is not None:
        _copy_results(session, page, result.reused_from)
        if role == "statement":
            record_declaration(session=session, run=run, demarche_id=target.demarche_id, url=result.final_url or result.url, text=result.text)
    elif result.axe is not None:
        statuses = audit.criteria_statuses(result.axe, [check.statuses() for check in result.checks])
        nodes = _nodes_per_criterion(result.axe, result.checks)
        for number, status in statuses.items():
            if status in STORED_STATUSES:
                session.add(CriterionResult(page_audit_id=page.id, criterion=number, status=status, nodes=nodes.get(number, 0)))
        for kind, outcome in (("violations", "violation"), ("incomplete", "incomplete")):
            for rule in result.axe.get(kind) or []:
                session.add(RuleResult(
                    page_audit_id=page.id, rule=rule["id"], outcome=outcome, impact=rule.get("impact"),
                    criteria=" ".join(audit.rule_criteria(rule, kind)),
                    nodes=len(rule.get("nodes") or []), help=(rule.get("help") or "")[:500],
                ))
        for check in result.checks:
            for outcome, verdict in (("violation", NON_CONFORME), ("incomplete", A_VERIFIER)):
                found = [f for f in check.findings if f.verdict == verdict]
                if found:
                    session.add(RuleResult(
                        page_audit_id=page.id, rule=check.check.id, source=SOURCE, outcome=outcome, impact=None,
                        criteria=" ".join(dict.fromkeys(f.test.rsplit(".", 1)[0] for f in found)),
                        nodes=len(found), help=check.check.title[:500],
                    ))
        page.violations_count = len(result.axe.get("violations") or []) + sum(
            1 for check in result.checks if any(f.verdict == NON_CONFORME for f in check.findings))
        page.evidence_path = evidence or write_evidence(evidence_of(result), audits_dir=audits_dir, run_id=run.id, page_audit_id=page.id,
                                                        shots=result.shots)
        if role == "statement":
            record_declaration(session=session, run=run, demarche_id=target.demarche_id, url=result.final_url or result.url, text=result.text)
    # Counted in SQL, in the page's transaction: workers of a distributed run store pages of the
    # same run at once, and a read-modify-write of the ORM object would lose their counts.
    failed = 0 if result.error_code is None else 1
    session.add(page)
    session.execute(update(CrawlRun).where(CrawlRun.id == run.id)
                    .values(pages_total=CrawlRun.pages_total + 1, pages_failed=CrawlRun.pages_failed + failed, heartbeat_at=utcnow())
                    .execution_options(synchronize_session=False))
    session.commit()
    # The caller's copy follows, without a write of its own.
    set_committed_value(run, "pages_total", (run.pages_total or 0) + 1)
    set_committed_value(run, "pages_failed", (run.pages_failed or 0) + failed)
    return page


def _copy_results(session: Session, page: PageAudit, source_id: int) -> None:
    """The rows of the audit reused, copied under this page: every reader (findings, indicators,
    reports, ``runs show``) sees this night's page exactly as a full audit would have stored it,
    without knowing about reuse. Copied inside the database (``INSERT … SELECT``): a reused
    page is most pages of a night, and building ORM objects row by row was most of its storing."""
    source = session.get(PageAudit, source_id)
    if source is None or source.evidence_path is None:
        raise LookupError(f"audit réutilisé introuvable ({source_id})")
    page.reused_from_id = source.reused_from_id or source.id  # the full audit, never a chain
    page.evidence_path, page.violations_count = source.evidence_path, source.violations_count
    for model, columns in ((CriterionResult, ("criterion", "status", "nodes")),
                           (RuleResult, ("rule", "source", "outcome", "impact", "criteria", "nodes", "help"))):
        table = model.__table__
        rows = select(literal(page.id).label("page_audit_id"), *(table.c[name] for name in columns)).where(table.c.page_audit_id == source.id)
        session.execute(insert(table).from_select(["page_audit_id", *columns], rows))


def evidence_of(result: PageResult) -> dict:
    """The evidence file's content: axe-core's results as it gave them, and our checks' findings
    (selector, HTML snippet, French reason per element) under their own key."""
    return {**result.axe, "rgaaTracker": {"checks": [check.as_json() for check in result.checks]}}


def _nodes_per_criterion(axe_results: dict, checks: list[CheckResult]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind in ("violations", "incomplete"):
        for rule in axe_results.get(kind) or []:
            for number in audit.rule_criteria(rule, kind):
                counts[number] = counts.get(number, 0) + len(rule.get("nodes") or [])
    for check in checks:
        for finding in check.findings:
            number = finding.test.rsplit(".", 1)[0]
            counts[number] = counts.get(number, 0) + 1
    return counts


def slim(result: PageResult) -> PageResult:
    """What a second démarche sharing this URL needs once the page is stored: rule ids, tags and
    node counts, not node details. Keeping full results for every URL would grow with the run."""
    if result.axe is None:
        if result.reused_from is None or result.facts is None:
            return result
        return replace(result, facts=_slim_facts(result))
    axe = {
        kind: [{"id": r["id"], "tags": r.get("tags", []), "impact": r.get("impact"), "help": r.get("help", ""),
                "nodes": [{}] * len(r.get("nodes") or [])} for r in result.axe.get(kind) or []]
        for kind in ("violations", "incomplete", "passes", "inapplicable")
    }
    # Only the links that can be a sample page or the statement link: the same answers, a
    # handful of links instead of thousands per page kept for the whole run.
    return replace(result, axe=axe, facts=_slim_facts(result) if result.facts else None, shots=[])


def _slim_facts(result: PageResult):
    return result.facts.model_copy(update={
        "text": result.text[:20000], "links": [link for link in result.links if link_role(*link) is not None],
    })
