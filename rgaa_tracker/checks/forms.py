"""Checks of theme 11 (forms)."""

from .model import Check

CHECKS = (
    Check(
        id="field_groups", tests=("11.5.1", "11.6.1"),
        title="Boutons radio et cases à cocher de même nom regroupés (fieldset ou rôle group) et légendés",
    ),
)
