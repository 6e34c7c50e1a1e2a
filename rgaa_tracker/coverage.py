"""Which RGAA 4.1.2 tests are decided automatically, and by what.

For each of the 258 tests: the axe-core rules that decide it (the test tags of the bundled axe
build, corrected by ``audit.CORRECTIONS``) and our own checks (``checks.registry()``: their
``tests`` and ``verdicts``); a test neither decides is manual. Rules axe-core does not run by
default (experimental, deprecated) are listed apart and never counted. The report and the web
pages say per criterion what tests it (``tested_by``); ``python -m rgaa_tracker.coverage >
docs/rgaa-coverage.md`` writes the French document (``tests/test_coverage.py`` keeps it current).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from . import audit
from .checks import registry
from .rgaa import axe_version, bundled_axe_tags, criteria, criterion_of_test, sort_key_of_test, tests, tests_of_tags, themes

AXE = "axe"
OURS = "rgaa-tracker"
MANUAL = "manuel"
SOURCE_NAMES = {AXE: "axe-core", OURS: "rgaa-tracker"}
VERDICT_LABELS = {audit.NON_CONFORME: "non conforme", audit.A_VERIFIER: "à vérifier"}
STATUS_LABELS = {audit.NON_CONFORME: "non conforme", audit.A_VERIFIER: "à vérifier", audit.SANS_ANOMALIE: "sans anomalie",
                 audit.NON_APPLICABLE: "non applicable", None: "ignoré"}
NOT_RUN_TAGS = ("experimental", "deprecated")  # axe-core leaves these rules off unless asked
DEFAULT_AXE_VERDICTS = (audit.NON_CONFORME, audit.A_VERIFIER)


@dataclass(frozen=True)
class Decider:
    """One axe-core rule or one of our checks, with the verdicts it may give a test."""

    source: str  # "axe" | "rgaa-tracker"
    id: str
    verdicts: tuple[str, ...]

    @property
    def label(self) -> str:
        if self.source == AXE and self.verdicts == DEFAULT_AXE_VERDICTS:
            return self.id
        return f"{self.id} ({', '.join(VERDICT_LABELS[v] for v in self.verdicts)})"


@dataclass(frozen=True)
class CoverageEntry:
    test: str
    axe: tuple[Decider, ...]
    ours: tuple[Decider, ...]

    @property
    def manual(self) -> bool:
        return not self.axe and not self.ours

    @property
    def by(self) -> str:
        names = [SOURCE_NAMES[source] for source, found in ((AXE, self.axe), (OURS, self.ours)) if found]
        return " et ".join(names) or MANUAL


def runs_by_default(tags: Iterable[str]) -> bool:
    return not any(tag in NOT_RUN_TAGS for tag in tags)


def axe_rule_tests(tags_by_rule: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Rule → the RGAA tests it decides (its correction's, else its tag's), for the rules of the build."""
    tags_by_rule = bundled_axe_tags() if tags_by_rule is None else tags_by_rule
    found: dict[str, list[str]] = {}
    for rule_id, tags in tags_by_rule.items():
        fix = audit.CORRECTIONS.get(rule_id)
        rule_tests = list(fix.tests) if fix is not None else tests_of_tags(tags)
        if rule_tests:
            found[rule_id] = rule_tests
    return found


def axe_verdicts(rule_id: str) -> tuple[str, ...]:
    """What an axe rule's failing or incomplete result may make of its tests, after corrections."""
    found = {audit.rule_status(rule_id, kind) for kind in ("violations", "incomplete")}
    return tuple(v for v in DEFAULT_AXE_VERDICTS if v in found)


@lru_cache(maxsize=1)
def coverage() -> dict[str, CoverageEntry]:
    """All 258 tests → what decides them, in RGAA order."""
    tags_by_rule = bundled_axe_tags()
    by_axe: dict[str, list[Decider]] = {test: [] for test in tests()}
    for rule_id, rule_tests in sorted(axe_rule_tests(tags_by_rule).items()):
        if not runs_by_default(tags_by_rule[rule_id]):
            continue
        verdicts = axe_verdicts(rule_id)
        for test in rule_tests:
            if verdicts:
                by_axe.setdefault(test, []).append(Decider(AXE, rule_id, verdicts))
    by_ours: dict[str, list[Decider]] = {test: [] for test in tests()}
    for check in sorted(registry(), key=lambda c: c.id):
        for test in check.tests:
            verdicts = tuple(v for v in DEFAULT_AXE_VERDICTS if v in check.verdicts_for(test))
            by_ours.setdefault(test, []).append(Decider(OURS, check.id, verdicts))
    unknown = (set(by_axe) | set(by_ours)) - set(tests())
    if unknown:
        raise ValueError(f"tests absent from RGAA 4.1.2: {sorted(unknown, key=sort_key_of_test)}")
    return {test: CoverageEntry(test, tuple(by_axe[test]), tuple(by_ours[test])) for test in tests()}


def not_run_rules() -> dict[str, list[str]]:
    """axe rules with RGAA tests that axe-core does not run by default: rule → tests."""
    tags_by_rule = bundled_axe_tags()
    return {rule_id: found for rule_id, found in sorted(axe_rule_tests(tags_by_rule).items())
            if not runs_by_default(tags_by_rule[rule_id])}


def tested_by(criterion: str) -> dict[str, list[str]]:
    """``{"axe": [rules], "rgaa-tracker": [check ids]}``: what tests a criterion automatically."""
    axe: dict[str, None] = {}
    ours: dict[str, None] = {}
    for test in criteria()[criterion].tests:
        entry = coverage()[test]
        axe.update(dict.fromkeys(d.id for d in entry.axe))
        ours.update(dict.fromkeys(d.id for d in entry.ours))
    return {AXE: sorted(axe), OURS: sorted(ours)}


def tested_by_text(criterion: str) -> str:
    """The French words for ``tested_by``: "axe-core (rule, …), rgaa-tracker (check, …)"."""
    found = tested_by(criterion)
    parts = [f"{SOURCE_NAMES[source]} ({', '.join(ids)})" for source, ids in found.items() if ids]
    return ", ".join(parts) or "aucun test automatique (vérification manuelle)"


@dataclass(frozen=True)
class ThemeSummary:
    number: int | None  # None: all themes
    name: str
    tests: int
    axe: int
    ours: int
    automated: int

    @property
    def manual(self) -> int:
        return self.tests - self.automated


def _summary(number: int | None, name: str, entries: list[CoverageEntry]) -> ThemeSummary:
    return ThemeSummary(number, name, len(entries), sum(1 for e in entries if e.axe), sum(1 for e in entries if e.ours),
                        sum(1 for e in entries if not e.manual))


def summary() -> list[ThemeSummary]:
    """Per theme, then all themes: tests, tests decided by axe-core, by our checks, by either."""
    entries = list(coverage().values())
    rows = [_summary(number, name, [e for e in entries if criteria()[criterion_of_test(e.test)].theme_number == number])
            for number, name in themes().items()]
    return [*rows, _summary(None, "Total", entries)]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def document() -> str:
    """docs/rgaa-coverage.md (French)."""
    lines = [
        "# Couverture des tests du RGAA 4.1.2 par les tests automatiques",
        "",
        "<!-- Fichier généré par « python -m rgaa_tracker.coverage > docs/rgaa-coverage.md » : ne pas le modifier à la main. -->",
        "",
        f"Le RGAA 4.1.2 compte {len(tests())} tests répartis en {len(criteria())} critères. Pour chacun, ce document dit ce qui "
        f"peut en juger automatiquement : les règles d'axe-core {axe_version()} (version embarquée), rattachées aux tests par "
        "leurs étiquettes `RGAA-x.y.z` et corrigées là où une étiquette en dit trop ou trop peu, et les tests propres à "
        "rgaa-tracker. Un test qu'aucun des deux ne juge est **manuel** : seule une personne peut le vérifier.",
        "",
        "Être couvert ne veut pas dire être vérifié en entier : un test automatique repère certains défauts d'un test RGAA "
        "(verdict « non conforme ») ou signale ce qu'une personne doit regarder (« à vérifier ») ; il ne conclut jamais "
        "qu'un test est satisfait. Ces chiffres ne sont pas un taux de conformité.",
        "",
        "Une règle d'axe-core peut conclure « non conforme » (échec) ou « à vérifier » (résultat incomplet), sauf mention "
        "entre parenthèses. Pour les tests de rgaa-tracker, les verdicts possibles sont toujours indiqués.",
        "",
        "## Synthèse par thématique",
        "",
        "| Thématique | Tests | Jugés par axe-core | Jugés par rgaa-tracker | Jugés automatiquement (l'un ou l'autre) | Manuels |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in summary():
        name = f"{row.number}. {row.name}" if row.number is not None else f"**{row.name}**"
        lines.append(f"| {name} | {row.tests} | {row.axe} | {row.ours} | {row.automated} | {row.manual} |")
    lines += [
        "",
        "Réglages pris en compte : ceux par défaut (toutes les règles d'axe-core lancées par défaut, `crawl.axe_rules = \"all\"` ; "
        "tests de rgaa-tracker activés, `checks.enabled = true`). Avec `crawl.axe_rules = \"rgaa\"`, seules les règles "
        "étiquetées RGAA par axe-core et celles que la table de corrections rattache au RGAA sont lancées.",
        "",
        "## Corrections du rattachement d'axe-core",
        "",
        "Statut donné aux tests retenus selon le résultat de la règle (« ignoré » : ce résultat ne dit rien du critère).",
        "",
        "| Règle | Étiquette d'axe-core | Tests retenus | Échec | Incomplet | Succès | Non applicable | Pourquoi |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    tags_by_rule = bundled_axe_tags()
    for rule_id, fix in sorted(audit.CORRECTIONS.items()):
        tagged = ", ".join(tests_of_tags(tags_by_rule.get(rule_id, []))) or "aucune"
        statuses = " | ".join(STATUS_LABELS[fix.status(kind)] for kind in ("violations", "incomplete", "passes", "inapplicable"))
        lines.append(f"| {rule_id} | {tagged} | {', '.join(fix.tests)} | {statuses} | {_cell(fix.note)} |")
    not_run = not_run_rules()
    if not_run:
        lines += [
            "",
            "## Règles d'axe-core non lancées",
            "",
            "Ces règles sont rattachées au RGAA mais axe-core ne les lance pas par défaut (règles expérimentales ou "
            "dépréciées) : elles ne sont pas comptées ci-dessus.",
            "",
            "| Règle | Tests |",
            "| --- | --- |",
            *(f"| {rule_id} | {', '.join(found)} |" for rule_id, found in not_run.items()),
        ]
    lines += [
        "",
        "## Détail par test",
    ]
    entries = coverage()
    for number, name in themes().items():
        lines += [
            "",
            f"### {number}. {name}",
            "",
            "| Test | axe-core | rgaa-tracker | Jugé par |",
            "| --- | --- | --- | --- |",
        ]
        for test, entry in entries.items():
            if criteria()[criterion_of_test(test)].theme_number != number:
                continue
            axe = ", ".join(d.label for d in entry.axe) or "—"
            ours = ", ".join(d.label for d in entry.ours) or "—"
            lines.append(f"| {test} | {axe} | {ours} | {entry.by} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    sys.stdout.buffer.write(document().encode("utf-8"))  # UTF-8 whatever the locale


if __name__ == "__main__":
    main()
