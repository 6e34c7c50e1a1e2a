"""Plain functions that put test data in a real database."""

from __future__ import annotations

import csv
import time
from pathlib import Path

from sqlmodel import Session

from rgaa_tracker.demarche import import_demarches


def write_csv(path: Path, header: list[str], rows: list[list[object]], *, delimiter: str = ";", encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def add_demarches(engine, tmp_path: Path, rows: list[list[object]]) -> None:
    """rows: [id, titre, ministere, url]. Adds to the catalogue: démarches already there stay listed."""
    path = write_csv(tmp_path / "demarches.csv", ["id", "titre", "ministere", "url"], rows)
    with Session(engine) as session:
        import_demarches(session=session, path=path, exits=False)
        session.commit()


def write_xlsx(path: Path, header: list[str], rows: list[list[object]], *, sheet: str = "Feuille1", extra_sheets: tuple[str, ...] = ()) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    for name in extra_sheets:
        workbook.create_sheet(name)
    ws = workbook.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    workbook.move_sheet(ws, offset=len(extra_sheets))
    workbook.save(path)
    return path


def write_ods(path: Path, header: list[str], rows: list[list[object]], *, sheet: str = "Feuille1") -> Path:
    from rgaa_tracker.spreadsheet import write_ods as write

    return write(path, [(sheet, header, rows)])


def database_dump(engine) -> list[str]:
    """Every row of every table, as text: two equal dumps mean an unchanged database."""
    from sqlalchemy import inspect, text

    lines = []
    with engine.connect() as connection:
        for table in sorted(inspect(engine).get_table_names()):
            for row in connection.execute(text(f'SELECT * FROM "{table}" ORDER BY 1')):
                lines.append(f"{table}: {tuple(row)}")
    return lines


def add_declaration(engine, demarche_id: str, *, rate=None, status=None, published=None, audited=None, provenance="import"):
    import datetime as dt

    from rgaa_tracker.models import Declaration

    def day(value):
        return dt.date.fromisoformat(value) if isinstance(value, str) else value

    with Session(engine) as session:
        session.add(Declaration(demarche_id=demarche_id, provenance=provenance, rate=rate, status=status,
                                published_on=day(published), audited_on=day(audited)))
        session.commit()


def add_crawl(engine, started: str, non_conformes: dict[str, list[str]], status: str = "finished") -> int:
    """A crawl run as the crawler stores it: one start page per démarche, its failing criteria."""
    import datetime as dt

    from rgaa_tracker.models import CriterionResult, CrawlRun, PageAudit

    with Session(engine) as session:
        run = CrawlRun(status=status, started_at=dt.datetime.fromisoformat(started).replace(tzinfo=dt.UTC))
        session.add(run)
        session.flush()
        for demarche_id, criteria in non_conformes.items():
            page = PageAudit(run_id=run.id, demarche_id=demarche_id, role="start", url="http://127.0.0.1/")
            session.add(page)
            session.flush()
            for criterion in criteria:
                session.add(CriterionResult(page_audit_id=page.id, criterion=criterion, status="non_conforme", nodes=1))
        session.commit()
        return run.id


def database_bytes(engine) -> str:
    """sha256 of the SQLite file after folding the WAL in: equal hashes mean byte-for-byte equal."""
    import hashlib

    from sqlalchemy import text

    if engine.dialect.name != "sqlite":
        return "|".join(database_dump(engine))  # a server database has no single file to hash
    with engine.connect() as connection:
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    path = engine.url.database
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def wait_for(predicate, seconds: float = 60, what: str = "the condition", every: float = 0.05):
    """Poll ``predicate`` until it returns something true, and return that; bounded by ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not met within {seconds} s: {what}")
