"""Set-up and long-running commands: init, serve, schedule, demo."""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from .. import remediation, db, declaration, demarche, demo as demo_module, report as report_module
from ..settings import get_settings
from .common import app, out, user_errors
from .crawl import crawl_with_progress


@app.command()
@user_errors
def init() -> None:
    """Créer la base de données ou la mettre à jour (migrations)."""
    engine = db.get_engine()
    db.upgrade(engine)
    out.print(f"Base de données à jour : {engine.url.render_as_string(hide_password=True)}")
    from ..crawl import queue_schema

    with engine.begin() as connection:  # an extra installed after the migration ran: its tables now
        if queue_schema.apply(connection):
            out.print(f"File de tâches du mode distribué prête (schéma « {queue_schema.SCHEMA} »).")


@app.command()
@user_errors
def serve(
    host: Annotated[str, typer.Option(help="Adresse d'écoute")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port d'écoute")] = 8000,
) -> None:
    """Servir l'interface web et l'API JSON."""
    import uvicorn

    from ..web import create_app

    db.ensure_schema()
    # No proxy_headers: uvicorn would believe X-Forwarded-For from 127.0.0.1, so anyone on the
    # host could pick their address; the app reads it only from web.trusted_proxies.
    uvicorn.run(create_app(get_settings()), host=host, port=port, proxy_headers=False)


@app.command()
@user_errors
def schedule(
    list_only: Annotated[bool, typer.Option("--list", help="Afficher les tâches et leur prochaine exécution, puis quitter")] = False,
    crawl_now: Annotated[bool, typer.Option("--crawl-now", help="Lancer aussi un passage tout de suite")] = False,
) -> None:
    """Lancer le planificateur au premier plan (passage nocturne, rapport bimestriel)."""
    import logging

    from .. import scheduler

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
    database_url: Annotated[Optional[str], typer.Option("--database-url", help="Base de la démonstration (par défaut : réglage demo_database_url)")] = None,
) -> None:
    """Servir les démarches de démonstration sur 127.0.0.1, les auditer et écrire le rapport."""
    settings = get_settings()
    database_url = database_url or settings.demo_database_url
    engine = db.ensure_schema(db.engine_for(database_url))
    with demo_module.serve(port=port) as base_url, tempfile.TemporaryDirectory() as tmp:
        out.print(f"Site de démonstration servi sur {base_url}/")
        catalogue = demo_module.write_catalogue(Path(tmp) / "demarches-demo.csv", base_url)
        with db.session_scope(engine) as session:
            summary = demarche.import_demarches(session=session, path=catalogue)
            declaration.import_declarations(session=session, path=demo_module.write_declarations(Path(tmp) / "declarations.csv"))
            if not any(remediation.history(session=session, ministry=code) for code in ("MEF", "MSS")):
                for code, uploaded, path in demo_module.write_calendars(Path(tmp)):
                    when = dt.datetime.combine(dt.date.fromisoformat(uploaded), dt.time(), tzinfo=dt.UTC)
                    remediation.import_calendar(session=session, path=path, ministry=code, uploaded_at=when, uploaded_by="demo")
        out.print(f"{summary.created + summary.updated} démarche(s) de démonstration importée(s), avec déclarations et calendriers.")
        run = crawl_with_progress(engine=engine, trigger="demo", settings=demo_module.crawl_settings(settings))
    out.print(f"Passage n° {run.id} : {run.pages_total} page(s) auditée(s), {run.pages_failed} en échec.")
    day = dt.date.today()
    with db.session_scope(engine) as session:
        report = report_module.write_workshop(session=session, out_dir=settings.reports_dir / f"demo-{day.isoformat()}", settings=settings, as_of=day)
    out.print(f"Rapport de démonstration : {Path(report.html_path).resolve()} (PDF : {Path(report.pdf_path).resolve()})")
    out.print(f"Base de la démonstration : {database_url} (RGAA_TRACKER_DATABASE_URL={database_url} pour l'explorer)")
