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
    await probe.load_lib()
    results = []
    for check in checks:
        results.append(await run_one(probe, check))
    return results


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
