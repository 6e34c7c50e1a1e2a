"""Exceptions of rgaa-tracker.

Every error a user can cause or meet derives from ``TrackerError`` and carries a French message
meant for a ministry lead or an operator; the CLI and the web app print it as it is, with no
traceback::

    TrackerError
    ├── ConfigError          settings or environment unusable (no browser, bad config file)
    ├── NotFound             an id given by the user does not exist
    ├── CrawlAlreadyRunning  another crawl run holds the database's run lock
    ├── RunAborted           the run itself cannot go on (no browser, database gone); the run
    │                        is stored ``failed`` with this reason. A page's own failure is never
    │                        one of these: it is stored on that page and the run goes on.
    └── ImportRejected       a file was refused; ``errors`` lists every bad cell (RowError)
"""

from __future__ import annotations

from dataclasses import dataclass


class TrackerError(Exception):
    """Root of the errors a user may see; ``str(error)`` is the French message."""


class ConfigError(TrackerError):
    pass


class NotFound(TrackerError):
    pass


class CrawlAlreadyRunning(TrackerError):
    pass


class RunAborted(TrackerError):
    pass


@dataclass(frozen=True)
class RowError:
    """One bad cell of an imported file; ``row`` counts like a spreadsheet (header = 1)."""

    row: int | None
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"ligne {self.row}")
        if self.column:
            where.append(f"colonne « {self.column} »")
        value = f" (valeur « {self.value} »)" if self.value not in (None, "") else ""
        prefix = ", ".join(where)
        return f"{prefix}{value} : {self.reason}" if prefix else f"{self.reason}{value}"


class ImportRejected(TrackerError):
    def __init__(self, filename: str, errors: list[RowError]):
        self.filename = filename
        self.errors = errors
        lines = [f"Le fichier « {filename} » est refusé ({len(errors)} erreur(s)) ; rien n'a été enregistré."]
        lines += [f"  - {error}" for error in errors]
        super().__init__("\n".join(lines))
