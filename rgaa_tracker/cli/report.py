"""``report workshop|list``: the bimonthly workshop report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from .. import db, report as report_module
from ..settings import get_settings
from .common import as_date, out, print_json, user_errors


report_app = typer.Typer(help="Rapports.", no_args_is_help=True)


@report_app.command("workshop")
@user_errors
def report_workshop(
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Date de situation (AAAA-MM-JJ)")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="Date de comparaison (par défaut : le rapport précédent)")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Dossier de sortie")] = None,
    definition: Annotated[Optional[str], typer.Option("--definition", help="Règle des chiffres : 2020 ou 2023 (par défaut, celle en vigueur à la date de situation)")] = None,
) -> None:
    """Produire le rapport de l'atelier bimestriel (HTML, PDF, données CSV et ODS)."""
    day = as_date(as_of, "--as-of") or dt.date.today()
    if definition is not None and definition not in ("2020", "2023"):
        raise typer.BadParameter(f"« {definition} » : attendu 2020 ou 2023", param_hint="--definition")
    settings = get_settings()
    target = out_dir or report_module.default_out_dir(settings.reports_dir, day)
    with db.session_scope() as session:
        report = report_module.write_workshop(session=session, out_dir=target, settings=settings, as_of=day, since=as_date(since, "--since"),
                                              definition=definition)
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
