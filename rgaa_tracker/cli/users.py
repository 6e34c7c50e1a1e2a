"""``users add|token|password|disable``: web and API accounts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import db
from ..errors import TrackerError
from .common import out, user_errors


users_app = typer.Typer(help="Comptes de l'interface web et de l'API.", no_args_is_help=True)


def read_password(password_file: Optional[Path], prompt: str) -> str:
    if password_file is None:
        return typer.prompt(prompt, hide_input=True, confirmation_prompt=True)
    try:
        return password_file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise TrackerError(f"Fichier de mot de passe illisible : {password_file} ({getattr(error, 'strerror', None) or 'encodage non UTF-8'})") from None


@users_app.command("add")
@user_errors
def users_add(
    email: str,
    ministry: Annotated[Optional[str], typer.Option("--ministry", help="Référent de ce ministère")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="Administrateur DINUM")] = False,
    password_file: Annotated[Optional[Path], typer.Option("--password-file", help="Lire le mot de passe dans ce fichier")] = None,
) -> None:
    """Créer un compte (mot de passe demandé, ou lu dans un fichier)."""
    from .. import user

    password = read_password(password_file, "Mot de passe")
    with db.session_scope() as session:
        created = user.add_user(session=session, email=email, password=password, ministry=ministry, admin=admin)
    out.print(f"Compte créé : {created.email} ({'administrateur' if created.role == 'admin' else 'référent ' + created.ministry_code}).")


@users_app.command("token")
@user_errors
def users_token(email: str) -> None:
    """Créer un jeton d'API pour ce compte (le précédent cesse de fonctionner)."""
    from .. import user

    with db.session_scope() as session:
        token = user.issue_token(session=session, email=email)
    sys.stdout.write(token + "\n")


@users_app.command("password")
@user_errors
def users_password(
    email: str,
    password_file: Annotated[Optional[Path], typer.Option("--password-file", help="Lire le nouveau mot de passe dans ce fichier")] = None,
) -> None:
    """Changer le mot de passe d'un compte ; ses connexions web en cours sont terminées."""
    from .. import user

    password = read_password(password_file, "Nouveau mot de passe")
    with db.session_scope() as session:
        changed = user.set_password(session=session, email=email, password=password)
    out.print(f"Mot de passe changé : {changed.email} ; ses connexions web en cours sont terminées.")


@users_app.command("disable")
@user_errors
def users_disable(email: str) -> None:
    """Désactiver un compte : plus de connexion, ses sessions web et son jeton d'API cessent de fonctionner."""
    from .. import user

    with db.session_scope() as session:
        disabled = user.disable_user(session=session, email=email)
    out.print(f"Compte désactivé : {disabled.email} ; ses sessions web et son jeton d'API ne fonctionnent plus.")
