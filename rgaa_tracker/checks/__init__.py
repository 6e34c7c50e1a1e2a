"""Our own RGAA checks: the tests a browser can decide that axe-core does not.

Each module of this package named after what it checks (``forms``, ``structure``…) declares
``CHECKS``, a tuple of ``Check``; the registry finds them, so adding a check is adding a module
or an entry, never editing a central list. DOM checks are ``.js`` files in ``js/``.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from .model import A_VERIFIER, NON_APPLICABLE, NON_CONFORME, SANS_ANOMALIE, SOURCE, Check, CheckResult, Finding, parse_result

_NOT_CHECKS = {"model", "engine", "probe"}


@cache
def registry() -> tuple[Check, ...]:
    """Every check, DOM checks first, then page checks that change the page, in their order."""
    found: list[Check] = []
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("_") or module.name in _NOT_CHECKS:
            continue
        found.extend(getattr(importlib.import_module(f"{__name__}.{module.name}"), "CHECKS", ()))
    ids = [c.id for c in found]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RuntimeError(f"duplicate check ids: {sorted(duplicates)}")
    return tuple(sorted(found, key=lambda c: (c.kind != "dom", c.order, c.id)))


def by_id(check_id: str) -> Check:
    return next(c for c in registry() if c.id == check_id)


__all__ = ["A_VERIFIER", "NON_APPLICABLE", "NON_CONFORME", "SANS_ANOMALIE", "SOURCE", "Check", "CheckResult", "Finding",
           "by_id", "parse_result", "registry"]
