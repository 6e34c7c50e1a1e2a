"""Cropped screenshots of the offending elements of one audited page.

A selector and an HTML snippet tell a developer where a defect is; the people at the workshop
and the démarche's own team recognise it from a picture. So, once axe and our checks have run,
the tab scrolls each offending element into view and photographs it, clipped around the element.

Everything here is a courtesy: bounded in number (``crawl.element_screenshots``) and in time
(``crawl.element_screenshots_budget_s``, and never past what is left of the page's budget),
and a screenshot that fails is simply missing — it never fails the audit. The pictures are kept
with the page's evidence (``crawl/store.py``) and shared by every audit that reuses it.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from dataclasses import dataclass
from itertools import zip_longest
from typing import TYPE_CHECKING

from playwright.async_api import CDPSession, Page

from . import world
from .scripts import script

if TYPE_CHECKING:
    from ..settings import Settings
    from .tab import PageResult

log = logging.getLogger("rgaa_tracker.browser")
AXE, CHECKS = "axe", "rgaa-tracker"
PADDING = 8  # CSS px around the element: its border and focus ring stay in the picture
MAX_WIDTH, MAX_HEIGHT = 600, 300  # a large element is shown by its top-left part: files stay small
JPEG_QUALITY = 60
MARGIN_S = 3.0  # left of the page's budget for storing it: screenshots never make a page time out
SHOT_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Shot:
    """One picture of one element named by one rule (several rules may share the picture)."""

    source: str  # "axe" | "rgaa-tracker"
    rule: str
    selector: str
    image: bytes  # JPEG
    width: int
    height: int


def targets(axe: dict | None, checks: list, limit: int) -> list[tuple[str, str, str]]:
    """(source, rule, selector) to photograph, at most ``limit``: non-conformities before
    elements to check, and the first element of every rule before the second of any, so one
    rule with 300 failing links does not take every picture."""
    if limit <= 0:
        return []
    tiers: list[list[list[tuple[str, str, str]]]] = [[], []]
    for tier, kind in ((0, "violations"), (1, "incomplete")):
        for rule in (axe or {}).get(kind) or []:
            nodes = [(AXE, rule["id"], node["target"][0]) for node in rule.get("nodes") or []
                     if isinstance(node.get("target"), list) and len(node["target"]) == 1 and isinstance(node["target"][0], str)]
            tiers[tier].append(nodes)
    for check in checks:
        for tier, verdict in ((0, "non_conforme"), (1, "a_verifier")):
            tiers[tier].append([(CHECKS, check.check.id, f.selector) for f in check.findings if f.verdict == verdict and f.selector])
    chosen: dict[tuple[str, str, str], None] = {}
    for rules in tiers:
        for row in zip_longest(*rules):
            for target in row:
                if target is not None and target not in chosen:
                    chosen[target] = None
                    if len(chosen) >= limit:
                        return list(chosen)
    return list(chosen)


def budget(settings: Settings, result: PageResult) -> float:
    """Seconds the screenshots may take: their own budget, within what is left of the page's."""
    spent = sum(result.phases.values()) / 1000
    return min(settings.crawl.element_screenshots_budget_s, settings.crawl.page_budget_s - spent - MARGIN_S)


async def attach(page: Page, cdp: CDPSession, result: PageResult, settings: Settings, frame_id: str | None = None) -> None:
    """Photograph ``result``'s offending elements into ``result.shots``; never raises for the page.
    ``frame_id``: the main frame's, when the caller knows it (one round trip less)."""
    limit, seconds = settings.crawl.element_screenshots, budget(settings, result)
    if limit <= 0 or seconds <= 0 or result.axe is None:
        return
    wanted = targets(result.axe, result.checks, limit)
    if not wanted:
        return
    started = time.perf_counter()
    shots: list[Shot] = []
    try:
        async with asyncio.timeout(seconds):
            context_id = await world.create(cdp, frame_id)
            pictures: dict[str, tuple[bytes, int, int] | None] = {}
            for source, rule, selector in wanted:
                if selector not in pictures:
                    pictures[selector] = await _picture(page, cdp, context_id, selector)
                if pictures[selector] is not None:
                    image, width, height = pictures[selector]
                    shots.append(Shot(source, rule, selector, image, width, height))
    except TimeoutError:
        pass  # what was taken is kept; the other elements have no picture
    except Exception as error:  # noqa: BLE001 — a page gone or a world refused: no more pictures
        log.debug("element screenshots stopped on %s: %s", result.url, error)
    result.shots = shots
    result.phases["shots"] = result.phases.get("shots", 0.0) + (time.perf_counter() - started) * 1000


async def _picture(page: Page, cdp: CDPSession, context_id: int, selector: str) -> tuple[bytes, int, int] | None:
    try:
        box = await world.call(cdp, script("element_box"), selector, context_id=context_id, timeout_s=SHOT_TIMEOUT_S)
        clip = _clip(box)
        if clip is None:
            return None
        # The protocol's own capture, in document coordinates: a third of the time of
        # Playwright's screenshot, which waits for fonts and frames the settled page has had.
        answer = await asyncio.wait_for(cdp.send("Page.captureScreenshot", {
            "format": "jpeg", "quality": JPEG_QUALITY, "optimizeForSpeed": True, "clip": {**clip, "scale": 1}}), SHOT_TIMEOUT_S)
        return base64.b64decode(answer["data"]), round(clip["width"]), round(clip["height"])
    except (world.NavigatedAway, world.PageScriptError):
        raise  # the document is gone or broken: the next element would fail the same way
    except Exception as error:  # noqa: BLE001 — this element only: the others may still work
        log.debug("no screenshot of %s: %s", selector, error)
        return None


def _clip(box: object) -> dict[str, float] | None:
    """The element's box with a margin, within the viewport and the size cap, in document
    coordinates; None when nothing of it is visible."""
    if not isinstance(box, dict):
        return None
    try:
        x, y, width, height = (float(box[k]) for k in ("x", "y", "width", "height"))
        viewport_width, viewport_height = float(box["viewport_width"]), float(box["viewport_height"])
        scroll_x, scroll_y = float(box["scroll_x"]), float(box["scroll_y"])
    except (KeyError, TypeError, ValueError):
        return None
    left, top = max(0.0, x - PADDING), max(0.0, y - PADDING)
    right = min(viewport_width, x + width + PADDING, left + MAX_WIDTH)
    bottom = min(viewport_height, y + height + PADDING, top + MAX_HEIGHT)
    if right - left < 2 or bottom - top < 2:
        return None
    return {"x": left + scroll_x, "y": top + scroll_y, "width": right - left, "height": bottom - top}
