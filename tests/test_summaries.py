"""Every axe rule of the bundled build and every one of our checks has our French summary, the
CLI prints it, and the element screenshots are chosen fairly among rules."""

from types import SimpleNamespace

from rgaa_tracker.browser.shots import targets
from rgaa_tracker.checks import A_VERIFIER, NON_CONFORME, Finding, registry
from rgaa_tracker.rgaa import axe_rule_mapping, bundled_axe_tags
from rgaa_tracker.summaries import FALLBACK, summaries, summary


def test_every_axe_rule_and_every_check_has_a_french_summary():
    table = summaries()
    axe_rules = set(bundled_axe_tags())
    assert len(axe_rules) > 90 and set(axe_rule_mapping()) <= axe_rules  # the build was read, mapped rules included
    assert sorted(axe_rules - {rule for source, rule in table if source == "axe"}) == []
    assert sorted({c.id for c in registry()} - {rule for source, rule in table if source == "rgaa-tracker"}) == []
    for (source, rule), text in table.items():
        assert text.endswith(".") and " : " in text, (source, rule)  # what is wrong : how to fix it.
        assert not any(word in text.split() for word in ("must", "Ensure", "should", "the", "have")), (source, rule)
    assert summary("image-alt").startswith("Une image n'a pas d'alternative textuelle")
    assert summary("focus_visible", "rgaa-tracker") != FALLBACK
    assert summary("rule-from-a-future-axe") == FALLBACK  # still French, never axe's English help


def check_result(check_id: str, findings: list[tuple[str, str]]):
    return SimpleNamespace(check=SimpleNamespace(id=check_id),
                           findings=[Finding("1.1.1", verdict, selector, "", "") for verdict, selector in findings])


def test_screenshots_go_to_every_rule_before_a_second_element_of_any():
    axe = {"violations": [{"id": "link-name", "nodes": [{"target": [f"a:nth-child({i})"]} for i in range(1, 300)]},
                          {"id": "image-alt", "nodes": [{"target": ["img"]}, {"target": [["my-widget", "img"]]}]}],
           "incomplete": [{"id": "color-contrast", "nodes": [{"target": ["p"]}]}]}
    checks = [check_result("markup", [(A_VERIFIER, "#b"), (NON_CONFORME, "#a"), (NON_CONFORME, "")])]
    chosen = targets(axe, checks, 5)
    # Non-conformities first, one per rule, then the next element of each; à vérifier last.
    assert chosen == [("axe", "link-name", "a:nth-child(1)"), ("axe", "image-alt", "img"), ("rgaa-tracker", "markup", "#a"),
                      ("axe", "link-name", "a:nth-child(2)"), ("axe", "link-name", "a:nth-child(3)")]
    assert targets(axe, checks, 0) == []
    assert ("axe", "color-contrast", "p") in targets(axe, checks, 400) and len(targets(axe, checks, 400)) == 299 + 1 + 1 + 1 + 1


def test_audit_prints_our_french_summary_not_axes_help(tmp_path, site_url):
    from .test_cli import run_cli

    done = run_cli("audit", f"{site_url}/img-no-alt.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.strip().startswith("- image-alt"))
    assert lines[rule + 1].strip() == summary("image-alt")
    assert "Images must have alternative text" not in done.stdout
