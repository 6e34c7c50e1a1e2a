"""Coverage, told honestly (issue #16): which of the 258 RGAA tests axe-core or our checks decide,
and the generated document kept up to date."""

from pathlib import Path

from rgaa_tracker import audit, coverage, rgaa
from rgaa_tracker.checks import registry

DOC = Path(__file__).resolve().parents[1] / "docs" / "rgaa-coverage.md"


def test_the_coverage_document_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == coverage.document(), "run: python -m rgaa_tracker.coverage > docs/rgaa-coverage.md"


def test_every_test_is_listed_once_and_the_counts_add_up():
    entries = coverage.coverage()
    assert list(entries) == list(rgaa.tests()) and len(entries) == 258
    total = coverage.summary()[-1]
    assert (total.name, total.tests) == ("Total", 258)
    assert total.automated + total.manual == 258
    assert total.axe == sum(1 for e in entries.values() if e.axe) and total.ours == sum(1 for e in entries.values() if e.ours)
    assert max(total.axe, total.ours) <= total.automated <= total.axe + total.ours
    assert sum(row.tests for row in coverage.summary()[:-1]) == 258 and len(coverage.summary()) == 14
    assert all(e.by == "manuel" for e in entries.values() if e.manual) and total.manual > 0


def test_axe_coverage_comes_from_the_build_tags_and_the_corrections():
    entries = coverage.coverage()
    assert [d.id for d in entries["1.1.1"].axe] == ["image-alt", "role-img-alt"]
    for test in ("3.2.1", "3.2.2", "3.2.3", "3.2.4"):
        assert [d.id for d in entries[test].axe] == ["color-contrast"]
    assert "3.2.5" not in {t for t, e in entries.items() if e.axe}
    assert [d.id for d in entries["13.1.1"].axe] == ["meta-refresh"] and [d.id for d in entries["13.1.2"].axe] == ["meta-refresh"]
    heading = next(d for d in entries["9.1.1"].axe if d.id == "heading-order")
    assert heading.verdicts == ("a_verifier",) and heading.label == "heading-order (à vérifier)"
    bypass = next(d for d in entries["12.7.1"].axe if d.id == "bypass")
    assert bypass.verdicts == ("a_verifier",)
    assert "landmark-one-main" in {d.id for d in entries["9.2.1"].axe}
    assert "empty-heading" in {d.id for d in entries["9.1.2"].axe}
    assert "avoid-inline-spacing" in {d.id for d in entries["10.12.1"].axe}
    # Experimental rules do not run: listed apart, never counted.
    assert coverage.not_run_rules()["label-content-name-mismatch"] == ["6.1.5", "7.1.3", "11.9.2"]
    assert "label-content-name-mismatch" not in {d.id for e in entries.values() for d in e.axe}
    assert all(test in rgaa.tests() for found in coverage.axe_rule_tests().values() for test in found)


def test_our_checks_cover_their_tests_with_their_verdicts():
    entries = coverage.coverage()
    for check in registry():
        for test in check.tests:
            decider = next(d for d in entries[test].ours if d.id == check.id)
            assert set(decider.verdicts) == set(check.verdicts_for(test)) & {audit.NON_CONFORME, audit.A_VERIFIER}
    assert {d.verdicts for d in entries["11.10.1"].ours if d.id == "required_fields"} == {("a_verifier",)}  # per-test verdicts
    assert "field_groups" in {d.id for d in entries["11.5.1"].ours}
    assert "doctype" in {d.id for d in entries["8.1.1"].ours}


def test_tested_by_a_criterion():
    # Checks are being added: assert what this issue put there, not that nothing else ever joins.
    assert "field_groups" in coverage.tested_by("11.5")["rgaa-tracker"] and coverage.tested_by("11.5")["axe"] == []
    assert coverage.tested_by("3.2")["axe"] == ["color-contrast"]
    assert "markup" in coverage.tested_by("8.2")["rgaa-tracker"] and coverage.tested_by("8.2")["axe"] == ["duplicate-id-aria"]
    assert set(coverage.tested_by("9.1")["axe"]) == {"empty-heading", "heading-order"}
    manual = next(number for number in rgaa.criteria() if all(coverage.coverage()[t].manual for t in rgaa.criteria()[number].tests))
    assert coverage.tested_by(manual) == {"axe": [], "rgaa-tracker": []}
    assert coverage.tested_by_text(manual) == "aucun test automatique (vérification manuelle)"
    assert coverage.tested_by_text("3.2").startswith("axe-core (color-contrast)")
    assert "rgaa-tracker (" in coverage.tested_by_text("11.5") and "field_groups" in coverage.tested_by_text("11.5")
    assert rgaa.criteria()["11.5"].tested_by == coverage.tested_by("11.5")  # what the templates read
    assert rgaa.criteria()["8.2"].tested_by_text.startswith("axe-core (duplicate-id-aria), rgaa-tracker (")
