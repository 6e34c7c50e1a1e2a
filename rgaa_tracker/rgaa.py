"""The RGAA 4.1 reference table and the axe-core → RGAA mapping read from the axe build in use.

The table is our own (number, theme, short French title, the numbers of its tests, link to the
official text); the mapping is never written by hand: axe-core tags each mapped rule ``RGAA-<theme>.<crit>.<test>``
and those tags move between axe releases (4.11.1 moved three rules), so we read them from the
script we actually inject. Where a tag says more or less than its rule checks, ``audit``
corrects it (``audit.CORRECTIONS``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

OFFICIAL_BASE_URL = "https://accessibilite.numerique.gouv.fr/methode/criteres-et-tests/"
RGAA_TAG = re.compile(r"^RGAA-(\d+)\.(\d+)\.(\d+)$")
TEST_COUNT = 258  # RGAA 4.1.2: 13 themes, 106 criteria, 258 tests
# In axe.min.js each rule is an object literal starting {id:"rule-id",... tags:[...]
_AXE_RULE = re.compile(r'\{id:"([a-z0-9-]+)",(?:[^{}]|\{[^{}]*\})*?tags:\[([^\]]*)\]')
_AXE_VERSION = re.compile(r"axe v(\d+\.\d+\.\d+)")


@dataclass(frozen=True)
class Criterion:
    number: str
    theme_number: int
    theme: str
    title: str
    tests: tuple[str, ...] = ()  # "1.1.1" … in order

    @property
    def url(self) -> str:
        return f"{OFFICIAL_BASE_URL}#{self.number}"

    @property
    def tested_by(self) -> dict[str, list[str]]:
        """What tests this criterion automatically: ``{"axe": [rules], "rgaa-tracker": [check ids]}``."""
        from .coverage import tested_by

        return tested_by(self.number)

    @property
    def tested_by_text(self) -> str:
        """The same, as the French sentence the report and the web pages show."""
        from .coverage import tested_by_text

        return tested_by_text(self.number)

    @property
    def sort_key(self) -> tuple[int, int]:
        return criterion_sort_key(self.number)


def criterion_sort_key(number: str) -> tuple[int, int]:
    theme, crit = number.split(".")
    return int(theme), int(crit)


@lru_cache(maxsize=1)
def criteria() -> dict[str, Criterion]:
    """All 106 criteria in RGAA order, keyed by number ("1.1" … "13.12")."""
    text = resources.files("rgaa_tracker.data").joinpath("rgaa_criteria.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines(), delimiter=";")
    table = [
        Criterion(r["criterion"], int(r["theme_number"]), r["theme"], r["title"], tuple(r["tests"].split())) for r in rows
    ]
    table.sort(key=lambda c: c.sort_key)
    return {c.number: c for c in table}


def themes() -> dict[int, str]:
    return {c.theme_number: c.theme for c in criteria().values()}


@lru_cache(maxsize=1)
def tests() -> tuple[str, ...]:
    """All 258 test numbers in RGAA order ("1.1.1" … "13.12.3")."""
    return tuple(test for c in criteria().values() for test in c.tests)


def criterion_of_test(test: str) -> str:
    """``"11.5.1"`` → ``"11.5"``."""
    return test.rsplit(".", 1)[0]


def sort_key_of_test(test: str) -> tuple[int, int, int]:
    theme, crit, number = test.split(".")
    return int(theme), int(crit), int(number)


def criterion_of_tag(tag: str) -> str | None:
    """``"RGAA-1.1.2"`` → ``"1.1"``; any other tag → None."""
    match = RGAA_TAG.match(tag)
    return f"{match.group(1)}.{match.group(2)}" if match else None


def criteria_of_tags(tags: list[str]) -> list[str]:
    found = {c for c in map(criterion_of_tag, tags) if c}
    return sorted(found, key=criterion_sort_key)


def tests_of_tags(tags: list[str]) -> list[str]:
    """``["wcag2a", "RGAA-1.1.2"]`` → ``["1.1.2"]``: the tests an axe rule's tags point at."""
    found = {".".join(match.groups()) for match in map(RGAA_TAG.match, tags) if match}
    return sorted(found, key=sort_key_of_test)


@lru_cache(maxsize=1)
def axe_script() -> str:
    from axe_playwright_python.base import AXE_SCRIPT

    return AXE_SCRIPT


def axe_version(script: str | None = None) -> str:
    match = _AXE_VERSION.search((script or axe_script())[:200])
    return match.group(1) if match else "inconnue"


def axe_rule_tags(script: str | None = None) -> dict[str, list[str]]:
    """Rule id → its tags, for every rule of the axe build."""
    return {rule_id: [t.strip().strip('"') for t in tag_list.split(",") if t.strip()]
            for rule_id, tag_list in _AXE_RULE.findall(script or axe_script())}


@lru_cache(maxsize=1)
def bundled_axe_tags() -> dict[str, list[str]]:
    return axe_rule_tags()


def axe_rule_mapping(script: str | None = None) -> dict[str, list[str]]:
    """Rule id → RGAA criteria, parsed from the axe build (only rules with RGAA tags)."""
    mapping: dict[str, list[str]] = {}
    for rule_id, tags in axe_rule_tags(script).items():
        found = criteria_of_tags(tags)
        if found:
            mapping[rule_id] = found
    return mapping


def axe_test_mapping(script: str | None = None) -> dict[str, list[str]]:
    """Rule id → the RGAA tests its tags name (only rules with RGAA tags), before corrections."""
    tags = axe_rule_tags(script) if script is not None else bundled_axe_tags()
    return {rule_id: found for rule_id, rule_tags in tags.items() if (found := tests_of_tags(rule_tags))}


@lru_cache(maxsize=1)
def bundled_axe_mapping() -> dict[str, list[str]]:
    return axe_rule_mapping()


def covered_criteria(mapping: dict[str, list[str]] | None = None) -> set[str]:
    """Criteria that at least one axe rule checks; the others are ``non_couvert``."""
    mapping = bundled_axe_mapping() if mapping is None else mapping
    return {c for crits in mapping.values() for c in crits}
