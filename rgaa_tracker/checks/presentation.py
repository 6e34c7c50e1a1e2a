"""Checks of theme 10 (presentation of information): presentational markup, reflow at 320 px,
text spacing. The two page checks change the page (viewport, a style sheet) and put it back."""

from __future__ import annotations

import contextlib

from .model import A_VERIFIER, NON_CONFORME, Check
from .probe import Probe


async def reflow(probe: Probe) -> dict:
    """10.11.1: the page at ``reflow_width`` CSS px wide (same height), measured after a couple
    of frames by ``js/reflow.js``; the viewport and the scroll position are put back."""
    page = probe.page
    original = page.viewport_size
    if original is None:  # no emulated viewport: the window's own size
        size = await probe.call("reflow", {"mode": "size"})
        original = {"width": int(size[0]), "height": int(size[1])}
    scroll = await probe.call("reflow", {"mode": "scroll"})
    width = probe.settings.checks.reflow_width
    try:
        await page.set_viewport_size({"width": width, "height": original["height"]})
        return await probe.call("reflow", {"mode": "measure", "width": width})
    finally:
        await page.set_viewport_size(original)
        with contextlib.suppress(Exception):
            await probe.call("reflow", {"mode": "restore", "scroll": scroll, "width": original["width"]})


async def text_spacing(probe: Probe) -> dict:
    """10.12.1: ``js/text_spacing.js`` adds the spacing style sheet, compares and takes it off;
    taken off again here in case the script was stopped before its own ``finally``."""
    try:
        return await probe.call("text_spacing", {"mode": "run"})
    finally:
        with contextlib.suppress(Exception):
            await probe.call("text_spacing", {"mode": "clean"})


CHECKS = (
    Check(id="presentational_markup", tests=("10.1.1", "10.1.2"),
          title="Pas de balises ni d'attributs servant à la présentation de l'information (font, center, align, bgcolor, width…)"),
    Check(id="reflow", tests=("10.11.1",), kind="page", run=reflow, order=70, verdicts=(NON_CONFORME, A_VERIFIER),
          title="Contenu disponible sans défilement horizontal dans une fenêtre de 320 px de large (hors cas particuliers)"),
    Check(id="text_spacing", tests=("10.12.1",), kind="page", run=text_spacing, order=80, verdicts=(NON_CONFORME, A_VERIFIER),
          title="Texte lisible, sans être coupé, quand l'espacement du texte est augmenté (interlignage, lettres, mots, paragraphes)"),
)
