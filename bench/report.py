"""Time the workshop report (HTML, PDF, CSV and ODS) on the bench data set of #4.

    python bench/report.py [--database-url URL] [--no-pdf]

Target: under 5 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dataset import END, generate  # noqa: E402
from sqlmodel import Session  # noqa: E402

from rgaa_tracker import db, report  # noqa: E402
from rgaa_tracker.settings import get_settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        counts = generate(url)
        print(f"data set: {counts['demarches']} démarches, {counts['runs']} runs, {counts['pages']} page audits on {url.split(':')[0]}")
        engine = db.make_engine(url)
        with Session(engine) as session:
            started = time.perf_counter()
            written = report.write_workshop(session=session, out_dir=Path(tmp) / "report", settings=get_settings(), as_of=END, pdf=not args.no_pdf)
            elapsed = time.perf_counter() - started
            html_kb = Path(written.html_path).stat().st_size / 1024
            pdf = f", PDF {Path(written.pdf_path).stat().st_size / 1024:.0f} KiB" if written.pdf_path else ""
        print(f"workshop report: {elapsed:.2f} s (HTML {html_kb:.0f} KiB{pdf})")


if __name__ == "__main__":
    main()
