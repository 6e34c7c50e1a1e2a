"""What every command shares: the root Typer app, the consoles, the one error boundary, dates
and JSON output."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import sys
from typing import Optional

import click
import typer
from rich.console import Console

from .french import install as install_french

from ..errors import TrackerError
from ..settings import get_settings
from ..tabular import parse_date

install_french()  # Click's and Typer's own messages (usage, errors) in French
app = typer.Typer(help="Suivi de l'accessibilité (RGAA) des démarches en ligne de l'État.", no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
out = Console()
err = Console(stderr=True)


def user_errors(func):
    """The command line's one error boundary: a TrackerError is printed as its French message,
    anything else (a bug of ours) as one French line pointing at the log file, which gets the
    traceback; exit 1 either way, never a traceback on the terminal."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except TrackerError as error:
            err.print(f"Erreur : {error}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except (typer.Exit, typer.Abort, typer.BadParameter, click.exceptions.ClickException, KeyboardInterrupt):
            raise
        except Exception as error:  # noqa: BLE001
            log_file = get_settings().log_file
            logging.getLogger("rgaa_tracker.cli").error("unexpected error in %s", func.__name__, exc_info=error)
            message = " ".join(str(error).split())[:200]
            err.print(f"Erreur interne de rgaa-tracker ({type(error).__name__} : {message}) ; détails dans {log_file}.",
                      markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


def log_to_file() -> None:
    """Tracebacks of our own errors (a page stored as internal_error, a failed command) go to
    the log file, created only when something is written to it."""
    logger = logging.getLogger("rgaa_tracker")
    if not any(isinstance(handler, logging.FileHandler) for handler in logger.handlers):
        try:
            handler = logging.FileHandler(get_settings().log_file, delay=True, encoding="utf-8")
        except OSError:
            return
        handler.setLevel(logging.WARNING)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)


def as_date(value: Optional[str], option: str) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as error:
        raise typer.BadParameter(f"{error} : « {value} »", param_hint=option) from None


def print_warnings(warnings: list[str]) -> None:
    for warning in warnings:
        err.print(f"Attention : {warning}", markup=False)


def print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
