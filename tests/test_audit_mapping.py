"""The pure axe → RGAA mapping (SPEC §3): no browser needed."""

import pytest

from rgaa_tracker import audit


def rule(rule_id, *tags, nodes=1, impact="serious"):
    return {"id": rule_id, "impact": impact, "tags": list(tags), "nodes": [{}] * nodes, "help": rule_id}


def results(violations=(), incomplete=(), passes=(), inapplicable=()):
    return {"violations": list(violations), "incomplete": list(incomplete), "passes": list(passes), "inapplicable": list(inapplicable)}


@pytest.mark.parametrize(
    "axe, expected",
    [
        (results(violations=[rule("image-alt", "RGAA-1.1.1")], passes=[rule("area-alt", "RGAA-1.1.2")]), "non_conforme"),
        (results(incomplete=[rule("image-alt", "RGAA-1.1.1")], passes=[rule("area-alt", "RGAA-1.1.2")]), "a_verifier"),
        (results(passes=[rule("image-alt", "RGAA-1.1.1")], inapplicable=[rule("area-alt", "RGAA-1.1.2")]), "sans_anomalie"),
        (results(inapplicable=[rule("image-alt", "RGAA-1.1.1"), rule("area-alt", "RGAA-1.1.2")]), "non_applicable"),
        (results(passes=[rule("region", "best-practice")]), "non_couvert"),
    ],
)
def test_status_of_criterion_1_1(axe, expected):
    assert audit.criteria_statuses(axe)["1.1"] == expected


def test_every_criterion_gets_a_status_and_uncovered_ones_are_non_couvert():
    statuses = audit.criteria_statuses(results(violations=[rule("color-contrast", "wcag2aa", "RGAA-3.2.1")]))
    assert len(statuses) == 106
    assert statuses["3.2"] == "non_conforme"
    assert statuses["1.6"] == "non_couvert"
    assert audit.non_conformes(statuses) == ["3.2"]


def test_demarche_takes_the_worst_status_over_its_pages():
    page_a = {"1.1": "sans_anomalie", "3.2": "a_verifier", "8.3": "non_applicable"}
    page_b = {"1.1": "non_conforme", "3.2": "sans_anomalie", "8.3": "sans_anomalie"}
    merged = audit.merge_statuses([page_a, page_b])
    assert (merged["1.1"], merged["3.2"], merged["8.3"], merged["13.12"]) == ("non_conforme", "a_verifier", "sans_anomalie", "non_couvert")


def test_violations_list_criteria_and_node_counts_rgaa_first():
    axe = results(violations=[rule("heading-order", "best-practice", nodes=2), rule("label", "wcag2a", "RGAA-11.1.1", nodes=3)])
    found = audit.violations(axe)
    assert [(v["rule"], v["criteria"], v["nodes"]) for v in found] == [("label", ["11.1"], 3), ("heading-order", [], 2)]
