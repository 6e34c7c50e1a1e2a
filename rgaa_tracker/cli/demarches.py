"""``demarches import|list``: the catalogue of démarches."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from .. import db, demarche, serialize
from .common import as_date, out, print_json, print_warnings, user_errors


demarches_app = typer.Typer(help="Catalogue des démarches.", no_args_is_help=True)


@demarches_app.command("import")
@user_errors
def demarches_import(
    file: Annotated[Path, typer.Argument(help="Fichier CSV, XLSX ou ODS")],
    exit_date: Annotated[Optional[str], typer.Option("--exit-date", help="Date de sortie des démarches absentes du fichier (AAAA-MM-JJ ; par défaut aujourd'hui)")] = None,
) -> None:
    """Importer le catalogue des démarches (id, titre, ministere, url, volumetrie, date_entree, date_sortie).

    Le fichier est la liste complète : une démarche qui n'y figure plus en sort à la date donnée
    (elle n'est jamais supprimée et son historique reste)."""
    day = as_date(exit_date, "--exit-date")
    with db.session_scope(write=True) as session:
        summary = demarche.import_demarches(session=session, path=file, exit_date=day)
    print_warnings(summary.warnings)
    out.print(f"{summary.created} démarche(s) créée(s), {summary.updated} mise(s) à jour.")
    if summary.exited:
        out.print(f"{len(summary.exited)} démarche(s) sortie(s) de la liste : {', '.join(summary.exited)}.")


@demarches_app.command("list")
@user_errors
def demarches_list(as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False) -> None:
    """Lister les démarches."""
    with db.session_scope() as session:
        rows = demarche.list_demarches(session=session)
    if as_json:
        print_json([serialize.demarche(row) for row in rows])
        return
    table = Table("Identifiant", "Ministère", "Titre", "Adresse", "Active", "Sortie le")
    for row in rows:
        table.add_row(row.id, row.ministry_code, row.title, row.url, "oui" if row.active else "non",
                      f"{row.delisted_on:%d/%m/%Y}" if row.delisted_on else "—")
    out.print(table)
