"""``calendar …``: ministries' calendriers de mise en accessibilité."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from .. import db, remediation, serialize
from ..settings import get_settings
from .common import as_date, out, print_json, print_warnings, user_errors


calendar_app = typer.Typer(help="Calendriers de mise en accessibilité des ministères.", no_args_is_help=True)


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
    with db.session_scope(write=True) as session:
        result = remediation.import_calendar(session=session, path=file, ministry=ministry, uploaded_at=when)
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
        path = remediation.write_template(session=session, path=target, ministry=ministry)
    out.print(f"Modèle écrit : {path}")


@calendar_app.command("history")
@user_errors
def calendar_history(
    ministry: Annotated[str, typer.Option("--ministry", help="Code du ministère")],
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False,
) -> None:
    """Lister les versions déposées du calendrier d'un ministère."""
    with db.session_scope() as session:
        versions = remediation.history(session=session, ministry=ministry)
    rows = [serialize.calendar_version(v) for v in versions]
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
        data = remediation.status(session=session, as_of=day, settings=get_settings(), ministry=ministry)
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
            out.print(f"  En retard — {m['code']} : {late['demarche_id']}, {remediation.STEP_LABELS[late['etape']]} prévu le {late['date_prevue']}")
        for slip in m["slipped"]:
            out.print(f"  Glissement — {m['code']} : {slip['demarche_id']}, {remediation.STEP_LABELS[slip['etape']]} : {slip['first_planned']} → {slip['latest_planned']} (+{slip['days']} j)")
