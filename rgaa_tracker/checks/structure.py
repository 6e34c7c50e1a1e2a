"""Checks of theme 9 (structure of information) and of the zones of theme 12 (12.6): empty
headings, the HTML5 elements of the page's zones, the zones reachable by landmark, heading or
link."""

from __future__ import annotations

from .model import A_VERIFIER, NON_CONFORME, Check

CHECKS = (
    Check(id="empty_headings", tests=("9.1.2",),
          title="Pas de titre vide (h1 à h6 ou rôle heading sans texte restitué)"),
    Check(id="landmarks", tests=("9.2.1",), verdicts=(NON_CONFORME, A_VERIFIER),
          title="Zones de la page structurées par les balises header, nav, main (visible et unique) et footer"),
    Check(id="zones_reachable", tests=("12.6.1",), verdicts=(NON_CONFORME, A_VERIFIER),
          title="Zones de contenu principal et de recherche atteignables (landmark, titre ou lien d'accès rapide)"),
)
