"""Turning one axe-core result into RGAA criterion statuses (SPEC §3). Pure: no browser.

An automated status is never a conformity verdict: ``sans_anomalie`` means only that the
automated rules found nothing, and most criteria stay ``non_couvert`` (they need a human).

axe-core's ``RGAA-x.y.z`` tags are the mapping, except where a tag says more or less than its
rule checks: ``CORRECTIONS`` is the one table of those exceptions, applied everywhere a rule
becomes a criterion status (``criteria_statuses``, the criteria of stored rule rows, the status
of a stored row in the read model) and read by the coverage document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import rgaa
from .rgaa import criteria, criterion_of_test, criterion_sort_key, sort_key_of_test, tests_of_tags

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
KIND_STATUS = dict(_RESULT_KINDS)
# A stored rule row's outcome → the kind of axe result it was.
OUTCOME_KIND = {"violation": "violations", "incomplete": "incomplete"}


@dataclass(frozen=True)
class Correction:
    """How one axe rule is read for RGAA where its ``RGAA-x.y.z`` tag says more or less.

    ``tests`` replaces the tag: every test the rule decides. Each kind of result gets a status,
    or ``None`` when that result says nothing of those tests (it is then ignored). ``per_node``
    names a ``NODE_TESTS`` helper telling which of ``tests`` one failing node is about; a node it
    cannot read falls back to the test of axe's own tag. ``note`` is French: the coverage
    document shows it.
    """

    tests: tuple[str, ...]
    note: str
    violations: str | None = NON_CONFORME
    incomplete: str | None = A_VERIFIER
    passes: str | None = SANS_ANOMALIE
    inapplicable: str | None = NON_APPLICABLE
    per_node: str | None = None

    def status(self, kind: str) -> str | None:
        return getattr(self, kind)


# The one correction table (data over code). Rules without RGAA tags in axe-core (heading-order,
# empty-heading, landmark-one-main, avoid-inline-spacing) get their tests here; rules whose pass or
# inapplicable result says nothing of the criterion have that status set to None.
CORRECTIONS: dict[str, Correction] = {
    "color-contrast": Correction(
        ("3.2.1", "3.2.2", "3.2.3", "3.2.4"), per_node="contrast",
        note="axe-core ne cite que 3.2.1 ; la règle mesure tout texte, le test dépend de la taille et de la graisse du texte "
             "(seuils du RGAA : 24 px, 18,5 px en gras)."),
    "meta-refresh": Correction(
        ("13.1.1", "13.1.2"), per_node="meta_refresh",
        note="axe-core ne cite que 13.1.2 (redirection) ; une balise meta de rafraîchissement sans adresse cible relève de 13.1.1."),
    "bypass": Correction(
        ("12.7.1",), violations=A_VERIFIER, passes=None, inapplicable=None,
        note="Son succès ne dit rien d'un lien d'évitement (un titre ou une région suffit à axe-core) : ignoré ; "
             "son échec est à vérifier."),
    "skip-link": Correction(
        ("12.7.1",), inapplicable=None,
        note="Sans lien d'accès rapide, la règle ne s'applique pas, mais le critère 12.7 si : « non applicable » ignoré."),
    "label-content-name-mismatch": Correction(
        ("6.1.5", "7.1.3", "11.9.2"), per_node="name_from_content", inapplicable=None,
        note="axe-core ne cite que 6.1.5 (liens) ; sur un bouton c'est 11.9.2, sur un autre composant d'interface 7.1.3. "
             "Règle expérimentale d'axe-core."),
    "heading-order": Correction(
        ("9.1.1",), violations=A_VERIFIER, passes=None, inapplicable=None,
        note="Sans étiquette RGAA dans axe-core. Le RGAA admet des niveaux de titre sautés si la hiérarchie reste pertinente : "
             "à vérifier seulement, jamais une anomalie ; son succès ne dit pas que la hiérarchie est pertinente."),
    "empty-heading": Correction(
        ("9.1.2",), inapplicable=None,
        note="Sans étiquette RGAA dans axe-core : un titre vide n'a pas de contenu pertinent (9.1.2). "
             "Une page sans titre n'est pas hors du critère 9.1 : « non applicable » ignoré."),
    "landmark-one-main": Correction(
        ("9.2.1",), inapplicable=None,
        note="Sans étiquette RGAA dans axe-core : la zone de contenu principal doit être structurée par `<main>` (9.2.1)."),
    "avoid-inline-spacing": Correction(
        ("10.12.1",), inapplicable=None,
        note="Sans étiquette RGAA dans axe-core : un espacement du texte imposé en ligne (`!important`) empêche l'utilisateur "
             "de le redéfinir (10.12.1). Une page sans style en ligne n'est pas hors du critère : « non applicable » ignoré."),
    "region": Correction(
        ("9.2.1",), violations=A_VERIFIER,
        note="Règle de bonne pratique d'axe-core : du contenu hors des régions n'est pas en soi une anomalie au sens du RGAA "
             "(9.2.1 demande en-tête, navigation, contenu principal et pied de page balisés) : à vérifier."),
}

# RGAA 3.2: bold text (axe's fontWeight "bold") → (size in px from which the larger-text test
# applies, test below it, test from it); text without bold the same.
CONTRAST_TESTS = {True: (18.5, "3.2.2", "3.2.4"), False: (24.0, "3.2.1", "3.2.3")}
_FONT_PX = re.compile(r"\(\s*([0-9]+(?:\.[0-9]+)?)\s*px\s*\)")


def _check_data(node: dict, check_id: str) -> dict:
    for group in ("any", "all", "none"):
        for check in node.get(group) or []:
            if isinstance(check, dict) and check.get("id") == check_id and isinstance(check.get("data"), dict):
                return check["data"]
    return {}


def contrast_test(node: dict) -> str | None:
    """The RGAA test (3.2.1–3.2.4) a ``color-contrast`` node fails, from axe-core's node data
    (``fontSize`` "12.0pt (16px)", ``fontWeight`` "bold"|"normal") and RGAA's thresholds; None
    without that data. (RGAA's bold threshold, 18.5px, is a little under WCAG's 14pt: a bold text
    of 18.5–18.6px is held by axe to 4.5:1 where RGAA asks 3:1.)"""
    data = _check_data(node, "color-contrast")
    size = _FONT_PX.search(str(data.get("fontSize") or ""))
    if size is None:
        return None
    threshold, smaller, larger = CONTRAST_TESTS[data.get("fontWeight") == "bold"]
    return larger if float(size.group(1)) >= threshold else smaller


_CONTENT = re.compile(r"""\bcontent\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_REFRESH = re.compile(r"^\s*[0-9.]*\s*(?:[;,]\s*(?:url\s*=\s*)?['\"]?\s*([^\s'\"]?))?", re.IGNORECASE)


def meta_refresh_test(node: dict) -> str | None:
    """``meta-refresh``: a delayed redirect (content names a target URL) fails 13.1.2, a refresh
    of the page itself 13.1.1; None when the node's HTML does not show its content."""
    content = _CONTENT.search(str(node.get("html") or ""))
    if content is None:
        return None
    value = next(v for v in content.groups() if v is not None)
    target = _REFRESH.match(value)
    return "13.1.2" if target and target.group(1) else "13.1.1"


_START_TAG = re.compile(r"^\s*<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>?")
_ROLE = re.compile(r"""\brole\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_NATIVE_BUTTONS = {"button", "input"}


def name_from_content_test(node: dict) -> str | None:
    """``label-content-name-mismatch``: on a link 6.1.5, on a button 11.9.2, on another interface
    component (menu item, tab…) 7.1.3; None when the node's HTML does not show the element."""
    tag = _START_TAG.match(str(node.get("html") or ""))
    if tag is None:
        return None
    role_match = _ROLE.search(tag.group(2))
    role = next((v for v in role_match.groups() if v is not None), "").split() if role_match else []
    role = role[0].lower() if role else None
    name = tag.group(1).lower()
    if role == "link" or (role is None and name == "a"):
        return "6.1.5"
    if role == "button" or (role is None and name in _NATIVE_BUTTONS):
        return "11.9.2"
    return "7.1.3"


NODE_TESTS: dict[str, Callable[[dict], str | None]] = {
    "contrast": contrast_test,
    "meta_refresh": meta_refresh_test,
    "name_from_content": name_from_content_test,
}


def criteria_of_tags(tags: list[str]) -> list[str]:
    """The criteria axe's tags name, *before* corrections: only for callers that have the tags
    and not the rule (``rule_criteria`` is the corrected answer)."""
    return rgaa.criteria_of_tags(tags)


def worst(statuses: Iterable[str]) -> str:
    return max(statuses, key=SEVERITY.__getitem__, default=NON_COUVERT)


def rule_status(rule_id: str, kind: str) -> str | None:
    """The status one axe result of ``kind`` ("violations", "incomplete", "passes",
    "inapplicable") gives the tests of its rule; None when it says nothing of them."""
    fix = CORRECTIONS.get(rule_id)
    return fix.status(kind) if fix is not None else KIND_STATUS[kind]


def rule_tests(rule: dict, kind: str) -> list[str]:
    """The RGAA tests one axe result (``{"id", "tags", "nodes"}``) decides: its tag's, or the
    correction's, per failing node where the correction says so; [] when it says nothing."""
    tag_tests = tests_of_tags(rule.get("tags", []))
    fix = CORRECTIONS.get(rule.get("id", ""))
    if fix is None:
        return tag_tests
    if fix.status(kind) is None:
        return []
    if fix.per_node is None or kind not in OUTCOME_KIND.values():
        return list(fix.tests)
    fallback = [t for t in tag_tests if t in fix.tests] or list(fix.tests)
    found: set[str] = set()
    for node in rule.get("nodes") or [{}]:
        test = NODE_TESTS[fix.per_node](node if isinstance(node, dict) else {})
        found.update([test] if test in fix.tests else fallback)
    return sorted(found, key=sort_key_of_test)


def rule_criteria(rule: dict, kind: str) -> list[str]:
    """The criteria one axe result decides (see ``rule_tests``), in RGAA order."""
    return sorted({criterion_of_test(t) for t in rule_tests(rule, kind)}, key=criterion_sort_key)


def row_status(source: str, rule_id: str, outcome: str) -> str:
    """The status of a stored rule row (outcome "violation" | "incomplete"): axe-core's rules
    through ``CORRECTIONS``, our own checks as stored."""
    kind = OUTCOME_KIND.get(outcome, "incomplete")
    status = rule_status(rule_id, kind) if source == "axe" else KIND_STATUS[kind]
    return status or A_VERIFIER


def criteria_statuses(axe_results: dict, check_statuses: Iterable[dict[str, str]] = ()) -> dict[str, str]:
    """All 106 criteria → status, from the tags carried by every axe result (corrected by
    ``CORRECTIONS``) and the per-test statuses of our own checks (``{"11.5.1": "non_conforme",
    ...}``): the worst wins."""
    found: dict[str, set[str]] = {number: set() for number in criteria()}
    for kind, _ in _RESULT_KINDS:
        for rule in axe_results.get(kind) or []:
            status = rule_status(rule.get("id", ""), kind)
            if status is None:
                continue
            for number in rule_criteria(rule, kind):
                found.setdefault(number, set()).add(status)
    for statuses in check_statuses:
        for test, status in statuses.items():
            found.setdefault(criterion_of_test(test), set()).add(status)
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
            "criteria": rule_criteria(rule, "violations"),
            "nodes": len(rule.get("nodes") or []),
            "help": rule.get("help", ""),
        }
        for rule in axe_results.get("violations") or []
    ]
    return sorted(rows, key=lambda r: (r["criteria"] == [], r["criteria"] and criterion_sort_key(r["criteria"][0]), r["rule"]))


def non_conformes(statuses: dict[str, str]) -> list[str]:
    found = [number for number, status in statuses.items() if status == NON_CONFORME]
    return sorted(found, key=criterion_sort_key)
