"""Turning one axe-core result into RGAA criterion statuses (SPEC §3). Pure: no browser.

An automated status is never a conformity verdict: ``sans_anomalie`` means only that the
automated rules found nothing, and most criteria stay ``non_couvert`` (they need a human).
"""

from __future__ import annotations

from collections.abc import Iterable

from .rgaa import criteria, criteria_of_tags, criterion_sort_key

NON_CONFORME = "non_conforme"
A_VERIFIER = "a_verifier"
SANS_ANOMALIE = "sans_anomalie"
NON_APPLICABLE = "non_applicable"
NON_COUVERT = "non_couvert"
# Worst first: a démarche takes, per criterion, the worst status over its pages.
SEVERITY = {NON_CONFORME: 4, A_VERIFIER: 3, SANS_ANOMALIE: 2, NON_APPLICABLE: 1, NON_COUVERT: 0}
LABELS = {
    NON_CONFORME: "Non conforme (anomalie détectée)",
    A_VERIFIER: "À vérifier par un auditeur",
    SANS_ANOMALIE: "Aucune anomalie détectée automatiquement",
    NON_APPLICABLE: "Non applicable d'après les tests automatiques",
    NON_COUVERT: "Non couvert par les tests automatiques",
}
_RESULT_KINDS = (
    ("violations", NON_CONFORME),
    ("incomplete", A_VERIFIER),
    ("passes", SANS_ANOMALIE),
    ("inapplicable", NON_APPLICABLE),
)


def worst(statuses: Iterable[str]) -> str:
    return max(statuses, key=SEVERITY.__getitem__, default=NON_COUVERT)


def criteria_statuses(axe_results: dict, check_statuses: Iterable[dict[str, str]] = ()) -> dict[str, str]:
    """All 106 criteria → status, from the tags carried by every axe result and the per-test
    statuses of our own checks (``{"11.5.1": "non_conforme", ...}``): the worst wins."""
    found: dict[str, set[str]] = {number: set() for number in criteria()}
    for kind, status in _RESULT_KINDS:
        for rule in axe_results.get(kind) or []:
            for number in criteria_of_tags(rule.get("tags", [])):
                found.setdefault(number, set()).add(status)
    for statuses in check_statuses:
        for test, status in statuses.items():
            found.setdefault(test.rsplit(".", 1)[0], set()).add(status)
    return {number: worst(statuses) for number, statuses in found.items()}


def merge_statuses(pages: Iterable[dict[str, str]]) -> dict[str, str]:
    """A démarche's status per criterion: the worst over its pages."""
    merged: dict[str, str] = {number: NON_COUVERT for number in criteria()}
    for page in pages:
        for number, status in page.items():
            merged[number] = worst((merged.get(number, NON_COUVERT), status))
    return merged


def violations(axe_results: dict) -> list[dict]:
    """One entry per violated rule, with the RGAA criteria it maps to (maybe none)."""
    rows = [
        {
            "rule": rule["id"],
            "impact": rule.get("impact"),
            "criteria": criteria_of_tags(rule.get("tags", [])),
            "nodes": len(rule.get("nodes") or []),
            "help": rule.get("help", ""),
        }
        for rule in axe_results.get("violations") or []
    ]
    return sorted(rows, key=lambda r: (r["criteria"] == [], r["criteria"] and criterion_sort_key(r["criteria"][0]), r["rule"]))


def non_conformes(statuses: dict[str, str]) -> list[str]:
    found = [number for number, status in statuses.items() if status == NON_CONFORME]
    return sorted(found, key=criterion_sort_key)
