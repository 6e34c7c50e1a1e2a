"""Time the national + per-ministry indicators as of 24 dates on the bench data set.

    python bench/indicators.py [--database-url URL]

Default: a fresh SQLite file in a temporary folder. With --database-url the database must be
empty (e.g. a scratch PostgreSQL database). Prints seconds; target: under 1 s for the 24 dates.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dataset import END, generate  # noqa: E402
from sqlmodel import Session  # noqa: E402

from rgaa_tracker import db, indicator  # noqa: E402
from rgaa_tracker.settings import get_settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        counts = generate(url)
        print(f"data set: {counts['demarches']} démarches, {counts['ministries']} ministries, {counts['declarations']} declarations, "
              f"{counts['runs']} runs, {counts['pages']} page audits, {counts['criterion_results']} criterion results "
              f"(generated in {counts['seconds']:.1f} s) on {url.split(':')[0]}")
        engine = db.make_engine(url)
        dates = [END - dt.timedelta(days=30 * k) for k in range(24)]
        settings = get_settings()
        with Session(engine) as session:
            started = time.perf_counter()
            results = [indicator.compute(session=session, as_of=day, settings=settings) for day in dates]
            elapsed = time.perf_counter() - started
        print(f"indicators as of {len(dates)} dates: {elapsed:.3f} s ({elapsed / len(dates) * 1000:.1f} ms per date); "
              f"national share at {dates[0]}: {results[0].national.share:.1%}, questionable: {len(results[0].questionable)}")


if __name__ == "__main__":
    main()
