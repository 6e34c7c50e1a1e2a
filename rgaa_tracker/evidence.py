"""Evidence people can read: per criterion found wanting, the offending elements of a démarche's
latest audit, read back from each page's evidence file.

The evidence file (``crawl/store.py``) keeps axe-core's results as it gave them, our checks'
findings and the list of element screenshots taken by the tab (``browser/shots.py``), stored
next to it in ``<page>.captures/``. A page that reused an earlier audit points at that audit's
file, so it shows that audit's elements and pictures. What is shown is bounded: a few elements
per rule, each HTML snippet cut, so a page with 3,000 failing links stays readable.
"""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from . import audit
from .findings import DemarcheFindings, RuleFinding
from .models import PageAudit
from .rgaa import criterion_of_test
from .summaries import CHECKS, summary

log = logging.getLogger("rgaa_tracker.evidence")
ELEMENTS_PER_RULE = 5
MAX_SNIPPET = 300
MAX_SELECTOR = 200


@dataclass(frozen=True)
class Element:
    page: PageAudit
    selector: str
    html: str
    reason: str | None  # our checks' own French reason for this element; axe's is the rule's summary
    capture: int | None  # number of its picture under the page's evidence (``capture_path``)
    width: int | None = None
    height: int | None = None


@dataclass
class RuleEvidence:
    rule: RuleFinding
    summary: str
    elements: list[Element] = field(default_factory=list)
    more: int = 0  # offending elements found but not listed


def captures_dir(evidence_path: str | Path) -> Path:
    """Where the element pictures of an evidence file live: beside it, ``<page id>.captures``."""
    path = Path(evidence_path)
    return path.with_name(path.name.removesuffix(".json.gz") + ".captures")


def capture_path(evidence_path: str | Path, number: int) -> Path:
    return captures_dir(evidence_path) / f"{number}.jpg"


def read(evidence_path: str | Path | None) -> dict | None:
    """An evidence file's content; None when it is missing or unreadable (shown as no elements)."""
    if not evidence_path:
        return None
    try:
        with gzip.open(evidence_path, "rt", encoding="utf-8") as handle:
            content = json.load(handle)
    except (OSError, ValueError, EOFError) as error:
        log.warning("evidence file unreadable %s: %s", evidence_path, error)
        return None
    return content if isinstance(content, dict) else None


def _cut(text: object, size: int) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= size else text[: size - 1] + "…"


def _selector(target: object) -> str:
    """axe's ``target``: one selector, or a path through shadow roots (shown joined)."""
    if isinstance(target, list):
        parts = [" ".join(t) if isinstance(t, list) else str(t) for t in target]
        return " ➜ ".join(parts)
    return str(target or "")


def _page_elements(content: dict, rule: RuleFinding, criterion: str) -> list[tuple[str, str, str | None]]:
    """(selector, HTML, reason) of the elements ``rule`` names in one page's evidence."""
    if rule.source == CHECKS:
        verdict = audit.NON_CONFORME if rule.outcome == "violation" else audit.A_VERIFIER
        checks = ((content.get("rgaaTracker") or {}).get("checks")) or []
        return [(f.get("selector") or "", f.get("html") or "", f.get("reason"))
                for check in checks if check.get("check") == rule.rule
                for f in check.get("findings") or []
                if f.get("verdict") == verdict and criterion_of_test(str(f.get("test") or "0.0.0")) == criterion]
    kind = "violations" if rule.outcome == "violation" else "incomplete"
    return [(_selector(node.get("target")), node.get("html") or "", None)
            for found in content.get(kind) or [] if found.get("id") == rule.rule
            for node in found.get("nodes") or []]


def criteria_elements(found: DemarcheFindings, *, per_rule: int = ELEMENTS_PER_RULE) -> dict[str, list[RuleEvidence]]:
    """Criterion → its rules with their French summary and offending elements, over the pages
    where the criterion was found wanting."""
    pages = {page.id: page for page in found.pages}
    contents: dict[int, dict | None] = {}
    result: dict[str, list[RuleEvidence]] = {}
    for entry in found.non_conformes + found.a_verifier:
        rules = []
        for rule in entry.rules:
            shown = RuleEvidence(rule, summary(rule.rule, rule.source))
            total = 0
            for page_id in dict.fromkeys(entry.page_ids):
                page = pages.get(page_id)
                if page is None:
                    continue
                if page_id not in contents:
                    contents[page_id] = read(page.evidence_path)
                content = contents[page_id]
                if content is None:
                    continue
                pictures = {(s.get("source"), s.get("rule"), s.get("selector")): s
                            for s in (content.get("rgaaTracker") or {}).get("shots") or []}
                for selector, html, reason in _page_elements(content, rule, entry.criterion):
                    total += 1
                    if len(shown.elements) >= per_rule:
                        continue
                    picture = pictures.get((rule.source, rule.rule, selector))
                    number = _number(picture)
                    shown.elements.append(Element(page, _cut(selector, MAX_SELECTOR), _cut(html, MAX_SNIPPET), reason, number,
                                                  picture.get("width") if number is not None else None,
                                                  picture.get("height") if number is not None else None))
            shown.more = max(0, total - len(shown.elements))
            rules.append(shown)
        result[entry.criterion] = rules
    return result


def _number(picture: dict | None) -> int | None:
    name = str((picture or {}).get("file") or "")
    stem = name.removesuffix(".jpg")
    return int(stem) if stem.isdigit() and name.endswith(".jpg") else None
