"""Time the import of a 10,000-row XLSX calendar (2,500 démarches × 4 milestones).

    python bench/calendar_import.py [--rows 10000] [--database-url URL]

Prints the seconds of reading + validating + storing; target: under 3 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rgaa_tracker import remediation, db  # noqa: E402
from rgaa_tracker.models import Demarche, Ministry  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    count = args.rows // 4
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = db.ensure_schema(db.make_engine(url))
        with db.session_scope(engine) as session:
            session.add(Ministry(code="MBENCH", name="Ministère du banc d'essai"))
            session.flush()
            session.add_all([Demarche(id=f"b{i:05d}", title=f"Démarche {i}", ministry_code="MBENCH", url=f"http://127.0.0.1/{i}") for i in range(count)])
        workbook = Workbook(write_only=True)
        ws = workbook.create_sheet("Calendrier")
        ws.append(remediation.TEMPLATE_HEADER)
        start = dt.date(2026, 1, 5)
        for i in range(count):
            for k, step in enumerate(remediation.STEPS):
                ws.append([f"b{i:05d}", f"Démarche {i}", remediation.STEP_LABELS[step], start + dt.timedelta(days=30 * k + i % 20),
                           None, 80 if step == "declaration" else None, "jalon généré"])
        path = Path(tmp) / "calendrier.xlsx"
        workbook.save(path)
        print(f"file: {path.stat().st_size / 1e6:.2f} MB, {count * 4} rows, database {url.split(':')[0]}")
        started = time.perf_counter()
        with db.session_scope(engine) as session:
            result = remediation.import_calendar(session=session, path=path, ministry="MBENCH", uploaded_by="bench")
        elapsed = time.perf_counter() - started
        print(f"import: {result.version.row_count} milestones in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
