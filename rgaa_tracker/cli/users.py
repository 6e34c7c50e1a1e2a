"""``users add|token``: web and API accounts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import db
from ..errors import TrackerError
from .common import out, user_errors


users_app = typer.Typer(help="Comptes de l'interface web et de l'API.", no_args_is_help=True)


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
