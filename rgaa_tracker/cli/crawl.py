"""``crawl``, ``runs list|show``, ``audit``, ``findings``: the robots and what they found."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .. import audit as audit_mapping
from .. import crawl as crawl_module
from .. import db
from ..errors import NotFound, TrackerError
from ..rgaa import axe_version
from ..settings import get_settings
from ..statement import footer_mention, statement_url
from ..summaries import summary
from .common import app, as_date, err, out, print_json, user_errors


runs_app = typer.Typer(help="Passages des robots.", no_args_is_help=True)


def _audit_json(result, criteria: dict[str, str]) -> dict:
    return {
        "url": result.url,
        "final_url": result.final_url,
        "status": result.http_status,
        "axe_version": axe_version(),
        "criteria": criteria,
        "violations": [{k: v[k] for k in ("rule", "impact", "criteria", "nodes")} for v in audit_mapping.violations(result.axe)],
        "footer_mention": footer_mention(result.footer_text, result.text),
        "statement_url": statement_url(result.final_url or result.url, result.links),
        "notes": result.notes,
        "checks": [check.as_json() for check in result.checks],
    }


async def _audit_once(url: str):
    from playwright.async_api import async_playwright

    from ..browser import BrowserPool, audit_url

    async with async_playwright() as playwright:
        pool = BrowserPool(playwright, get_settings())
        try:
            return await audit_url(pool, url)
        finally:
            await pool.close()


@app.command("audit")
@user_errors
def audit_command(url: str, as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False) -> None:
    """Auditer une adresse sans rien enregistrer."""
    result = asyncio.run(_audit_once(url))
    if result.error_code:
        raise TrackerError(f"audit impossible : {result.error}")
    statuses = audit_mapping.criteria_statuses(result.axe, [check.statuses() for check in result.checks])
    data = _audit_json(result, statuses)
    if as_json:
        print_json(data)
        return
    out.print(f"{data['url']} — HTTP {data['status']} — axe-core {data['axe_version']}")
    found = audit_mapping.non_conformes(statuses)
    out.print(f"Critères en anomalie : {', '.join(found) if found else 'aucun'}")
    for violation in data["violations"]:
        crits = ", ".join(violation["criteria"]) or "hors RGAA"
        out.print(f"  - {violation['rule']} ({violation['impact']}) : {violation['nodes']} élément(s), critère(s) {crits}")
        out.print(f"    {summary(violation['rule'])}", markup=False, highlight=False, soft_wrap=True)
    for check in result.checks:
        for finding in check.findings:
            verdict = "anomalie" if finding.verdict == "non_conforme" else "à vérifier"
            out.print(f"  - rgaa-tracker {check.check.id}, test {finding.test} ({verdict}) : {finding.reason} {finding.selector}",
                      markup=False, highlight=False)
    out.print(f"Mention d'accessibilité : {data['footer_mention'] or 'absente'} ; déclaration : {data['statement_url'] or 'non trouvée'}")
    for note in result.notes:
        out.print(f"Remarque : {note}", markup=False, highlight=False)


def crawl_with_progress(*, engine, demarche_ids=None, concurrency=None, trigger="cli", stop=None, settings=None, full=False):
    settings = settings or get_settings()
    # Shown once the run holds the lock: a refused crawl prints its one French line, no bar.
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=False)
    task = progress.add_task("Démarches auditées", total=None)
    pages = {"done": 0}

    def on_start(total: int) -> None:
        progress.update(task, total=total)
        progress.start()

    def on_page(page) -> None:
        pages["done"] += 1
        if page.role == "start":
            progress.advance(task)
        progress.update(task, description=f"Démarches auditées ({pages['done']} page(s))")

    try:
        return crawl_module.run_crawl(
            engine=engine,
            settings=settings,
            demarche_ids=demarche_ids,
            concurrency=concurrency,
            trigger=trigger,
            on_start=on_start,
            on_page=on_page,
            stop=stop,
            full=full,
        )
    finally:
        progress.stop()


@contextlib.contextmanager
def stop_on_signals():
    """SIGTERM/SIGINT ask the run to stop as the scheduler does: no new page is taken, the pages
    in flight are stored, the browser closes and the run ends ``interrupted``. A second signal
    stops at once (the run is still marked ``interrupted``, the browser still closed)."""
    stop = threading.Event()
    received: list[str] = []

    def on_signal(signum, _frame) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        received.append(signal.Signals(signum).name)
        stop.set()

    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop, received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@app.command()
@user_errors
def crawl(
    demarche_ids: Annotated[Optional[list[str]], typer.Option("--demarche", help="Limiter à cette démarche (répétable)")] = None,
    concurrency: Annotated[Optional[int], typer.Option("--concurrency", min=1, help="Pages auditées en parallèle")] = None,
    full: Annotated[bool, typer.Option("--full", help="Auditer chaque page à nouveau, même inchangée depuis son dernier audit")] = False,
    distributed: Annotated[bool, typer.Option("--distributed", help="Confier une tâche par démarche aux travailleurs (PostgreSQL, extension « distributed »)")] = False,
) -> None:
    """Lancer un passage des robots maintenant (un seul à la fois par base ; SIGTERM ou Ctrl-C l'arrête proprement)."""
    if distributed:
        from ..crawl import distributed as distributed_crawl

        settings = get_settings()
        distributed_crawl.require(settings)  # before touching the database: the French refusal first
        run = distributed_crawl.start_run(engine=db.ensure_schema(), settings=settings, demarche_ids=demarche_ids, full=full)
        out.print(f"Passage n° {run.id} lancé en mode distribué : une tâche par démarche pour les travailleurs "
                  f"(« rgaa-tracker worker ») ; suivi : rgaa-tracker runs show {run.id}")
        return
    engine = db.ensure_schema()
    with stop_on_signals() as (stop, received):
        try:
            run = crawl_with_progress(engine=engine, demarche_ids=demarche_ids, concurrency=concurrency, stop=stop, full=full)
        except KeyboardInterrupt:
            err.print("Passage interrompu sans attendre les pages en cours (second signal) ; il est marqué interrompu.", markup=False)
            raise typer.Exit(1) from None
    if run.status == "interrupted":
        # Exit 1: a cron wrapper or systemd must not take an interrupted night for a complete one.
        err.print(f"Passage n° {run.id} interrompu ({', '.join(received) or 'arrêt demandé'}) : {run.pages_total} page(s) "
                  f"enregistrée(s), dont {run.pages_failed} en échec ; les pages restantes n'ont pas été auditées.", markup=False)
        raise typer.Exit(1)
    out.print(f"Passage n° {run.id} terminé : {run.pages_total} page(s), {run.pages_failed} en échec.")


@app.command()
@user_errors
def worker(
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="Démarches auditées en parallèle par ce travailleur")] = 1,
) -> None:
    """Lancer un travailleur du mode distribué (un Chromium ; SIGTERM ou Ctrl-C l'arrête après les démarches en cours)."""
    from ..crawl import distributed as distributed_crawl

    settings = get_settings()
    distributed_crawl.require(settings)
    distributed_crawl.run_worker(engine=db.ensure_schema(), settings=settings, concurrency=concurrency)


@runs_app.command("list")
@user_errors
def runs_list(as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False) -> None:
    """Lister les passages des robots, du plus récent au plus ancien."""
    with db.session_scope() as session:
        rows = [crawl_module.run_summary(r) for r in crawl_module.list_runs(session=session)]
    if as_json:
        print_json(rows)
        return
    table = Table("N°", "État", "Déclenché par", "Début", "Fin", "Pages", "Échecs")
    for r in rows:
        table.add_row(str(r["id"]), r["status"], r["trigger"], r["started_at"][:16].replace("T", " "),
                      (r["finished_at"] or "—")[:16].replace("T", " "), str(r["pages_total"]), str(r["pages_failed"]))
    out.print(table if rows else "Aucun passage enregistré.")


@runs_app.command("show")
@user_errors
def runs_show(run_id: int, as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False) -> None:
    """Détailler un passage et ses pages auditées."""
    with db.session_scope() as session:
        data = crawl_module.run_detail(session=session, run_id=run_id)
    if as_json:
        print_json(data)
        return
    out.print(f"Passage n° {data['id']} ({data['status']}), du {data['started_at'][:16]} au {(data['finished_at'] or '—')[:16]}")
    queue = data.get("queue")
    if queue:
        out.print(f"File : {queue['todo']} à faire, {queue['doing']} en cours, {queue['done']} faites, {queue['failed']} en échec "
                  f"({len(queue['retried'])} reprise(s))", markup=False)
        for label, counts in sorted(queue["workers"].items()):
            out.print(f"  travailleur {label} : {counts['doing']} en cours, {counts['done']} faites, {counts['failed']} en échec", markup=False)
    table = Table("Démarche", "Rôle", "Adresse", "HTTP", "Erreur", "Critères en anomalie")
    for p in data["pages"]:
        table.add_row(p["demarche_id"], p["role"], p["url"], str(p["http_status"] or "—"), p["error"] or "", ", ".join(p["non_conformes"]))
    out.print(table)


@app.command("findings")
@user_errors
def findings_command(
    demarche_id: Annotated[Optional[str], typer.Option("--demarche", help="Limiter à cette démarche")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Date de situation (AAAA-MM-JJ)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False,
) -> None:
    """Afficher le dernier audit de chaque démarche (passage terminé ou interrompu)."""
    from .. import findings, serialize
    from ..models import Demarche

    day = as_date(as_of, "--as-of")
    with db.session_scope() as session:
        if demarche_id and session.get(Demarche, demarche_id) is None:
            raise NotFound(f"Démarche inconnue : {demarche_id}")
        latest = findings.latest_findings(session=session, as_of=day, demarche_ids={demarche_id} if demarche_id else None)
        rows = [serialize.findings(latest[d]) for d in sorted(latest)]
    if as_json:
        print_json(rows)
        return
    table = Table("Démarche", "Passage", "Pages", "Critères en anomalie", "À vérifier")
    for row in rows:
        table.add_row(row["demarche_id"], str(row["run_id"]), str(len(row["pages"])), ", ".join(row["non_conformes"]) or "aucun",
                      ", ".join(row["a_verifier"]) or "—")
    out.print(table if rows else "Aucune démarche auditée.")
