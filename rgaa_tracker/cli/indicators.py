"""``indicators``: the as-of indicators against the target."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Optional

import typer
from rich.table import Table

from .. import db, definition as definitions, indicator
from ..settings import get_settings
from .common import app, as_date, out, print_json, user_errors


@app.command()
@user_errors
def indicators(
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Date de situation (AAAA-MM-JJ)")] = None,
    ministry: Annotated[Optional[str], typer.Option("--ministry", help="Code du ministère")] = None,
    definition: Annotated[Optional[str], typer.Option("--definition", help="Règle : 2020 ou 2023 (par défaut, celle en vigueur à la date de situation)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False,
) -> None:
    """Indicateurs : démarches déclarées et accessibles, par ministère et au national, face à la cible."""
    day = as_date(as_of, "--as-of") or dt.date.today()
    if definition is not None and definition not in definitions.NAMES:
        raise typer.BadParameter(f"« {definition} » : attendu 2020 ou 2023", param_hint="--definition")
    with db.session_scope() as session:
        state = indicator.compute(session=session, as_of=day, settings=get_settings(), ministry=ministry, definition=definition)
        data = state.as_json(ministry)
        title = state.definition.title
    if as_json:
        print_json(data)
        return
    table = Table("Périmètre", "Actives", "Déclarées", "Accessibles", "Part accessible", title=f"Situation au {day:%d/%m/%Y}")
    for row in data["ministries"]:
        table.add_row(row["code"], str(row["active"]), str(row["declared"]), str(row["accessible"]), f"{row['share']:.1%}")
    n = data["national"]
    table.add_row("National", str(n["active"]), str(n["declared"]), str(n["accessible"]), f"{n['share']:.1%}", style="bold")
    out.print(table)
    out.print(f"Définition : {title}.")
    target = data["target"]
    trajectory = "—" if target["trajectory_share_at_as_of"] is None else f"{target['trajectory_share_at_as_of']:.1%}"
    out.print(f"Cible : {target['share']:.0%} au {target['deadline']} ; trajectoire à cette date : {trajectory}.")
    if data["questionable"]:
        out.print(f"Déclarations contestables (taux élevé déclaré, anomalies détectées) : {', '.join(data['questionable'])}")
