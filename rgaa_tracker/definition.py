"""The two definitions of "accessible" the Observatoire used, as data read from the settings.

One history of declarations is judged by either rule: the 2020 rule (« Prise en compte
handicaps », 75 % and a statement under 3 years old) and the rule in force since July 2023 (the
legal levels: 100 % / 50 %). Keeping them side by side lets a report say where a ministry stood
under the rule of the day and under today's, without rewriting history. See docs/indicators.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .errors import TrackerError
from .settings import Settings

NAMES = ("2020", "2023")
LEVELS = ("oui", "partiel", "non")
LEVEL_LABELS = {"oui": "Oui", "partiel": "Partiel", "non": "Non"}
TITLES = {
    "2020": "règle 2020 (« Prise en compte handicaps » : déclaration de moins de 3 ans et taux d'au moins 75 %)",
    "2023": "règle 2023 (niveaux légaux : Oui à 100 %, Partiel à partir de 50 %)",
}


@dataclass(frozen=True)
class Definition:
    """One rule: its levels, its validity and its target."""

    name: str
    full_rate: float  # « Oui » from this declared rate
    partial_rate: float  # « Partiel » from this rate, for a valid statement (0: any valid statement)
    validity_years: int
    valid_from: str  # "statement" | "audit": the date the validity counts from
    target_share: float
    deadline: dt.date
    baseline_date: dt.date

    @property
    def title(self) -> str:
        return TITLES[self.name]


def get(name: str | None, settings: Settings, as_of: dt.date | None = None) -> Definition:
    """The named rule, or the one in force on ``as_of`` (the switch date is a setting)."""
    if name is None:
        name = "2023" if as_of is not None and as_of >= settings.definition_switch else "2020"
    name = str(name).strip()
    if name == "2020":
        return Definition("2020", settings.threshold, 0.0, settings.validity_years, settings.valid_from,
                          settings.target_share, settings.deadline, settings.baseline_date)
    if name == "2023":
        rule = settings.rule_2023
        return Definition("2023", rule.full_rate, rule.partial_rate, rule.validity_years, rule.valid_from,
                          rule.target_share, rule.deadline, rule.baseline_date)
    raise TrackerError(f"Définition inconnue : « {name} » (attendu 2020 ou 2023)")


def in_force_name(as_of: dt.date, settings: Settings) -> str:
    return get(None, settings, as_of).name
