"""The browser-side scripts, kept as ``.js`` files in the package and read once."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def script(name: str) -> str:
    return resources.files("rgaa_tracker.browser").joinpath("js", f"{name}.js").read_text("utf-8")
