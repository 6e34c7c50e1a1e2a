"""The ``rgaa-tracker`` command line (SPEC §6), one module per noun. Thin: each command parses
its options, calls one library function, and goes through the one error boundary
(``common.user_errors``): a ``TrackerError`` becomes its French message on stderr and exit 1.
"""

from __future__ import annotations

# Importing a module registers its commands on ``app``; order is the order of ``--help``.
from . import service, indicators, crawl, declarations, demarches, observatoire, remediation, report, users  # noqa: F401
from .common import app, log_to_file

app.add_typer(demarches.demarches_app, name="demarches")
app.add_typer(declarations.declarations_app, name="declarations")
app.add_typer(users.users_app, name="users")
app.add_typer(crawl.runs_app, name="runs")
app.add_typer(remediation.calendar_app, name="calendar")
app.add_typer(report.report_app, name="report")
app.add_typer(observatoire.observatoire_app, name="observatoire")


def main() -> None:
    log_to_file()
    app()


__all__ = ["app", "main"]
