"""Checks of theme 8 (mandatory elements): the document type and the validity of the generated
markup, as far as a browser can tell without judgement."""

from __future__ import annotations

import re

from .model import NON_CONFORME, Check
from .probe import Probe

_DOCTYPE = re.compile(rb"<!doctype\b", re.IGNORECASE)
_HTML_TAG = re.compile(rb"<html[\s>]", re.IGNORECASE)


async def doctype(probe: Probe) -> dict:
    """8.1.1 present, 8.1.2 valid (the browser is not in quirks mode), 8.1.3 before <html>.

    Read from the source as served when we have it (the DOM drops a misplaced doctype)."""
    facts = await probe.call("doctype_facts")
    source = probe.source_head
    findings = []

    def fail(test: str, reason: str) -> None:
        findings.append({"test": test, "verdict": NON_CONFORME, "selector": "", "html": "", "reason": reason})

    if source is not None:
        found, html_tag = _DOCTYPE.search(source), _HTML_TAG.search(source)
        if found is None:
            fail("8.1.1", "Le code source de la page ne déclare pas de type de document (doctype).")
        elif html_tag is not None and html_tag.start() < found.start():
            fail("8.1.3", "Le type de document (doctype) est déclaré après la balise <html>.")
    elif not facts.get("doctype"):
        fail("8.1.1", "La page n'a pas de type de document (doctype).")
    if facts.get("quirks") and not any(f["test"] == "8.1.1" for f in findings):
        fail("8.1.2", f"Le type de document « {str(facts.get('doctype') or '')[:120]} » n'est pas valide : le navigateur affiche la page en mode de compatibilité (quirks).")
    return {"applicable": True, "findings": findings}


CHECKS = (
    Check(id="doctype", tests=("8.1.1", "8.1.2", "8.1.3"), kind="page", run=doctype,
          title="Type de document (doctype) présent, valide et placé avant la balise <html>"),
    Check(id="markup", tests=("8.2.1",),
          title="Identifiants uniques et non vides, pas d'élément interactif imbriqué dans un lien ou un bouton"),
)
