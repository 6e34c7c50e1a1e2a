import csv
from pathlib import Path

import pytest

from rgaa_tracker import rgaa

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "axe-core-4.11.4-rgaa-mapping.csv"


def test_table_has_13_themes_and_106_criteria_in_order():
    table = rgaa.criteria()
    assert len(table) == 106
    assert len(rgaa.themes()) == 13
    numbers = list(table)
    assert numbers[0] == "1.1" and numbers[-1] == "13.12"
    assert numbers.index("10.2") < numbers.index("10.14") < numbers.index("11.1")
    assert all(c.title and c.url.endswith(f"#{c.number}") for c in table.values())


@pytest.mark.parametrize(
    "tag, expected",
    [("RGAA-1.1.2", "1.1"), ("RGAA-10.14.1", "10.14"), ("RGAAv4", None), ("wcag111", None), ("RGAA-1.1", None)],
)
def test_criterion_of_tag(tag, expected):
    assert rgaa.criterion_of_tag(tag) == expected


def test_mapping_is_read_from_the_bundled_axe_build():
    mapping = rgaa.bundled_axe_mapping()
    assert rgaa.axe_version().startswith("4.")
    # 4.11.1 moved these rules; the mapping must follow the build, not an old table.
    assert mapping["aria-hidden-body"] == ["10.8"]
    assert mapping["valid-lang"] == ["8.8"]
    assert mapping["image-alt"] == ["1.1"]
    assert "heading-order" not in mapping  # no RGAA tag on it in axe-core
    assert 30 <= len(rgaa.covered_criteria()) <= 40


def test_mapping_agrees_with_the_4_11_4_reference_snapshot():
    # Never skipped: CI and every developer have shared/ beside the project.
    assert REFERENCE.is_file(), f"reference snapshot missing: {REFERENCE} (shared/ must sit beside the project)"
    reference = {row["axe_rule"]: row["rgaa_criterion"] for row in csv.DictReader(REFERENCE.open(encoding="utf-8"))}
    mapping = rgaa.bundled_axe_mapping()
    for rule, criterion in reference.items():
        assert mapping[rule] == [criterion], rule


def test_mapping_parser_reads_tags_from_any_script():
    script = '/*! axe v9.9.9 */ x=[{id:"fake-rule",impact:"serious",tags:["wcag2a","RGAAv4","RGAA-3.2.1"],all:[]},{id:"other",tags:["best-practice"]}]'
    assert rgaa.axe_rule_mapping(script) == {"fake-rule": ["3.2"]}
    assert rgaa.axe_version(script) == "9.9.9"


CRITERES = Path(__file__).resolve().parents[2] / "shared" / "reference" / "rgaa-4.1.2" / "criteres.json"


def test_table_lists_the_258_tests_of_each_criterion_as_the_reference_does():
    import json

    assert CRITERES.is_file(), f"reference missing: {CRITERES} (shared/ must sit beside the project)"
    reference = {
        f"{topic['number']}.{c['criterium']['number']}": [f"{topic['number']}.{c['criterium']['number']}.{n}" for n in c["criterium"]["tests"]]
        for topic in json.loads(CRITERES.read_text(encoding="utf-8"))["topics"] for c in topic["criteria"]
    }
    assert {number: list(c.tests) for number, c in rgaa.criteria().items()} == reference
    assert len(rgaa.tests()) == rgaa.TEST_COUNT == 258
    assert rgaa.tests()[0] == "1.1.1" and rgaa.tests()[-1] == "13.12.3"
    assert rgaa.tests() == tuple(sorted(rgaa.tests(), key=rgaa.sort_key_of_test))


def test_test_level_mapping_is_read_from_the_bundled_axe_build():
    tests = rgaa.axe_test_mapping()
    assert tests["image-alt"] == ["1.1.1"]
    assert tests["area-alt"] == ["1.1.2"]
    assert tests["color-contrast"] == ["3.2.1"]  # corrected to 3.2.1–3.2.4 by audit.CORRECTIONS
    assert tests["label-content-name-mismatch"] == ["6.1.5"]  # and to 11.9.2 on buttons
    assert "heading-order" not in tests
    assert set(t for found in tests.values() for t in found) <= set(rgaa.tests())
    assert rgaa.tests_of_tags(["wcag2a", "RGAAv4", "RGAA-10.14.1"]) == ["10.14.1"]
    assert "experimental" in rgaa.bundled_axe_tags()["label-content-name-mismatch"]
