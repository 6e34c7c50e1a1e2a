"""The bench data set of issues #4 and #6: 250 démarches, 20 ministries, 5 years of declarations
and 2 years of nightly crawls, generated straight into a database (SQLite or PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from pathlib import Path

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rgaa_tracker import db  # noqa: E402
from rgaa_tracker.models import CriterionResult, CrawlRun, Declaration, Demarche, Ministry, PageAudit, RuleResult  # noqa: E402

END = dt.date(2026, 11, 1)
COVERED = ["1.1", "3.2", "6.2", "8.3", "8.5", "9.2", "9.3", "11.1", "11.9", "12.7", "2.1", "10.8"]


def generate(database_url: str, *, demarches: int = 250, ministries: int = 20, crawl_days: int = 730, seed: int = 7) -> dict:
    """Fill an empty database; returns counts. Bulk inserts: this is about reading speed."""
    rng = random.Random(seed)
    engine = db.ensure_schema(db.make_engine(database_url))
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(Ministry), [{"code": f"M{m:02d}", "name": f"Ministère {m}"} for m in range(ministries)])
        now = dt.datetime.now(dt.UTC)
        conn.execute(insert(Demarche), [
            {"id": f"d{i:03d}", "title": f"Démarche {i}", "ministry_code": f"M{i % ministries:02d}", "url": f"http://127.0.0.1/d{i}",
             "annual_volume": rng.randint(1_000, 5_000_000), "listed_on": END - dt.timedelta(days=rng.randint(0, 6 * 365)) if i % 5 else None,
             "active": True, "updated_at": now}
            for i in range(demarches)
        ])
        declarations = []
        for i in range(demarches):
            day = END - dt.timedelta(days=5 * 365)
            while day < END:
                day += dt.timedelta(days=rng.randint(120, 500))
                if day >= END:
                    break
                declarations.append({"demarche_id": f"d{i:03d}", "provenance": rng.choice(["import", "crawl"]),
                                     "status": rng.choice(["non", "partiellement", "totalement"]), "rate": round(rng.uniform(10, 100), 1),
                                     "published_on": day if rng.random() > 0.1 else None, "audited_on": day - dt.timedelta(days=30),
                                     "recorded_at": now, "url": f"http://127.0.0.1/d{i}/accessibilite"})
        conn.execute(insert(Declaration), declarations)
        pages = criteria = rules = 0
        page_id = 0
        for n in range(crawl_days):
            run_start = dt.datetime.combine(END - dt.timedelta(days=crawl_days - n), dt.time(2), tzinfo=dt.UTC)
            run_id = conn.execute(insert(CrawlRun).values(status="finished", started_at=run_start, finished_at=run_start + dt.timedelta(hours=1),
                                                          trigger="bench", axe_version="4.12.1", hostname="bench", pages_total=demarches * 2,
                                                          pages_failed=0)).inserted_primary_key[0]
            page_rows, criterion_rows, rule_rows = [], [], []
            for i in range(demarches):
                for role in ("start", "statement"):
                    page_id += 1
                    failed = rng.random() < 0.03
                    page_rows.append({"id": page_id, "run_id": run_id, "demarche_id": f"d{i:03d}", "role": role, "url": f"http://127.0.0.1/d{i}/{role}",
                                      "http_status": 500 if failed else 200, "error_code": "http_error" if failed else None,
                                      "error": "le serveur a répondu HTTP 500" if failed else None, "violations_count": 0, "audited_at": run_start})
                    if failed:
                        continue
                    for criterion in rng.sample(COVERED, k=rng.choice([0, 1, 2, 3])):
                        criterion_rows.append({"page_audit_id": page_id, "criterion": criterion, "status": "non_conforme", "nodes": rng.randint(1, 9)})
                        rule_rows.append({"page_audit_id": page_id, "rule": f"rule-{criterion}", "outcome": "violation", "impact": "serious",
                                          "criteria": criterion, "nodes": 1, "help": ""})
            conn.execute(insert(PageAudit), page_rows)
            if criterion_rows:
                conn.execute(insert(CriterionResult), criterion_rows)
                conn.execute(insert(RuleResult), rule_rows)
            pages, criteria, rules = pages + len(page_rows), criteria + len(criterion_rows), rules + len(rule_rows)
    with engine.begin() as conn:  # fresh bulk loads have no planner statistics; autovacuum would add them
        conn.execute(text("ANALYZE"))
    return {"demarches": demarches, "ministries": ministries, "declarations": len(declarations), "runs": crawl_days,
            "pages": pages, "criterion_results": criteria, "seconds": time.perf_counter() - started}
