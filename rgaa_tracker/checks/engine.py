"""Running the checks on one settled page, each within its own budget.

A check that throws, times out or answers nonsense gets its own error recorded and the others
go on; the page's audit never fails because of a check. Only the page navigating away under us
(``NavigatedAway``) goes up, so the tab can read the page again.
"""

from __future__ import annotations

import asyncio
import logging

from ..browser import world
from .model import Check, CheckResult, parse_result
from .probe import Probe

log = logging.getLogger("rgaa_tracker.checks")


async def run_checks(probe: Probe, checks: tuple[Check, ...]) -> list[CheckResult]:
    if not checks:
        return []
    together = await run_dom_checks(probe, [check for check in checks if check.kind == "dom"])
    results = []
    for check in checks:
        results.append(together[check.id] if check.id in together else await run_one(probe, check))
    return results


async def run_dom_checks(probe: Probe, checks: list[Check]) -> dict[str, CheckResult]:
    """The DOM checks in one call, with the library loaded by it (one round trip instead of one
    per check). When that call fails as a whole (too slow on a huge page, the world refused),
    the library is loaded again and each check runs alone within its own budget, so one slow
    check costs that check only; the returned dict is then empty."""
    if checks:
        try:
            answers = await probe.call_together([check.script or check.id for check in checks],
                                                {"settings": probe.settings.checks.model_dump()}, probe.settings.checks.timeout_s)
        except world.NavigatedAway:
            raise
        except (asyncio.TimeoutError, TimeoutError, world.PageScriptError):
            answers = None
        if isinstance(answers, list) and len(answers) == len(checks):
            return {check.id: _answer(check, answer) for check, answer in zip(checks, answers)}
    await probe.load_lib()
    return {}


def _answer(check: Check, answer: object) -> CheckResult:
    if isinstance(answer, dict) and "error" in answer:
        return CheckResult(check, error=f"erreur du test dans la page : {str(answer['error'])[:200]}")
    return parse_result(check, answer.get("value") if isinstance(answer, dict) else None)


async def run_one(probe: Probe, check: Check) -> CheckResult:
    budget = probe.settings.checks.timeout_s
    try:
        if check.kind == "dom":
            raw = await probe.call(check.script or check.id, {"settings": probe.settings.checks.model_dump()})
        else:
            raw = await asyncio.wait_for(check.run(probe), budget)
        return parse_result(check, raw)
    except world.NavigatedAway:
        raise
    except (asyncio.TimeoutError, TimeoutError):
        return CheckResult(check, error=f"délai dépassé ({budget:g} s)")
    except world.PageScriptError as error:
        return CheckResult(check, error=f"erreur du test dans la page : {str(error)[:200]}")
    except Exception as error:  # noqa: BLE001 — a bug in one check costs that check only
        log.error("check %s failed on %s", check.id, probe.url, exc_info=error)
        return CheckResult(check, error=f"erreur interne du test : {type(error).__name__} : {str(error)[:200]}")
