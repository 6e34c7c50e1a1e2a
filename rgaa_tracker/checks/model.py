"""What a check is and what it says, parsed at the boundary like every value a page sends back.

A check decides one or more RGAA tests. Its verdict per test is ``non_conforme`` only when the
test is decided without judgement (a radio group with no group name is a failure whatever the
page means), ``a_verifier`` when a person must look (a heading that may be empty on purpose),
``non_applicable`` when the page has nothing the test applies to, ``sans_anomalie`` when it
looked and found nothing. An ``a_verifier`` never counts as a non-conformity.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

NON_CONFORME = "non_conforme"
A_VERIFIER = "a_verifier"
SANS_ANOMALIE = "sans_anomalie"
NON_APPLICABLE = "non_applicable"
ERROR = "erreur"
FINDING_VERDICTS = (NON_CONFORME, A_VERIFIER)
SOURCE = "rgaa-tracker"  # how our checks are told apart from axe-core's rules everywhere
MAX_FINDINGS = 50  # per check and page: enough to act on, bounded for storage
MAX_SELECTOR, MAX_HTML, MAX_REASON = 500, 500, 500


@dataclass(frozen=True)
class Check:
    """One unit of our RGAA checking.

    ``kind`` says where it runs: ``dom`` is a function in ``checks/js/<script>.js`` run in the
    isolated world on the settled page; ``page`` is a Python coroutine that drives the page
    (keyboard, viewport, a stylesheet) through a ``Probe``. ``verdicts`` lists what it may
    answer, for the coverage document.
    """

    id: str
    tests: tuple[str, ...]
    title: str  # French, shown beside the findings
    verdicts: tuple[str, ...] = (NON_CONFORME,)
    kind: str = "dom"
    script: str | None = None  # dom checks: name of the .js file (default: the id)
    run: Callable[..., Awaitable[Any]] | None = None  # page checks
    order: int = 0  # page checks that change the page (focus, viewport) run last, in this order
    # Where one test may give less than ``verdicts``: ((test, verdicts), …), e.g. a_verifier only.
    test_verdicts: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def verdicts_for(self, test: str) -> tuple[str, ...]:
        return dict(self.test_verdicts).get(test, self.verdicts)

    @property
    def criteria(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(test.rsplit(".", 1)[0] for test in self.tests))


@dataclass(frozen=True)
class Finding:
    """One offending element (or the page itself: empty selector)."""

    test: str
    verdict: str
    selector: str
    html: str
    reason: str

    def as_json(self) -> dict:
        return {"test": self.test, "verdict": self.verdict, "selector": self.selector, "html": self.html, "reason": self.reason}


@dataclass
class CheckResult:
    check: Check
    applicable: bool = True
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # the check failed: recorded here, never the page's failure
    # Tests the page gives nothing to apply to although the check ran (no skip link: 12.7.2).
    not_applicable: frozenset[str] = frozenset()

    def statuses(self) -> dict[str, str]:
        """Test → status: the worst finding, else sans_anomalie / non_applicable; none on error."""
        if self.error is not None:
            return {}
        found: dict[str, str] = {}
        for finding in self.findings:
            if found.get(finding.test) != NON_CONFORME:
                found[finding.test] = finding.verdict
        default = SANS_ANOMALIE if self.applicable else NON_APPLICABLE
        return {test: found.get(test, NON_APPLICABLE if test in self.not_applicable else default) for test in self.check.tests}

    def as_json(self) -> dict:
        return {"check": self.check.id, "source": SOURCE, "tests": list(self.check.tests), "title": self.check.title,
                "applicable": self.applicable, "error": self.error, "statuses": self.statuses(),
                "findings": [f.as_json() for f in self.findings]}


def _text(value: Any, size: int) -> str:
    if not isinstance(value, str):
        return ""
    return value[:size].encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def parse_result(check: Check, raw: Any) -> CheckResult:
    """A check's answer from the page, typed: unknown tests and verdicts are dropped, strings
    capped, findings bounded. Never raises; an unreadable answer is the check's error."""
    if not isinstance(raw, dict):
        return CheckResult(check, error="réponse illisible du test")
    findings: list[Finding] = []
    items = raw.get("findings")
    for item in items if isinstance(items, list) else []:
        if len(findings) >= MAX_FINDINGS:
            break
        if not isinstance(item, dict):
            continue
        test, verdict = item.get("test"), item.get("verdict")
        if test not in check.tests or verdict not in FINDING_VERDICTS or verdict not in check.verdicts_for(test):
            continue
        findings.append(Finding(test, verdict, _text(item.get("selector"), MAX_SELECTOR), _text(item.get("html"), MAX_HTML),
                                _text(item.get("reason"), MAX_REASON) or check.title))
    applicable = raw.get("applicable") is not False or bool(findings)
    listed = raw.get("not_applicable")
    not_applicable = frozenset(t for t in listed if t in check.tests) if isinstance(listed, list) else frozenset()
    return CheckResult(check, applicable=applicable, findings=findings, not_applicable=not_applicable)
