"""What the hostile corpus costs one crawl (127.0.0.1 only).

    python bench/hostile.py [--concurrency N] [--default-timeouts]

Crawls every kind of tests/hostile_site once (one démarche per kind, its sample pages too) with
the project's settings — concurrency from the CPU count, retries, DOM limit, the browser's own
JS heap — except the timeouts, which are the test module's short ones unless --default-timeouts
(navigation 5 s, settle 2 s, page budget 25 s, load wait 2 s). Prints pages, failed pages, wall
time, peak RSS of the process tree (Python, Playwright driver, Chromium), the pages per error
code and the slowest pages. Figures only, no assertion: see bench/README.md.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawl import PeakRss  # noqa: E402  (bench/crawl.py)

from rgaa_tracker import db  # noqa: E402
from rgaa_tracker.crawl import run_crawl  # noqa: E402
from rgaa_tracker.demarche import import_demarches  # noqa: E402
from rgaa_tracker.settings import get_settings  # noqa: E402
from tests import hostile_site  # noqa: E402
from tests.hostile_site import pages as corpus  # noqa: E402

SHORT_TIMEOUTS = {"NAVIGATION_TIMEOUT_S": "5", "SETTLE_TIMEOUT_S": "2", "PAGE_BUDGET_S": "25", "LOAD_WAIT_S": "2"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=0, help="tabs at once; 0 = the project's default (CPU count, at most 4)")
    parser.add_argument("--default-timeouts", action="store_true", help="keep the project's timeouts too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        os.environ["RGAA_TRACKER_DATABASE_URL"] = f"sqlite:///{workdir / 'hostile.db'}"
        os.environ["RGAA_TRACKER_AUDITS_DIR"] = str(workdir / "audits")
        if not args.default_timeouts:
            for key, value in SHORT_TIMEOUTS.items():
                os.environ[f"RGAA_TRACKER_CRAWL__{key}"] = value
        get_settings.cache_clear()
        settings = get_settings()
        concurrency = args.concurrency or settings.crawl.effective_concurrency()
        server, base_url = hostile_site.start()
        try:
            engine = db.ensure_schema(db.make_engine(settings.database_url))
            catalogue = workdir / "catalogue.csv"
            catalogue.write_text("id;titre;ministere;url\n" + "".join(
                f"{corpus.demarche_id(name)};Démarche hostile {name};MEF;{base_url}{path}\n" for name, path in corpus.KINDS.items()),
                encoding="utf-8")
            with db.session_scope(engine) as session:
                import_demarches(session=session, path=catalogue)
            done: list[tuple[float, str, str, str | None]] = []
            internal: list[str] = []
            started = time.perf_counter()
            with PeakRss() as rss:
                run = run_crawl(engine=engine, settings=settings, concurrency=concurrency, trigger="bench",
                                on_page=lambda p: (done.append((time.perf_counter() - started, p.demarche_id, p.role, p.error_code)),
                                                   p.error_code == "internal_error" and internal.append(f"{p.demarche_id}/{p.role}: {p.error}")))
                elapsed = time.perf_counter() - started
        finally:
            hostile_site.stop(server)
    crawl = settings.crawl
    print(f"hostile corpus: {len(corpus.KINDS)} kinds, {os.cpu_count()} CPU(s), concurrency {concurrency}, retries {crawl.retries}, "
          f"max_dom_elements {crawl.max_dom_elements}, navigation {crawl.navigation_timeout_s:g} s, settle {crawl.settle_timeout_s:g} s, "
          f"page budget {crawl.page_budget_s:g} s, load wait {crawl.load_wait_s:g} s")
    print(f"run {run.status}: {run.pages_total} pages, {run.pages_failed} failed, {elapsed:.1f} s, peak RSS {rss.peak / 2**20:,.0f} MiB "
          f"(load average at the end {os.getloadavg()[0]:.1f})")
    codes = collections.Counter(code or "audited" for _t, _d, _r, code in done)
    print("pages: " + ", ".join(f"{code} {n}" for code, n in codes.most_common()))
    print("failed: " + ", ".join(f"{d}/{r} {c}" for _t, d, r, c in done if c))
    for line in internal:
        print(f"internal error: {line}")
    # A page's time is not stored; the gap since the previous page stored is a fair upper bound
    # at concurrency 1 and a hint above it.
    gaps = sorted(((t - (done[i - 1][0] if i else 0.0), d, r, c) for i, (t, d, r, c) in enumerate(done)), reverse=True)[:8]
    print("longest gaps between stored pages: " + "; ".join(f"{d}/{r} {c or 'audited'} {g:.1f} s" for g, d, r, c in gaps))


if __name__ == "__main__":
    main()
