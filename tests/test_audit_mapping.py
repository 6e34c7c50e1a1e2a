"""The pure axe → RGAA mapping (SPEC §3) and its corrections (issue #16): no browser needed."""

import pytest
from sqlmodel import Session, select

from rgaa_tracker import audit, findings
from rgaa_tracker.browser import PageResult
from rgaa_tracker.crawl.store import Target, record_page
from rgaa_tracker.models import CrawlRun, RuleResult

from .factories import add_demarches


def rule(rule_id, *tags, nodes=1, impact="serious", node=None):
    return {"id": rule_id, "impact": impact, "tags": list(tags), "nodes": [dict(node or {}) for _ in range(nodes)], "help": rule_id}


def results(violations=(), incomplete=(), passes=(), inapplicable=()):
    return {"violations": list(violations), "incomplete": list(incomplete), "passes": list(passes), "inapplicable": list(inapplicable)}


def contrast_node(font_size, font_weight="normal", ratio=2.5):
    data = {"fgColor": "#bbbbbb", "bgColor": "#ffffff", "contrastRatio": ratio, "fontSize": font_size, "fontWeight": font_weight,
            "expectedContrastRatio": "4.5:1"}
    return {"html": "<p>texte</p>", "any": [{"id": "color-contrast", "data": data}], "all": [], "none": []}


def row_finding(rule_id, outcome, source="axe", criteria=()):
    return findings.RuleFinding(rule_id, source, outcome, None, 1, "", tuple(criteria))


# Rules as the bundled axe build tags them (RGAA tags only matter to the mapping).
BYPASS = ("wcag2a", "wcag241", "RGAAv4", "RGAA-12.7.1")
SKIP_LINK = ("best-practice", "RGAAv4", "RGAA-12.7.1")
CONTRAST = ("wcag2aa", "wcag143", "RGAAv4", "RGAA-3.2.1")
META_REFRESH = ("wcag2a", "wcag221", "RGAAv4", "RGAA-13.1.2")
NAME_MISMATCH = ("wcag21a", "wcag253", "RGAAv4", "RGAA-6.1.5", "experimental")
REGION = ("best-practice", "RGAAv4", "RGAA-9.2.1")


@pytest.mark.parametrize(
    "axe, expected",
    [
        (results(violations=[rule("image-alt", "RGAA-1.1.1")], passes=[rule("area-alt", "RGAA-1.1.2")]), "non_conforme"),
        (results(incomplete=[rule("image-alt", "RGAA-1.1.1")], passes=[rule("area-alt", "RGAA-1.1.2")]), "a_verifier"),
        (results(passes=[rule("image-alt", "RGAA-1.1.1")], inapplicable=[rule("area-alt", "RGAA-1.1.2")]), "sans_anomalie"),
        (results(inapplicable=[rule("image-alt", "RGAA-1.1.1"), rule("area-alt", "RGAA-1.1.2")]), "non_applicable"),
        (results(passes=[rule("page-has-heading-one", "best-practice")]), "non_couvert"),
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
    axe = results(violations=[rule("page-has-heading-one", "best-practice", nodes=2), rule("label", "wcag2a", "RGAA-11.1.1", nodes=3)])
    found = audit.violations(axe)
    assert [(v["rule"], v["criteria"], v["nodes"]) for v in found] == [("label", ["11.1"], 3), ("page-has-heading-one", [], 2)]


def test_violations_keep_the_audit_json_shape_and_use_the_corrections():
    axe = results(violations=[rule("heading-order", "best-practice"), rule("bypass", *BYPASS)])
    found = audit.violations(axe)
    assert [(v["rule"], v["criteria"]) for v in found] == [("heading-order", ["9.1"]), ("bypass", ["12.7"])]
    assert all({"rule", "impact", "criteria", "nodes"} <= set(v) for v in found)


# --- the correction table, rule by rule: the page status, the stored row, the read model -------------


@pytest.mark.parametrize(
    "font_size, weight, expected",
    [
        ("12.0pt (16px)", "normal", "3.2.1"),
        ("17.9pt (23.9px)", "normal", "3.2.1"),
        ("18.0pt (24px)", "normal", "3.2.3"),
        ("13.8pt (18.4px)", "bold", "3.2.2"),
        ("13.9pt (18.5px)", "bold", "3.2.4"),
        ("27.0pt (36px)", "bold", "3.2.4"),
    ],
)
def test_contrast_node_gives_the_rgaa_test_by_text_size_and_weight(font_size, weight, expected):
    assert audit.contrast_test(contrast_node(font_size, weight)) == expected


def test_contrast_node_without_axe_data_gives_no_test():
    assert audit.contrast_test({}) is None
    assert audit.contrast_test({"any": [{"id": "color-contrast", "data": {"messageKey": "hidden"}}]}) is None


def test_color_contrast_decides_3_2_1_to_3_2_4_at_criterion_3_2():
    large_bold = rule("color-contrast", *CONTRAST, node=contrast_node("14.3pt (19px)", "bold"))
    small = rule("color-contrast", *CONTRAST, node=contrast_node("9.0pt (12px)"))
    assert audit.rule_tests(large_bold, "violations") == ["3.2.4"]
    assert audit.rule_tests(small, "violations") == ["3.2.1"]
    assert audit.rule_tests(rule("color-contrast", *CONTRAST), "violations") == ["3.2.1"]  # slimmed nodes: axe's own tag
    assert audit.rule_tests(rule("color-contrast", *CONTRAST, nodes=0), "passes") == ["3.2.1", "3.2.2", "3.2.3", "3.2.4"]
    for kind in ("violations", "incomplete", "passes"):
        assert audit.rule_criteria(large_bold, kind) == ["3.2"]
    assert audit.criteria_statuses(results(violations=[large_bold]))["3.2"] == "non_conforme"
    assert row_finding("color-contrast", "violation").status == "non_conforme"


@pytest.mark.parametrize(
    "html, expected",
    [
        ('<meta http-equiv="refresh" content="30">', "13.1.1"),
        ('<meta content="30;" http-equiv="refresh">', "13.1.1"),
        ('<meta http-equiv="refresh" content="5; url=https://exemple.gouv.fr/">', "13.1.2"),
        ("<meta http-equiv='refresh' content='5,/suite'>", "13.1.2"),
        ("", None),
    ],
)
def test_meta_refresh_without_a_target_is_13_1_1_with_one_13_1_2(html, expected):
    assert audit.meta_refresh_test({"html": html}) == expected


def test_meta_refresh_rows_and_statuses():
    refresh = rule("meta-refresh", *META_REFRESH, node={"html": '<meta http-equiv="refresh" content="60">'})
    assert audit.rule_tests(refresh, "violations") == ["13.1.1"]
    assert audit.rule_criteria(refresh, "violations") == ["13.1"]
    assert audit.criteria_statuses(results(violations=[refresh]))["13.1"] == "non_conforme"
    assert row_finding("meta-refresh", "violation").status == "non_conforme"


def test_bypass_pass_says_nothing_and_its_failure_is_to_be_checked():
    assert audit.criteria_statuses(results(passes=[rule("bypass", *BYPASS, nodes=0)]))["12.7"] == "non_couvert"
    assert audit.criteria_statuses(results(inapplicable=[rule("bypass", *BYPASS, nodes=0)]))["12.7"] == "non_couvert"
    failing = results(violations=[rule("bypass", *BYPASS)])
    assert audit.criteria_statuses(failing)["12.7"] == "a_verifier"
    assert audit.rule_criteria(failing["violations"][0], "violations") == ["12.7"]  # stored row criteria
    assert row_finding("bypass", "violation").status == "a_verifier"  # never a non-conformity in the read model


def test_skip_link_absent_does_not_make_12_7_non_applicable():
    axe = results(passes=[rule("bypass", *BYPASS, nodes=0)], inapplicable=[rule("skip-link", *SKIP_LINK, nodes=0)])
    assert audit.criteria_statuses(axe)["12.7"] == "non_couvert"
    assert audit.criteria_statuses(results(passes=[rule("skip-link", *SKIP_LINK, nodes=0)]))["12.7"] == "sans_anomalie"
    assert audit.criteria_statuses(results(violations=[rule("skip-link", *SKIP_LINK)]))["12.7"] == "non_conforme"


@pytest.mark.parametrize(
    "html, expected",
    [
        ('<a href="/aide" aria-label="Contact">Aide</a>', "6.1.5"),
        ('<span role="link" aria-label="Contact">Aide</span>', "6.1.5"),
        ('<button aria-label="Valider">Envoyer</button>', "11.9.2"),
        ('<input type="submit" aria-label="Valider" value="Envoyer">', "11.9.2"),
        ('<div role="button" aria-label="Valider">Envoyer</div>', "11.9.2"),
        ('<li role="menuitem" aria-label="Profil">Compte</li>', "7.1.3"),
        ("", None),
    ],
)
def test_label_content_name_mismatch_test_by_element(html, expected):
    assert audit.name_from_content_test({"html": html}) == expected


def test_label_content_name_mismatch_on_a_button_is_11_9():
    button = rule("label-content-name-mismatch", *NAME_MISMATCH, node={"html": '<button aria-label="Valider">Envoyer</button>'})
    link = rule("label-content-name-mismatch", *NAME_MISMATCH, node={"html": '<a href="/" aria-label="Accueil">Retour</a>'})
    assert audit.rule_criteria(button, "violations") == ["11.9"]
    assert audit.rule_criteria(link, "violations") == ["6.1"]
    both = {**button, "nodes": button["nodes"] + link["nodes"]}
    statuses = audit.criteria_statuses(results(violations=[both]))
    assert (statuses["11.9"], statuses["6.1"]) == ("non_conforme", "non_conforme")
    assert audit.rule_criteria(rule("label-content-name-mismatch", *NAME_MISMATCH), "violations") == ["6.1"]  # unreadable node: axe's tag
    assert audit.criteria_statuses(results(inapplicable=[rule("label-content-name-mismatch", *NAME_MISMATCH, nodes=0)]))["11.9"] == "non_couvert"


def test_heading_order_is_only_ever_to_be_checked_at_9_1():
    failing = rule("heading-order", "cat.semantics", "best-practice", nodes=2)
    assert audit.rule_tests(failing, "violations") == ["9.1.1"]
    assert audit.criteria_statuses(results(violations=[failing]))["9.1"] == "a_verifier"
    assert audit.criteria_statuses(results(incomplete=[failing]))["9.1"] == "a_verifier"
    assert audit.criteria_statuses(results(passes=[rule("heading-order", "best-practice", nodes=0)]))["9.1"] == "non_couvert"
    assert audit.rule_criteria(failing, "violations") == ["9.1"]
    assert row_finding("heading-order", "violation").status == "a_verifier"
    assert "9.1" not in audit.non_conformes(audit.criteria_statuses(results(violations=[failing])))


@pytest.mark.parametrize(
    "rule_id, test",
    [("empty-heading", "9.1.2"), ("landmark-one-main", "9.2.1"), ("avoid-inline-spacing", "10.12.1")],
)
def test_rules_without_rgaa_tags_get_their_test(rule_id, test):
    criterion = test.rsplit(".", 1)[0]
    failing = rule(rule_id, "best-practice")
    assert audit.rule_tests(failing, "violations") == [test]
    assert audit.criteria_statuses(results(violations=[failing]))[criterion] == "non_conforme"
    assert audit.criteria_statuses(results(passes=[rule(rule_id, "best-practice", nodes=0)]))[criterion] == "sans_anomalie"
    # A page without headings or inline styles is not outside the criterion.
    assert audit.criteria_statuses(results(inapplicable=[rule(rule_id, "best-practice", nodes=0)]))[criterion] == "non_couvert"
    assert row_finding(rule_id, "violation").status == "non_conforme"
    assert row_finding(rule_id, "incomplete").status == "a_verifier"


def test_region_outside_landmarks_is_to_be_checked_not_a_non_conformity():
    assert audit.criteria_statuses(results(violations=[rule("region", *REGION)]))["9.2"] == "a_verifier"
    assert audit.criteria_statuses(results(violations=[rule("region", *REGION), rule("landmark-one-main", "best-practice")]))["9.2"] == "non_conforme"


def test_our_checks_rows_keep_their_stored_outcome():
    assert row_finding("heading-order", "violation", source="rgaa-tracker").status == "non_conforme"
    assert row_finding("field_groups", "incomplete", source="rgaa-tracker").status == "a_verifier"


def test_every_correction_names_real_tests_and_known_statuses():
    from rgaa_tracker import rgaa

    for rule_id, fix in audit.CORRECTIONS.items():
        assert fix.tests and set(fix.tests) <= set(rgaa.tests()), rule_id
        assert fix.per_node is None or fix.per_node in audit.NODE_TESTS, rule_id
        assert fix.violations != "sans_anomalie" and fix.note, rule_id
        for kind in ("violations", "incomplete", "passes", "inapplicable"):
            assert fix.status(kind) in (None, *audit.SEVERITY), rule_id


def test_stored_rows_and_the_read_model_apply_the_corrections(engine, tmp_path):
    """One page stored as the crawl stores it (no browser): rows carry the corrected criteria and
    the read model lists each rule under the status it gives."""
    add_demarches(engine, tmp_path, [["d", "Démarche D", "MEF", "http://127.0.0.1/d/"]])
    axe = results(
        violations=[rule("heading-order", "best-practice"), rule("bypass", *BYPASS), rule("image-alt", "RGAA-1.1.1"),
                    rule("page-has-heading-one", "best-practice")],
        passes=[rule("skip-link", *SKIP_LINK, nodes=0)],
    )
    with Session(engine) as session:
        run = CrawlRun(status="finished")
        session.add(run)
        session.commit()
        session.refresh(run)
        record_page(session=session, run=run, target=Target("d", "http://127.0.0.1/d/"), role="start",
                    result=PageResult(url="http://127.0.0.1/d/", http_status=200, axe=axe), audits_dir=tmp_path / "audits")
        rows = {r.rule: r.criteria for r in session.exec(select(RuleResult)).all()}
        found = findings.latest_findings(session=session)["d"]
    assert rows == {"heading-order": "9.1", "bypass": "12.7", "image-alt": "1.1", "page-has-heading-one": ""}
    assert [c.criterion for c in found.non_conformes] == ["1.1"]
    assert {c.criterion: [r.rule for r in c.rules] for c in found.a_verifier} == {"9.1": ["heading-order"], "12.7": ["bypass"]}
    assert [r.rule for r in found.other_violations] == ["page-has-heading-one"]
