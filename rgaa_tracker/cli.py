"""The ``rgaa-tracker`` command line (SPEC §6). Thin: each command parses its options, calls one
library function, and turns a ``TrackerError`` into a French message on stderr and exit code 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import json
import logging
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Optional

import click
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import audit as audit_mapping
from . import crawl as crawl_module
from . import calendar, db, declaration, demarche, demo as demo_module, indicator, report as report_module
from .errors import NotFound, TrackerError
from .rgaa import axe_version
from .settings import get_settings
from .statement import footer_mention, statement_url
from .tabular import parse_date

app = typer.Typer(help="Suivi de l'accessibilité (RGAA) des démarches en ligne de l'État.", no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
demarches_app = typer.Typer(help="Catalogue des démarches.", no_args_is_help=True)
report_app = typer.Typer(help="Rapports.", no_args_is_help=True)
declarations_app = typer.Typer(help="Déclarations d'accessibilité.", no_args_is_help=True)
app.add_typer(demarches_app, name="demarches")
app.add_typer(declarations_app, name="declarations")
calendar_app = typer.Typer(help="Calendriers de mise en accessibilité des ministères.", no_args_is_help=True)
runs_app = typer.Typer(help="Passages des robots.", no_args_is_help=True)
users_app = typer.Typer(help="Comptes de l'interface web et de l'API.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(runs_app, name="runs")
app.add_typer(calendar_app, name="calendar")
app.add_typer(report_app, name="report")
out = Console()
err = Console(stderr=True)


def user_errors(func):
    """The command line's one error boundary: a TrackerError is printed as its French message,
    anything else (a bug of ours) as one French line pointing at the log file, which gets the
    traceback; exit 1 either way, never a traceback on the terminal."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except TrackerError as error:
            err.print(f"Erreur : {error}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except (typer.Exit, typer.Abort, click.exceptions.ClickException, KeyboardInterrupt):
            raise
        except Exception as error:  # noqa: BLE001
            log_file = get_settings().log_file
            logging.getLogger("rgaa_tracker.cli").error("unexpected error in %s", func.__name__, exc_info=error)
            message = " ".join(str(error).split())[:200]
            err.print(f"Erreur interne de rgaa-tracker ({type(error).__name__} : {message}) ; détails dans {log_file}.",
                      markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


def log_to_file() -> None:
    """Tracebacks of our own errors (a page stored as internal_error, a failed command) go to
    the log file, created only when something is written to it."""
    logger = logging.getLogger("rgaa_tracker")
    if not any(isinstance(handler, logging.FileHandler) for handler in logger.handlers):
        try:
            handler = logging.FileHandler(get_settings().log_file, delay=True, encoding="utf-8")
        except OSError:
            return
        handler.setLevel(logging.WARNING)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)


def as_date(value: Optional[str], option: str) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as error:
        raise typer.BadParameter(f"{error} : « {value} »", param_hint=option) from None


def print_warnings(warnings: list[str]) -> None:
    for warning in warnings:
        err.print(f"Attention : {warning}", markup=False)


def print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@app.command()
@user_errors
def init() -> None:
    """Créer la base de données ou la mettre à jour (migrations)."""
    engine = db.get_engine()
    db.upgrade(engine)
    out.print(f"Base de données à jour : {engine.url.render_as_string(hide_password=True)}")


@demarches_app.command("import")
@user_errors
def demarches_import(file: Annotated[Path, typer.Argument(help="Fichier CSV, XLSX ou ODS")]) -> None:
    """Importer ou mettre à jour des démarches (id, titre, ministere, url, volumetrie, date_entree)."""
    with db.session_scope() as session:
        summary = demarche.import_demarches(session=session, path=file)
    print_warnings(summary.warnings)
    out.print(f"{summary.created} démarche(s) créée(s), {summary.updated} mise(s) à jour.")


@demarches_app.command("list")
@user_errors
def demarches_list(as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False) -> None:
    """Lister les démarches."""
    with db.session_scope() as session:
        rows = demarche.list_demarches(session=session)
    if as_json:
        print_json([row.model_dump(mode="json", exclude={"updated_at"}) for row in rows])
        return
    table = Table("Identifiant", "Ministère", "Titre", "Adresse", "Active")
    for row in rows:
        table.add_row(row.id, row.ministry_code, row.titre, row.url, "oui" if row.active else "non")
    out.print(table)


@declarations_app.command("import")
@user_errors
def declarations_import(file: Annotated[Path, typer.Argument(help="Fichier CSV, XLSX ou ODS")]) -> None:
    """Importer des déclarations (demarche_id, statut, taux, date_publication, date_audit, url)."""
    with db.session_scope() as session:
        summary = declaration.import_declarations(session=session, path=file)
    print_warnings(summary.warnings)
    out.print(f"{summary.added} déclaration(s) ajoutée(s), {summary.unchanged} déjà connue(s).")


@declarations_app.command("list")
@user_errors
def declarations_list(
    demarche_id: Annotated[Optional[str], typer.Option("--demarche", help="Une seule démarche")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False,
) -> None:
    """Lister les déclarations, avec leur provenance (import, crawl, web)."""
    with db.session_scope() as session:
        rows = [declaration.as_dict(d) for d in declaration.list_declarations(session=session, demarche_id=demarche_id)]
    if as_json:
        print_json(rows)
        return
    table = Table("Démarche", "Provenance", "Statut", "Taux", "Publication", "Audit", "Adresse")
    for row in rows:
        rate = "—" if row["taux"] is None else f"{row['taux']:g} %"
        table.add_row(row["demarche_id"], row["provenance"], row["statut"] or "—", rate, row["date_publication"] or "—", row["date_audit"] or "—", row["url"] or "—")
    out.print(table)


@app.command()
@user_errors
def indicators(
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Date de situation (AAAA-MM-JJ)")] = None,
    ministry: Annotated[Optional[str], typer.Option("--ministry", help="Code du ministère")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False,
) -> None:
    """Indicateurs : démarches déclarées et accessibles, par ministère et au national, face à la cible."""
    day = as_date(as_of, "--as-of") or dt.date.today()
    with db.session_scope() as session:
        data = indicator.compute(session=session, as_of=day, settings=get_settings(), ministry=ministry).as_json(ministry)
    if as_json:
        print_json(data)
        return
    table = Table("Périmètre", "Actives", "Déclarées", "Accessibles", "Part accessible", title=f"Situation au {day:%d/%m/%Y}")
    for row in data["ministries"]:
        table.add_row(row["code"], str(row["active"]), str(row["declared"]), str(row["accessible"]), f"{row['share']:.1%}")
    n = data["national"]
    table.add_row("National", str(n["active"]), str(n["declared"]), str(n["accessible"]), f"{n['share']:.1%}", style="bold")
    out.print(table)
    target = data["target"]
    trajectory = "—" if target["trajectory_share_at_as_of"] is None else f"{target['trajectory_share_at_as_of']:.1%}"
    out.print(f"Cible : {target['share']:.0%} au {target['deadline']} ; trajectoire à cette date : {trajectory}.")
    if data["questionable"]:
        out.print(f"Déclarations contestables (taux élevé déclaré, anomalies détectées) : {', '.join(data['questionable'])}")


@calendar_app.command("import")
@user_errors
def calendar_import(
    file: Annotated[Path, typer.Argument(help="Fichier CSV, XLSX ou ODS")],
    ministry: Annotated[str, typer.Option("--ministry", help="Code du ministère")],
    uploaded_at: Annotated[Optional[str], typer.Option("--uploaded-at", help="Date de dépôt (reprise d'anciennes versions)")] = None,
) -> None:
    """Déposer une nouvelle version du calendrier d'un ministère."""
    day = as_date(uploaded_at, "--uploaded-at")
    when = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) if day else None
    with db.session_scope() as session:
        result = calendar.import_calendar(session=session, path=file, ministry=ministry, uploaded_at=when)
    print_warnings(result.warnings)
    changes = result.changes
    out.print(f"Version {result.version.id} du calendrier {ministry} enregistrée : {result.version.row_count} jalon(s) ; "
              f"{len(changes['added'])} ajouté(s), {len(changes['removed'])} retiré(s), {len(changes['moved'])} déplacé(s).")


@calendar_app.command("template")
@user_errors
def calendar_template(
    fmt: Annotated[str, typer.Option("--format", help="csv, xlsx ou ods")] = "xlsx",
    ministry: Annotated[Optional[str], typer.Option("--ministry", help="Pré-remplir avec les démarches de ce ministère")] = None,
    out_file: Annotated[Optional[Path], typer.Option("--out", help="Fichier à écrire")] = None,
) -> None:
    """Écrire un modèle de calendrier prêt à remplir."""
    if fmt not in ("csv", "xlsx", "ods"):
        raise typer.BadParameter("csv, xlsx ou ods", param_hint="--format")
    target = out_file or Path(f"modele-calendrier{'-' + ministry if ministry else ''}.{fmt}")
    with db.session_scope() as session:
        path = calendar.write_template(session=session, path=target, ministry=ministry)
    out.print(f"Modèle écrit : {path}")


@calendar_app.command("history")
@user_errors
def calendar_history(
    ministry: Annotated[str, typer.Option("--ministry", help="Code du ministère")],
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False,
) -> None:
    """Lister les versions déposées du calendrier d'un ministère."""
    with db.session_scope() as session:
        versions = calendar.history(session=session, ministry=ministry)
    rows = [{"version": v.id, "uploaded_at": v.uploaded_at.isoformat(), "uploaded_by": v.uploaded_by, "filename": v.filename,
             "checksum": v.checksum, "rows": v.row_count} for v in versions]
    if as_json:
        print_json(rows)
        return
    table = Table("Version", "Déposée le", "Par", "Fichier", "Jalons", "Empreinte (SHA-256)")
    for v in versions:
        table.add_row(str(v.id), f"{v.uploaded_at:%d/%m/%Y %H:%M}", v.uploaded_by, v.filename, str(v.row_count), v.checksum[:16])
    out.print(table if versions else f"Aucun calendrier déposé pour {ministry}.")


@calendar_app.command("status")
@user_errors
def calendar_status(
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Date de situation (AAAA-MM-JJ)")] = None,
    ministry: Annotated[Optional[str], typer.Option("--ministry", help="Code du ministère")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False,
) -> None:
    """Jalons en retard, glissements, couverture et projection à l'échéance."""
    day = as_date(as_of, "--as-of") or dt.date.today()
    with db.session_scope() as session:
        data = calendar.status(session=session, as_of=day, settings=get_settings(), ministry=ministry)
    if as_json:
        print_json(data)
        return
    table = Table("Ministère", "Couverture", "Jalons en retard", "Glissements", "Projection à l'échéance", title=f"Calendriers au {day:%d/%m/%Y}")
    for m in data["ministries"]:
        table.add_row(m["code"], f"{m['coverage']:.0%}", str(len(m["late"])), str(len(m["slipped"])), f"{m['projected_share_at_deadline']:.1%}")
    out.print(table)
    out.print(f"Projection nationale à l'échéance : {data['national']['projected_share_at_deadline']:.1%} (cible {get_settings().target_share:.0%}).")
    for m in data["ministries"]:
        for late in m["late"]:
            out.print(f"  En retard — {m['code']} : {late['demarche_id']}, {calendar.STEP_LABELS[late['etape']]} prévu le {late['date_prevue']}")
        for slip in m["slipped"]:
            out.print(f"  Glissement — {m['code']} : {slip['demarche_id']}, {calendar.STEP_LABELS[slip['etape']]} : {slip['first_planned']} → {slip['latest_planned']} (+{slip['days']} j)")


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

    from .browser import BrowserPool, audit_url

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
    for check in result.checks:
        for finding in check.findings:
            verdict = "anomalie" if finding.verdict == "non_conforme" else "à vérifier"
            out.print(f"  - rgaa-tracker {check.check.id}, test {finding.test} ({verdict}) : {finding.reason} {finding.selector}",
                      markup=False, highlight=False)
    out.print(f"Mention d'accessibilité : {data['footer_mention'] or 'absente'} ; déclaration : {data['statement_url'] or 'non trouvée'}")
    for note in result.notes:
        out.print(f"Remarque : {note}", markup=False, highlight=False)


def crawl_with_progress(*, engine, demarche_ids=None, concurrency=None, trigger="cli", stop=None):
    settings = get_settings()
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
) -> None:
    """Lancer un passage des robots maintenant (un seul à la fois par base ; SIGTERM ou Ctrl-C l'arrête proprement)."""
    engine = db.ensure_schema()
    with stop_on_signals() as (stop, received):
        try:
            run = crawl_with_progress(engine=engine, demarche_ids=demarche_ids, concurrency=concurrency, stop=stop)
        except KeyboardInterrupt:
            err.print("Passage interrompu sans attendre les pages en cours (second signal) ; il est marqué interrompu.", markup=False)
            raise typer.Exit(1) from None
    if run.status == "interrupted":
        # Exit 1: a cron wrapper or systemd must not take an interrupted night for a complete one.
        err.print(f"Passage n° {run.id} interrompu ({', '.join(received) or 'arrêt demandé'}) : {run.pages_total} page(s) "
                  f"enregistrée(s), dont {run.pages_failed} en échec ; les pages restantes n'ont pas été auditées.", markup=False)
        raise typer.Exit(1)
    out.print(f"Passage n° {run.id} terminé : {run.pages_total} page(s), {run.pages_failed} en échec.")


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
    from . import findings
    from .models import Demarche

    day = as_date(as_of, "--as-of")
    with db.session_scope() as session:
        if demarche_id and session.get(Demarche, demarche_id) is None:
            raise NotFound(f"Démarche inconnue : {demarche_id}")
        latest = findings.latest_findings(session=session, as_of=day, demarche_ids={demarche_id} if demarche_id else None)
        rows = [findings.as_json(latest[d]) for d in sorted(latest)]
    if as_json:
        print_json(rows)
        return
    table = Table("Démarche", "Passage", "Pages", "Critères en anomalie", "À vérifier")
    for row in rows:
        table.add_row(row["demarche_id"], str(row["run_id"]), str(len(row["pages"])), ", ".join(row["non_conformes"]) or "aucun",
                      ", ".join(row["a_verifier"]) or "—")
    out.print(table if rows else "Aucune démarche auditée.")


@report_app.command("workshop")
@user_errors
def report_workshop(
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Date de situation (AAAA-MM-JJ)")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="Date de comparaison (par défaut : le rapport précédent)")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Dossier de sortie")] = None,
) -> None:
    """Produire le rapport de l'atelier bimestriel (HTML, PDF, données CSV et ODS)."""
    day = as_date(as_of, "--as-of") or dt.date.today()
    settings = get_settings()
    target = out_dir or report_module.default_out_dir(settings.reports_dir, day)
    with db.session_scope() as session:
        report = report_module.write_workshop(session=session, out_dir=target, settings=settings, as_of=day, since=as_date(since, "--since"))
    out.print(f"Rapport écrit : {report.html_path}")
    out.print(f"PDF : {report.pdf_path}")


@report_app.command("list")
@user_errors
def report_list(as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False) -> None:
    """Lister les rapports produits."""
    with db.session_scope() as session:
        rows = [{"id": r.id, "as_of": r.as_of.isoformat(), "since": r.since.isoformat() if r.since else None,
                 "generated_at": r.generated_at.isoformat(), "html": r.html_path, "pdf": r.pdf_path, "folder": r.folder}
                for r in report_module.list_reports(session=session)]
    if as_json:
        print_json(rows)
        return
    table = Table("N°", "Situation au", "Depuis", "Produit le", "Dossier")
    for r in rows:
        table.add_row(str(r["id"]), r["as_of"], r["since"] or "—", r["generated_at"][:16].replace("T", " "), r["folder"])
    out.print(table if rows else "Aucun rapport produit.")


@app.command()
@user_errors
def serve(
    host: Annotated[str, typer.Option(help="Adresse d'écoute")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port d'écoute")] = 8000,
) -> None:
    """Servir l'interface web et l'API JSON."""
    import uvicorn

    from .web import create_app

    db.ensure_schema()
    uvicorn.run(create_app(get_settings()), host=host, port=port, proxy_headers=True)


@users_app.command("add")
@user_errors
def users_add(
    email: str,
    ministry: Annotated[Optional[str], typer.Option("--ministry", help="Référent de ce ministère")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="Administrateur DINUM")] = False,
    password_file: Annotated[Optional[Path], typer.Option("--password-file", help="Lire le mot de passe dans ce fichier")] = None,
) -> None:
    """Créer un compte (mot de passe demandé, ou lu dans un fichier)."""
    from . import user

    if password_file is not None:
        try:
            password = password_file.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise TrackerError(f"Fichier de mot de passe illisible : {password_file} ({error.strerror})") from None
    else:
        password = typer.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    with db.session_scope() as session:
        created = user.add_user(session=session, email=email, password=password, ministry=ministry, admin=admin)
    out.print(f"Compte créé : {created.email} ({'administrateur' if created.role == 'admin' else 'référent ' + created.ministry_code}).")


@users_app.command("token")
@user_errors
def users_token(email: str) -> None:
    """Créer un jeton d'API pour ce compte (le précédent cesse de fonctionner)."""
    from . import user

    with db.session_scope() as session:
        token = user.issue_token(session=session, email=email)
    sys.stdout.write(token + "\n")


@app.command()
@user_errors
def schedule(
    list_only: Annotated[bool, typer.Option("--list", help="Afficher les tâches et leur prochaine exécution, puis quitter")] = False,
    crawl_now: Annotated[bool, typer.Option("--crawl-now", help="Lancer aussi un passage tout de suite")] = False,
) -> None:
    """Lancer le planificateur au premier plan (passage nocturne, rapport bimestriel)."""
    import logging

    from . import scheduler

    settings = get_settings()
    if list_only:
        table = Table("Tâche", "Nom", "Déclencheur", "Prochaine exécution")
        for job in scheduler.list_jobs(settings):
            table.add_row(job["id"], job["name"], job["trigger"], f"{job['next_run_time']:%d/%m/%Y %H:%M %Z}" if job["next_run_time"] else "—")
        out.print(table)
        return
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    scheduler.run_forever(settings, crawl_now=crawl_now)


@app.command()
@user_errors
def demo(
    port: Annotated[int, typer.Option(help="Port du site de démonstration (un port libre s'il est pris ; 0 : libre)")] = 8765,
    database_url: Annotated[str, typer.Option("--database-url", help="Base de la démonstration")] = "sqlite:///rgaa-tracker-demo.db",
) -> None:
    """Servir les démarches de démonstration sur 127.0.0.1, les auditer et écrire le rapport."""
    engine = db.ensure_schema(db.engine_for(database_url))
    settings = get_settings()
    with demo_module.serve(port=port) as base_url, tempfile.TemporaryDirectory() as tmp:
        out.print(f"Site de démonstration servi sur {base_url}/")
        catalogue = demo_module.write_catalogue(Path(tmp) / "demarches-demo.csv", base_url)
        with db.session_scope(engine) as session:
            summary = demarche.import_demarches(session=session, path=catalogue)
            declaration.import_declarations(session=session, path=demo_module.write_declarations(Path(tmp) / "declarations.csv"))
            if not any(calendar.history(session=session, ministry=code) for code in ("MEF", "MSS")):
                for code, uploaded, path in demo_module.write_calendars(Path(tmp)):
                    when = dt.datetime.combine(dt.date.fromisoformat(uploaded), dt.time(), tzinfo=dt.UTC)
                    calendar.import_calendar(session=session, path=path, ministry=code, uploaded_at=when, uploaded_by="demo")
        out.print(f"{summary.created + summary.updated} démarche(s) de démonstration importée(s), avec déclarations et calendriers.")
        run = crawl_with_progress(engine=engine, trigger="demo")
    out.print(f"Passage n° {run.id} : {run.pages_total} page(s) auditée(s), {run.pages_failed} en échec.")
    day = dt.date.today()
    with db.session_scope(engine) as session:
        report = report_module.write_workshop(session=session, out_dir=settings.reports_dir / f"demo-{day.isoformat()}", settings=settings, as_of=day)
    out.print(f"Rapport de démonstration : {Path(report.html_path).resolve()} (PDF : {Path(report.pdf_path).resolve()})")
    out.print(f"Base de la démonstration : {database_url} (RGAA_TRACKER_DATABASE_URL={database_url} pour l'explorer)")


def main() -> None:
    log_to_file()
    app()
