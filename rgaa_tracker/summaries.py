"""Our French summary of every axe-core rule and every one of our checks.

axe's own ``help`` is English and written for developers; the people who read our pages, the
report and the CLI are ministry leads and the teams who fix the démarches. Each summary, written
by us in ``data/rule_summaries.csv``, says in one or two sentences what is wrong and how to fix
it. A test keeps the table complete against the bundled axe build and the check registry, so a
new axe release or a new check cannot show an English or empty explanation.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

AXE = "axe"
CHECKS = "rgaa-tracker"
FALLBACK = "Pas encore d'explication en français pour ce test : consultez le critère RGAA associé."


@lru_cache(maxsize=1)
def summaries() -> dict[tuple[str, str], str]:
    """(source, rule id) → French summary, read once from the package data."""
    text = resources.files("rgaa_tracker.data").joinpath("rule_summaries.csv").read_text("utf-8")
    return {(row["source"], row["rule"]): row["summary"] for row in csv.DictReader(text.splitlines(), delimiter=";")}


def summary(rule: str, source: str = AXE) -> str:
    """The summary of ``rule``; a rule unknown to the table still gets a French sentence, never
    axe's English."""
    table = summaries()
    return table.get((source, rule)) or table.get((CHECKS if source == AXE else AXE, rule)) or FALLBACK
