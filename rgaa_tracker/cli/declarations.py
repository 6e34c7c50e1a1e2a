"""``declarations import|list``: accessibility statements and their history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from .. import db, declaration
from .common import out, print_json, print_warnings, user_errors


declarations_app = typer.Typer(help="Déclarations d'accessibilité.", no_args_is_help=True)


@declarations_app.command("import")
@user_errors
def declarations_import(file: Annotated[Path, typer.Argument(help="Fichier CSV, XLSX ou ODS")]) -> None:
    """Importer des déclarations (demarche_id, statut, taux, date_publication, date_mise_a_jour, date_audit, url)."""
    with db.session_scope(write=True) as session:
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
    table = Table("Démarche", "Provenance", "Statut", "Taux", "Établie le", "Mise à jour le", "Audit", "Adresse")
    for row in rows:
        rate = "—" if row["taux"] is None else f"{row['taux']:g} %"
        table.add_row(row["demarche_id"], row["provenance"], row["statut"] or "—", rate, row["date_publication"] or "—", row["date_mise_a_jour"] or "—",
                      row["date_audit"] or "—", row["url"] or "—")
    out.print(table)
