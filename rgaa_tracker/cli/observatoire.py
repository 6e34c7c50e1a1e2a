"""``observatoire import|compare``: the Observatoire's published editions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from .. import db
from .. import observatoire as observatoire_module
from ..settings import get_settings
from .common import as_date, out, print_json, print_warnings, user_errors

observatoire_app = typer.Typer(help="Éditions de l'Observatoire (« Vos démarches essentielles »).", no_args_is_help=True)


@observatoire_app.command("import")
@user_errors
def observatoire_import(
    file: Annotated[Path, typer.Argument(help="Fichier CSV ou XLSX d'une édition")],
    edition_date: Annotated[Optional[str], typer.Option("--edition-date", help="Date de l'édition (AAAA-MM-JJ), si le fichier ne la donne pas")] = None,
    edition: Annotated[Optional[str], typer.Option("--edition", help="Nom de l'édition (par défaut : celui du fichier)")] = None,
) -> None:
    """Importer une édition : déclarations datées (provenance observatoire), entrées et sorties de la liste."""
    day = as_date(edition_date, "--edition-date")
    with db.session_scope() as session:
        summary = observatoire_module.import_edition(session=session, path=file, edition_on=day, edition=edition)
    print_warnings(summary.warnings)
    out.print(f"{summary.edition} ({summary.edition_on:%d/%m/%Y}) : {summary.rows} démarche(s), {summary.declarations} déclaration(s) ajoutée(s).")
    for label, ids in (("ajoutée(s) au catalogue", summary.created), ("entrée(s) dans la liste", summary.entered),
                       ("sortie(s) de la liste", summary.exited)):
        if ids:
            out.print(f"{len(ids)} démarche(s) {label} : {', '.join(ids)}.")


@observatoire_app.command("compare")
@user_errors
def observatoire_compare(
    edition_date: Annotated[Optional[str], typer.Option("--edition-date", help="Date de l'édition (par défaut : la dernière importée)")] = None,
    definition: Annotated[Optional[str], typer.Option("--definition", help="Règle : 2020 ou 2023 (par défaut, celle en vigueur à la date de l'édition)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False,
) -> None:
    """Comparer les niveaux publiés par une édition avec ceux que calcule rgaa-tracker."""
    if definition is not None and definition not in ("2020", "2023"):
        raise typer.BadParameter(f"« {definition} » : attendu 2020 ou 2023", param_hint="--definition")
    with db.session_scope() as session:
        data = observatoire_module.comparison(session=session, settings=get_settings(), edition_on=as_date(edition_date, "--edition-date"),
                                              definition=definition)
    if as_json:
        print_json(data)
        return
    if data is None:
        out.print("Aucune édition de l'Observatoire importée.")
        return
    labels = observatoire_module.LEVEL_LABELS
    table = Table("Démarche", "Ministère", "Niveau publié", "Niveau calculé", title=f"{data['edition']} ({data['edition_on']}), règle {data['definition']}")
    for row in data["differences"]:
        table.add_row(row["demarche_id"], row["ministere"], labels[row["niveau_publie"]], labels[row["niveau_calcule"]])
    out.print(table)
    out.print(f"{len(data['differences'])} écart(s) sur {data['compared']} démarche(s) comparée(s).")
