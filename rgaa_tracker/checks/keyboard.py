"""Checks that use the page as a keyboard user does (themes 10, 12 and 13): the focus is visible
(10.7.1), a working link leads to the main content (12.7.1, 12.7.2), no window opens by itself
(13.2.1).

The keyboard checks press real keys in the page (``probe.press``: the browser's own key events) and read what
happened in the isolated world (``js/focus_visible.js``, ``js/skip_link.js``). They leave no
focus, the scroll where it was and the address unchanged, in a ``finally``. Everything is
bounded: a number of elements, a number of screenshots, a share of the check's budget.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from playwright.async_api import Error as PlaywrightError

from .model import A_VERIFIER, NON_CONFORME, Check
from .probe import Probe

MARGIN_PX = 12  # around the focused element: where a focus ring (outline offset, shadow) is drawn
MAX_SCREENSHOT_PAIRS = 2  # a pair costs ~60 ms: only for elements whose style did not change at all
MAX_CLIP_PX = 1200  # a huge focused element (a whole region) is compared on its visible part only
SKIP_SHOW_WAIT_S = 0.35  # a skip link may slide in on focus (transition): looked at again once
ACTIVATION_WAIT_S = 0.3  # a skip link handled by a script may move the focus a little later


def _budget(probe: Probe) -> float:
    """The monotonic time by which a keyboard check stops acting and answers with what it saw
    (well within the engine's own timeout, so the restoring ``finally`` always has time)."""
    return time.monotonic() + min(3.0, probe.settings.checks.timeout_s * 0.6)


def _finding(test: str, verdict: str, selector: str, html: str, reason: str) -> dict:
    return {"test": test, "verdict": verdict, "selector": selector, "html": html, "reason": reason}


# --- 10.7.1 ----------------------------------------------------------------------------------


def _clip(seen: dict) -> dict | None:
    """The focused element's box plus a margin, within the viewport, in page coordinates (what
    ``Page.captureScreenshot`` expects); None when the element is not on screen."""
    rect, view = seen.get("rect") or {}, seen.get("viewport") or {}
    try:
        left, top = max(rect["left"] - MARGIN_PX, 0), max(rect["top"] - MARGIN_PX, 0)
        right, bottom = min(rect["right"] + MARGIN_PX, view["width"]), min(rect["bottom"] + MARGIN_PX, view["height"])
        inside = rect["right"] > 0 and rect["bottom"] > 0 and rect["left"] < view["width"] and rect["top"] < view["height"]
        x, y = view["x"], view["y"]
    except (KeyError, TypeError):
        return None
    if not inside or right - left < 1 or bottom - top < 1 or rect["right"] - rect["left"] < 1 or rect["bottom"] - rect["top"] < 1:
        return None
    return {"x": x + left, "y": y + top, "width": min(right - left, MAX_CLIP_PX), "height": min(bottom - top, MAX_CLIP_PX), "scale": 1}


async def _shot(probe: Probe, clip: dict) -> str | None:
    try:
        answer = await probe.cdp.send("Page.captureScreenshot", {"format": "png", "clip": clip})
    except PlaywrightError:
        return None  # nothing painted to capture (a hidden tab, a zero-size page): not compared
    return answer.get("data") or None


async def _rendering_changes(probe: Probe, clip: dict) -> bool | None:
    """Whether the pixels around the element differ focused and not (None: not compared).
    The element is blurred on entry and on exit."""
    unfocused = await _shot(probe, clip)
    if unfocused is None or not await probe.call("focus_visible", "refocus"):
        return None
    try:
        focused = await _shot(probe, clip)
    finally:
        await probe.call("focus_visible", "blur")
    return None if focused is None else focused != unfocused


async def focus_visible(probe: Probe) -> dict:
    """10.7.1, pressing Tab from the top through at most ``focus_max_elements`` elements.

    An element passes when anything that can draw a focus indicator on or around it changes
    with focus (computed styles of the element, its pseudo-elements, ancestors, neighbours and
    labels) or, failing that, when its rendering plus a margin of ``MARGIN_PX`` differs in a
    screenshot. ``non_conforme`` only when nothing changes at all, pixels included, and the
    element draws no outline or shadow of its own; otherwise ``a_verifier`` for what could
    not be compared (off screen, a text field's blinking caret, screenshots used up).
    A page where nothing can take the focus (``start`` in the script says so) is not applicable
    without a key pressed: the check's cost is for pages that have what it tests."""
    if not await probe.call("focus_visible", "start"):
        return {"applicable": False, "findings": []}  # nothing to tab to: no key pressed, no screenshot
    deadline = _budget(probe)
    findings: list[dict] = []
    reached, pairs = 0, 0
    try:
        for _ in range(probe.settings.checks.focus_max_elements):
            if time.monotonic() > deadline:
                break
            await probe.press("Tab")
            seen = await probe.call("focus_visible", "inspect")
            if not isinstance(seen, dict) or seen.get("done"):
                break
            reached += 1
            compare = seen.get("suspect") and pairs < MAX_SCREENSHOT_PAIRS and time.monotonic() < deadline
            clip = _clip(seen) if seen.get("suspect") else None
            changes = None
            if compare and clip is not None and not seen.get("textEntry"):
                pairs += 1
                changes = await _rendering_changes(probe, clip)
            judged = _focus_verdict(seen, clip, changes)
            if judged is not None:
                verdict, reason = judged
                findings.append(_finding("10.7.1", verdict, str(seen.get("selector") or ""), str(seen.get("html") or ""), reason))
    finally:
        await probe.call("focus_visible", "finish")
    return {"applicable": reached > 0, "findings": findings}


def _focus_verdict(seen: dict, clip: dict | None, changes: bool | None) -> tuple[str, str] | None:
    """One focused element: None when its focus shows, else (verdict, French reason)."""
    check = "vérifier que la prise de focus est visible."
    if seen.get("offscreen"):
        return A_VERIFIER, f"L'élément reçoit le focus hors de la zone affichée (il y reste même après défilement) : {check}"
    if not seen.get("suspect") or changes:
        return None  # a style that draws on or around it changed, or its rendering did
    if clip is None:
        return A_VERIFIER, f"Le style de l'élément ne change pas à la prise de focus et il n'occupe aucune surface à l'écran : {check}"
    if seen.get("textEntry"):
        return A_VERIFIER, f"Le style du champ ne change pas à la prise de focus (seul le curseur de saisie peut l'indiquer) : {check}"
    if changes is None:
        return A_VERIFIER, f"Le style de l'élément ne change pas à la prise de focus (rendu non comparé) : {check}"
    if seen.get("ring"):
        return A_VERIFIER, f"L'élément a un contour ou une ombre qui ne change pas au focus, et un rendu identique avec et sans focus : {check}"
    return NON_CONFORME, (f"Prise de focus invisible : l'élément et ses abords ({MARGIN_PX} px) s'affichent à l'identique avec et sans "
                          "le focus, sans contour, ombre, bordure, fond ni couleur qui change.")


# --- 12.7.1 / 12.7.2 -------------------------------------------------------------------------


async def _poll(seconds: float, step: float, ask) -> Any:
    """``ask()`` until it answers something truthy or ``seconds`` pass; its last answer."""
    end = time.monotonic() + seconds
    answer = await ask()
    while not answer and time.monotonic() < end:
        await asyncio.sleep(step)
        answer = await ask()
    return answer


async def skip_link(probe: Probe) -> dict:
    """12.7.1: a link to the main content among the first ``skip_link_within`` focusable
    elements. 12.7.2: that link is visible once focused and works (its target exists and, once
    it is activated with Enter, keyboard navigation resumes from it, past the header).

    No such link where at least ``skip_link_within`` focusable elements, some in a header or
    navigation block, precede the ``main`` zone: ``non_conforme``. Fewer of them, no main zone,
    or a link found further: ``a_verifier``. Nothing focusable before the main zone:
    ``non_applicable``. Whether the link sits at the same place on every page is not judged."""
    settings = probe.settings.checks
    deadline = _budget(probe)
    facts = await probe.call("skip_link", "facts", {"within": settings.skip_link_within})
    if not isinstance(facts, dict):
        raise ValueError("skip_link: réponse illisible")
    findings = list(facts.get("findings") or [])
    link = facts.get("link")
    if not isinstance(link, dict) or not link.get("found"):
        return {"applicable": bool(facts.get("applicable")), "findings": findings, "not_applicable": ["12.7.2"]}  # no link to try
    selector, html, name = str(link.get("selector") or ""), str(link.get("html") or ""), str(link.get("label") or "")
    try:
        await probe.call("skip_link", "reset")
        reached = False
        for _ in range(min(int(link.get("index") or 0), settings.skip_link_within + 5) + 1):
            await probe.press("Tab")
            reached = bool((await probe.call("skip_link", "at_link") or {}).get("at"))
            if reached or time.monotonic() > deadline:
                break
        if not reached and not await probe.call("skip_link", "focus_link"):
            findings.append(_finding("12.7.2", A_VERIFIER, selector, html,
                                     f"Le lien « {name} » n'a pas pu recevoir le focus : vérifier qu'il est visible à la prise de focus et fonctionnel."))
            return {"applicable": True, "findings": findings}
        shown = await probe.call("skip_link", "visible") or {}
        if not shown.get("visible") and not shown.get("covered"):
            await asyncio.sleep(SKIP_SHOW_WAIT_S)
            shown = await probe.call("skip_link", "visible") or {}
        if not shown.get("visible"):
            verdict = A_VERIFIER if shown.get("covered") else NON_CONFORME
            findings.append(_finding("12.7.2", verdict, selector, html,
                                     f"Le lien « {name} » n'est pas visible quand il reçoit le focus : {shown.get('why') or 'zone visible nulle'}."))
        await probe.press("Enter")
        after = await _poll(ACTIVATION_WAIT_S, 0.05, lambda: _moved(probe))
        if not after.get("ok"):
            await probe.press("Tab")
            after = await probe.call("skip_link", "activated", {"tabbed": True}) or {}
            if not after.get("ok"):
                findings.append(_finding("12.7.2", NON_CONFORME, selector, html,
                                         f"Le lien « {name} » ne fonctionne pas : après son activation, la tabulation suivante mène à {after.get('active') or 'aucun élément'}, pas au contenu principal."))
    finally:
        await probe.call("skip_link", "finish")
    return {"applicable": True, "findings": findings}


async def _moved(probe: Probe) -> dict:
    """After Enter: the answer once activation did something (the address took the fragment,
    or focus left the link); falsy while nothing happened yet, so ``_poll`` waits for a script."""
    answer = await probe.call("skip_link", "activated", {"tabbed": False}) or {}
    return answer if (answer.get("ok") or answer.get("moved") or answer.get("hashChanged")) else {}


# --- 13.2.1 ----------------------------------------------------------------------------------


async def popup_on_load(probe: Probe) -> dict:
    """13.2.1: windows the page opened by itself while it loaded, as the tab counted them
    (``probe.popups_at_load``: new pages of the context before the checks ran, so nothing our
    own keyboard checks trigger later). A ``<meta http-equiv="refresh">`` navigates the same
    tab: not a new window, not counted. A probe without the count observed nothing: not
    applicable rather than a clean bill the check cannot vouch for."""
    count = getattr(probe, "popups_at_load", None)
    if not isinstance(count, int):
        return {"applicable": False, "findings": []}
    findings = []
    if count > 0:
        windows = "une nouvelle fenêtre" if count == 1 else f"{count} nouvelles fenêtres"
        findings.append(_finding("13.2.1", NON_CONFORME, "", "",
                                 f"La page a ouvert {windows} pendant son chargement, sans action de l'utilisateur."))
    return {"applicable": True, "findings": findings}


CHECKS = (
    Check(id="popup_on_load", tests=("13.2.1",), kind="page", run=popup_on_load, order=10,
          title="Aucune nouvelle fenêtre ouverte au chargement de la page sans action de l'utilisateur"),
    Check(id="focus_visible", tests=("10.7.1",), kind="page", run=focus_visible, order=50, verdicts=(NON_CONFORME, A_VERIFIER),
          title="Prise de focus visible sur les éléments atteints à la tabulation"),
    Check(id="skip_link", tests=("12.7.1", "12.7.2"), kind="page", run=skip_link, order=60, verdicts=(NON_CONFORME, A_VERIFIER),
          title="Lien d'évitement ou d'accès rapide vers le contenu principal, présent, visible à la prise de focus et fonctionnel"),
)
