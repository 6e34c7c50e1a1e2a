"""``demarches import|list``: the catalogue of démarches."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .. import db, demarche, serialize
from .common import out, print_json, print_warnings, user_errors


demarches_app = typer.Typer(help="Catalogue des démarches.", no_args_is_help=True)


@demarches_app.command("import")
@user_errors
def demarches_import(file: Annotated[Path, typer.Argument(help="Fichier CSV, XLSX ou ODS")]) -> None:
    """Importer ou mettre à jour des démarches (id, titre, ministere, url, volumetrie, date_entree)."""
    with db.session_scope(write=True) as session:
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
        print_json([serialize.demarche(row) for row in rows])
        return
    table = Table("Identifiant", "Ministère", "Titre", "Adresse", "Active")
    for row in rows:
        table.add_row(row.id, row.ministry_code, row.title, row.url, "oui" if row.active else "non")
    out.print(table)
