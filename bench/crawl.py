"""Crawl speed and memory on a generated local corpus (127.0.0.1 only).

    python bench/crawl.py [--pages 200] [--concurrency 1 2 4]
    python bench/crawl.py --memory-pages 1000 --pages 200 --concurrency 2
    python bench/crawl.py --versus-plain --pages 128 --concurrency 2 [--rounds 3]

``--versus-plain`` prints, in one run on the same distinct URLs: a plain async Playwright + axe
loop (full axe, same concurrency), the project's crawl with its defaults, then a second crawl
of the same unchanged pages (incremental audits), as pages/minute and ratios; the RGAA criteria
each found; the mean time per page by phase; PSS and CPU seconds of the process tree.

``--memory-pages`` crawls that many pages once and prints the PSS of the process tree (from
``/proc/<pid>/smaps_rollup``) at its peak over the first ``--pages`` pages and over the whole crawl.

Prints, per concurrency: pages/minute, peak RSS of the whole process tree (browser included),
violations found; and the limit: navigation + axe-core's own run time per page, measured
sequentially on the same pages in one reused tab. Figures only, no assertion: see bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# The benchmark sites are served on 127.0.0.1, which the crawler's SSRF guard refuses by default.
os.environ.setdefault("RGAA_TRACKER_CRAWL__ALLOWED_ADDRESS_CLASSES", '["loopback"]')

from rgaa_tracker import db, demo  # noqa: E402
from rgaa_tracker.crawl import run_crawl  # noqa: E402
from rgaa_tracker.demarche import import_demarches  # noqa: E402
from rgaa_tracker.settings import get_settings  # noqa: E402


# What most real démarche pages carry: a script that changes the page once loaded (here a notice
# added 30 ms after DOMContentLoaded), so the crawl waits its quiet time there (``--scripted``).
SCRIPT = ("<script>document.addEventListener('DOMContentLoaded', () => setTimeout(() => {"
          " const p = document.createElement('p'); p.textContent = 'Information mise à jour';"
          " document.querySelector('main').append(p); }, 30));</script>")


def make_page(i: int, rng: random.Random, scripted: float = 0.0) -> str:
    """A démarche-like page: header, nav, a form, a table, a list; size and defects vary. A share
    ``scripted`` of the pages (every page whose number says so, the rest drawn as before) carries
    ``SCRIPT``."""
    sections = rng.choice([2, 4, 8, 16, 60])  # ~100 to ~1,500 elements
    defects = rng.sample(["alt", "label", "contrast", "empty_link", "lang"], k=rng.choice([0, 0, 1, 2]))
    lang = "" if "lang" in defects else ' lang="fr"'
    script = SCRIPT if math.floor((i + 1) * scripted) > math.floor(i * scripted) else ""
    parts = [f"<!DOCTYPE html><html{lang}><head><meta charset='utf-8'><title>Démarche {i}</title>{script}</head><body>",
             "<header><p>Ministère</p><nav aria-label='Menu'><ul><li><a href='/'>Accueil</a></li><li><a href='/aide'>Aide</a></li></ul></nav></header>",
             f"<main><h1>Démarche n° {i}</h1>"]
    for s in range(sections):
        parts.append(f"<h2>Étape {s + 1}</h2><p>Renseignez les informations demandées pour l'étape {s + 1}.</p>")
        field = f"<input id='f{s}' name='f{s}'>" if "label" in defects and s == 0 else f"<label for='f{s}'>Champ {s}</label><input id='f{s}' name='f{s}'>"
        parts.append(f"<form>{field}<button type='submit'>Valider</button></form>")
        parts.append("<table><caption>Pièces</caption><tr><th scope='col'>Pièce</th><th scope='col'>Format</th></tr>"
                     + "".join(f"<tr><td>Pièce {k}</td><td>PDF</td></tr>" for k in range(3)) + "</table>")
        parts.append("<ul>" + "".join(f"<li><a href='/doc/{i}/{s}/{k}'>Document {k}</a></li>" for k in range(3)) + "</ul>")
    if "alt" in defects:
        parts.append("<img src='data:image/gif;base64,R0lGODlhAQABAAAAACw=' width='5' height='5'>")
    if "contrast" in defects:
        parts.append("<p style='color:#bbb;background:#fff'>Texte pâle</p>")
    if "empty_link" in defects:
        parts.append("<a href='/x'><span></span></a>")
    parts.append("</main><footer><p>Accessibilité : non conforme</p></footer></body></html>")
    return "".join(parts)


class PeakRss:
    """Samples the RSS of this process and all its descendants (Chromium included), and the CPU
    time they used: on a shared machine CPU seconds per page say more than wall time does."""

    def __init__(self, interval: float = 0.25):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()
        self.last = 0  # the process tree's size at the last sample
        self._cpu: dict[int, float] = {}  # pid → CPU seconds at its last sample (a process that ended keeps its last)
        self._cpu_start = 0.0
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def size(proc: psutil.Process) -> int:
        return proc.memory_info().rss

    @property
    def cpu_s(self) -> float:
        return sum(self._cpu.values()) - self._cpu_start

    def _sample(self, me: psutil.Process) -> None:
        total = 0
        for proc in [me, *me.children(recursive=True)]:
            try:
                times = proc.cpu_times()
                self._cpu[proc.pid] = times.user + times.system
                total += self.size(proc)
            except psutil.Error:
                pass
        self.last = total
        self.peak = max(self.peak, total)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            self._sample(me)
            self._stop.wait(self.interval)
        self._sample(me)

    def start(self) -> None:
        me = psutil.Process()
        for proc in [me, *me.children(recursive=True)]:
            try:
                times = proc.cpu_times()
                self._cpu[proc.pid] = times.user + times.system
            except psutil.Error:
                pass
        self._cpu_start = sum(self._cpu.values())
        self._thread.start()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


class PeakPss(PeakRss):
    """Proportional set size summed over the process tree: shared pages counted once in total.
    Read from ``/proc/<pid>/smaps_rollup`` (one line per kind, not one per mapping as ``smaps``),
    so sampling Chromium's processes four times a second costs the crawl little."""

    @staticmethod
    def size(proc: psutil.Process) -> int:
        try:
            with open(f"/proc/{proc.pid}/smaps_rollup", "rb") as rollup:
                for line in rollup:
                    if line.startswith(b"Pss:"):
                        return int(line.split()[1]) * 1024
        except OSError as error:
            raise psutil.NoSuchProcess(proc.pid) from error
        return 0


def prepare(base_url: str, count: int, workdir: Path, checks: bool = True, name: str = ""):
    os.environ["RGAA_TRACKER_DATABASE_URL"] = f"sqlite:///{workdir / f'bench-{count}-{name}{checks}-{time.monotonic_ns()}.db'}"
    os.environ["RGAA_TRACKER_CHECKS__ENABLED"] = "true" if checks else "false"
    os.environ["RGAA_TRACKER_AUDITS_DIR"] = str(workdir / "audits")
    os.environ["RGAA_TRACKER_CRAWL__PAGES_PER_DEMARCHE"] = "1"
    get_settings.cache_clear()
    settings = get_settings()
    engine = db.ensure_schema(db.make_engine(settings.database_url))
    catalogue = workdir / "catalogue.csv"
    catalogue.write_text("id;titre;ministere;url\n" + "".join(f"d{i};Démarche {i};MEF;{base_url}/p/{i}\n" for i in range(count)), encoding="utf-8")
    with db.session_scope(engine) as session:
        import_demarches(session=session, path=catalogue)
    return engine, settings


def crawl_once(base_url: str, count: int, concurrency: int, workdir: Path, checks: bool = True, engine=None, memory=PeakRss,
               checkpoint: int = 0, progress: int = 0) -> dict:
    """One crawl; with ``checkpoint``, the tree's peak memory up to that many pages stored is kept
    too; with ``progress``, the memory so far is printed every that many pages (a long run
    stopped early still says something)."""
    if engine is None:
        engine, settings = prepare(base_url, count, workdir, checks)
    else:
        settings = get_settings()
    phases: dict[str, list[float]] = {}
    stored = [0]
    at_checkpoint: dict[str, float] = {}

    def on_result(result) -> None:
        for phase, ms in result.phases.items():
            phases.setdefault(phase, []).append(ms)
        stored[0] += 1
        if checkpoint and stored[0] == checkpoint:
            at_checkpoint.update(peak_mb=rss.peak / 2**20, now_mb=rss.last / 2**20)
        if progress and stored[0] % progress == 0:
            print(f"  {stored[0]} pages: peak {rss.peak / 2**20:.0f} MiB, now {rss.last / 2**20:.0f} MiB, "
                  f"{stored[0] / (time.perf_counter() - started) * 60:.1f} pages/min", flush=True)

    with memory() as rss:
        started = time.perf_counter()
        run = run_crawl(engine=engine, settings=settings, concurrency=concurrency, trigger="bench", on_result=on_result)
        elapsed = time.perf_counter() - started
    from sqlmodel import Session, func, select

    from rgaa_tracker.models import PageAudit

    from rgaa_tracker.models import CriterionResult

    with Session(engine) as session:
        violations = session.exec(select(func.sum(PageAudit.violations_count)).where(PageAudit.run_id == run.id)).one()
        reused = session.exec(select(func.count()).select_from(PageAudit).where(PageAudit.run_id == run.id, PageAudit.reused_from_id.is_not(None))).one()
        criteria = set(session.exec(select(PageAudit.url, CriterionResult.criterion)
                                    .join(CriterionResult, CriterionResult.page_audit_id == PageAudit.id)
                                    .where(PageAudit.run_id == run.id, CriterionResult.status == "non_conforme")).all())
    return {"pages": run.pages_total, "failed": run.pages_failed, "seconds": elapsed, "engine": engine, "reused": reused,
            "ppm": run.pages_total / elapsed * 60, "peak_rss_mb": rss.peak / 2**20, "violations": violations,
            "cpu_ms_per_page": rss.cpu_s / max(1, run.pages_total) * 1000, "checkpoint": at_checkpoint,
            "criteria": criteria, "phases": {k: statistics.mean(v) for k, v in phases.items()}}


async def plain_loop(urls: list[str], concurrency: int, memory=PeakRss) -> dict:
    """What a newcomer writes first: Playwright, one page per worker, inject axe, run it in full."""
    from playwright.async_api import async_playwright

    from rgaa_tracker import audit
    from rgaa_tracker.browser import launch
    from rgaa_tracker.rgaa import axe_script

    source = axe_script()
    pending = list(urls)
    criteria: set[tuple[str, str]] = set()
    async with async_playwright() as playwright:
        browser = await launch(playwright, get_settings())

        async def worker() -> None:
            page = await browser.new_page()
            while pending:
                url = pending.pop()
                await page.goto(url, wait_until="load")
                await page.evaluate(source)
                results = await page.evaluate("() => axe.run(document)")
                statuses = audit.criteria_statuses(results, [])
                criteria.update((url, number) for number, status in statuses.items() if status == audit.NON_CONFORME)
            await page.close()

        with memory() as sampler:
            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed = time.perf_counter() - started
        await browser.close()
    return {"pages": len(urls), "seconds": elapsed, "ppm": len(urls) / elapsed * 60, "criteria": criteria,
            "cpu_ms_per_page": sampler.cpu_s / len(urls) * 1000, "peak_rss_mb": sampler.peak / 2**20}


def sampled_pss() -> PeakPss:
    """PSS once a second, the same for the three runs: reading ``smaps_rollup`` of a dozen
    Chromium processes four times a second costs the sampling process (counted in the tree)
    enough CPU to tilt the comparison against whichever run it samples."""
    return PeakPss(interval=1.0)


def versus_plain(args) -> None:
    """The figures of issue #20: the plain loop, the crawl and a second crawl on the same distinct
    URLs, ``--rounds`` times in turn (each round sees the machine as it is then), with medians."""
    concurrency = max(args.concurrency)
    rng = random.Random(42)
    pages = {f"/p/{i}": make_page(i, rng, args.scripted) for i in range(args.pages)}
    scripted = sum(SCRIPT in html for html in pages.values())
    print(f"corpus: {args.pages} distinct generated pages ({scripted} with a script), concurrency {concurrency}, "
          f"{os.cpu_count()} CPU(s), {args.rounds} round(s)")
    rounds: list[tuple[dict, dict, dict]] = []
    with demo.serve(pages) as base_url, tempfile.TemporaryDirectory() as tmp:
        urls = [f"{base_url}/p/{i}" for i in range(args.pages)]
        for number in range(1, args.rounds + 1):
            plain = asyncio.run(plain_loop(urls, concurrency, memory=sampled_pss))
            print(f"round {number}: plain Playwright + axe loop (full axe): {plain['pages']} pages in {plain['seconds']:.1f} s = "
                  f"{plain['ppm']:.1f} pages/min; CPU {plain['cpu_ms_per_page']:.0f} ms per page (process tree); "
                  f"peak PSS {plain['peak_rss_mb']:.0f} MiB", flush=True)
            first = crawl_once(base_url, args.pages, concurrency, Path(tmp), memory=sampled_pss)
            print(f"round {number}: rgaa-tracker crawl, defaults (checks on): {first['pages']} pages in {first['seconds']:.1f} s = "
                  f"{first['ppm']:.1f} pages/min = {first['ppm'] / plain['ppm']:.2f}× the plain loop; peak PSS {first['peak_rss_mb']:.0f} MiB; "
                  f"{first['failed']} failed; CPU {first['cpu_ms_per_page']:.0f} ms per page", flush=True)
            second = crawl_once(base_url, args.pages, concurrency, Path(tmp), engine=first["engine"], memory=sampled_pss)
            print(f"round {number}: second crawl, pages unchanged: {second['pages']} pages ({second['reused']} reused) in "
                  f"{second['seconds']:.1f} s = {second['ppm']:.1f} pages/min = {second['ppm'] / first['ppm']:.2f}× the first crawl, "
                  f"{second['ppm'] / plain['ppm']:.2f}× the plain loop; peak PSS {second['peak_rss_mb']:.0f} MiB; "
                  f"CPU {second['cpu_ms_per_page']:.0f} ms per page = {first['cpu_ms_per_page'] / second['cpu_ms_per_page']:.2f}× less than the first",
                  flush=True)
            found_by_axe = plain["criteria"]
            print(f"round {number}: RGAA criteria non conformes (page, criterion): plain loop {len(found_by_axe)}, crawl {len(first['criteria'])}, "
                  f"second crawl {len(second['criteria'])}; found by the plain loop and missed by the crawl: {len(found_by_axe - first['criteria'])}; "
                  f"second crawl identical to the first: {second['criteria'] == first['criteria']}")
            for label, result in (("first", first), ("second", second)):
                phases = result["phases"]
                print(f"round {number}: mean ms per page, {label} crawl: " + ", ".join(f"{k} {v:.0f}" for k, v in phases.items())
                      + f" (sum {sum(phases.values()):.0f}; wall time per page × concurrency "
                      f"{result['seconds'] / result['pages'] * concurrency * 1000:.0f})")
            rounds.append((plain, first, second))
    median = statistics.median
    print(f"median of {len(rounds)} round(s): plain loop {median(p['ppm'] for p, _, _ in rounds):.1f} pages/min, "
          f"crawl {median(f['ppm'] for _, f, _ in rounds):.1f} = {median(f['ppm'] / p['ppm'] for p, f, _ in rounds):.2f}× the plain loop, "
          f"second crawl {median(s['ppm'] for _, _, s in rounds):.1f} = {median(s['ppm'] / f['ppm'] for _, f, s in rounds):.2f}× the first; "
          f"CPU per page: plain {median(p['cpu_ms_per_page'] for p, _, _ in rounds):.0f} ms, "
          f"crawl {median(f['cpu_ms_per_page'] for _, f, _ in rounds):.0f} ms, second {median(s['cpu_ms_per_page'] for _, _, s in rounds):.0f} ms")


async def measure_limit(base_url: str, count: int) -> dict:
    """Navigation + axe.run per page in one reused tab, sequential: what the work itself costs."""
    from playwright.async_api import async_playwright

    from rgaa_tracker.browser import axe_options, launch
    from rgaa_tracker.rgaa import axe_script

    settings = get_settings()
    nav, axe = [], []
    async with async_playwright() as playwright:
        browser = await launch(playwright, settings)
        page = await browser.new_page()
        for i in range(count):
            t0 = time.perf_counter()
            await page.goto(f"{base_url}/p/{i}", wait_until="load")
            t1 = time.perf_counter()
            await page.evaluate(axe_script())
            t2 = time.perf_counter()
            await page.evaluate("(o) => axe.run(document, o)", axe_options(settings))
            t3 = time.perf_counter()
            nav.append(t1 - t0)
            axe.append(t3 - t2)
        await browser.close()
    per_page = statistics.mean(nav) + statistics.mean(axe)
    return {"nav_s": statistics.mean(nav), "axe_s": statistics.mean(axe), "axe_median_s": statistics.median(axe), "limit_ppm": 60 / per_page}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--memory-pages", type=int, default=0,
                        help="only crawl this many distinct pages at the highest concurrency: PSS of the process tree at --pages pages vs at the end")
    parser.add_argument("--checks-cost", type=int, default=0, metavar="ROUNDS",
                        help="only compare the crawl with and without our RGAA checks, alternating, ROUNDS times each")
    parser.add_argument("--versus-plain", action="store_true", help="issue #20: plain loop vs crawl vs second (incremental) crawl, one run")
    parser.add_argument("--scripted", type=float, default=0.0, metavar="SHARE",
                        help="with --versus-plain: this share of the pages (0 to 1) runs a script that changes the page once loaded")
    parser.add_argument("--rounds", type=int, default=1, help="with --versus-plain: the three runs this many times in turn, then medians")
    args = parser.parse_args()
    if args.versus_plain:
        versus_plain(args)
        return
    if args.checks_cost:
        compare_checks(args)
        return
    if args.memory_pages:
        memory_run(args)
        return
    total = max(args.pages, args.memory_pages)
    rng = random.Random(42)
    pages = {f"/p/{i}": make_page(i, rng) for i in range(total)}
    print(f"corpus: {total} generated pages, {os.cpu_count()} CPU(s)")
    with demo.serve(pages) as base_url, tempfile.TemporaryDirectory() as tmp:
        limit = asyncio.run(measure_limit(base_url, args.pages))
        print(f"limit: navigation {limit['nav_s']:.3f} s + axe.run {limit['axe_s']:.3f} s (median {limit['axe_median_s']:.3f}) per page "
              f"= {limit['limit_ppm']:.1f} pages/min sequential")
        results = {}
        for concurrency in args.concurrency:
            r = crawl_once(base_url, args.pages, concurrency, Path(tmp))
            results[concurrency] = r
            print(f"concurrency {concurrency}: {r['pages']} pages in {r['seconds']:.1f} s = {r['ppm']:.1f} pages/min "
                  f"({r['ppm'] / limit['limit_ppm']:.2f}× limit, {r['ppm'] / results[args.concurrency[0]]['ppm']:.2f}× first), "
                  f"peak RSS {r['peak_rss_mb']:.0f} MiB, {r['violations']} violations, {r['failed']} failed")


def memory_run(args) -> None:
    """Issue #20: is memory flat over a long crawl? One crawl of ``--memory-pages`` distinct pages
    with the defaults; PSS of the whole process tree (Python, the Playwright driver, every
    Chromium process) at its peak over the first ``--pages`` pages, and over the whole crawl."""
    concurrency = max(args.concurrency)
    rng = random.Random(42)
    pages = {f"/p/{i}": make_page(i, rng) for i in range(args.memory_pages)}
    print(f"corpus: {args.memory_pages} distinct generated pages, concurrency {concurrency}, {os.cpu_count()} CPU(s)", flush=True)
    with demo.serve(pages) as base_url, tempfile.TemporaryDirectory() as tmp:
        run = crawl_once(base_url, args.memory_pages, concurrency, Path(tmp), memory=PeakPss, checkpoint=args.pages, progress=100)
    small = run["checkpoint"]
    print(f"memory: peak PSS {small['peak_mb']:.0f} MiB over the first {args.pages} pages (PSS {small['now_mb']:.0f} MiB then), "
          f"{run['peak_rss_mb']:.0f} MiB over all {run['pages']} pages (ratio {run['peak_rss_mb'] / small['peak_mb']:.2f}); "
          f"{run['ppm']:.1f} pages/min; {run['failed']} failed")


def compare_checks(args) -> None:
    """Seconds per page with our RGAA checks and without, side by side in one run: the rounds
    alternate so that both see the same machine."""
    rng = random.Random(42)
    pages = {f"/p/{i}": make_page(i, rng) for i in range(args.pages)}
    concurrency = max(args.concurrency)
    print(f"corpus: {args.pages} generated pages, concurrency {concurrency}, {args.checks_cost} round(s) each")
    per_page: dict[bool, list[float]] = {True: [], False: []}
    with demo.serve(pages) as base_url, tempfile.TemporaryDirectory() as tmp:
        for _round in range(args.checks_cost):
            for checks in (False, True):
                r = crawl_once(base_url, args.pages, concurrency, Path(tmp), checks=checks)
                per_page[checks].append(r["seconds"] / r["pages"])
                print(f"  checks {'on ' if checks else 'off'}: {r['pages']} pages in {r['seconds']:.1f} s, {r['violations']} violations")
    without, with_checks = statistics.median(per_page[False]), statistics.median(per_page[True])
    print(f"median time per page: without our checks {without:.3f} s, with them {with_checks:.3f} s "
          f"(+{(with_checks / without - 1) * 100:.0f} %)")


if __name__ == "__main__":
    main()
