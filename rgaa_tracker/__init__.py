"""rgaa-tracker: nightly RGAA tracking of the démarches of the Observatoire."""

__version__ = "0.1.0"
