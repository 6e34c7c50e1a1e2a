"""What a check may use on a settled page: the protocol session, the isolated world, the page
for keyboard and viewport, and what the démarche's earlier pages were."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from playwright.async_api import CDPSession, Page

from ..browser import world
from ..settings import Settings

LIB = "globalThis.__rgaaCheckLib"
# What Playwright sends for these keys (its US layout): Tab types no text, Enter types "\r".
KEYS = {"Tab": ("rawKeyDown", {}), "Enter": ("keyDown", {"text": "\r", "unmodifiedText": "\r"})}
KEY_CODES = {"Tab": 9, "Enter": 13}


@cache
def check_script(name: str) -> str:
    return resources.files("rgaa_tracker.checks").joinpath("js", f"{name}.js").read_text("utf-8")


@dataclass
class Probe:
    cdp: CDPSession
    page: Page
    context_id: int
    settings: Settings
    url: str
    # Titles of the pages of this démarche audited before this one (URL → title), for 8.6.1.
    earlier_titles: dict[str, str] = field(default_factory=dict)
    # The first bytes of the document as served (None when unavailable), for what the DOM hides.
    source_head: bytes | None = None
    # Windows the page opened by itself while loading (the tab closed them), for 13.2.1.
    popups_at_load: int = 0

    async def load_lib(self) -> None:
        await world.evaluate(self.cdp, check_script("_lib"), context_id=self.context_id, timeout_s=self.settings.checks.timeout_s)

    async def call_together(self, script_names: list[str], options: Any, timeout_s: float) -> Any:
        """Load the library and run the DOM checks ``script_names`` in one call: a list with,
        per check, ``{"value": …}`` or ``{"error": …}`` (parsed by the engine)."""
        functions = ", ".join(f"({check_script(name).strip().rstrip(';')})" for name in script_names)
        expression = (f"{check_script('_lib').strip()}\n({check_script('_batch').strip().rstrip(';')})"
                      f"({LIB}, [{functions}], {json.dumps(options, ensure_ascii=True)})")
        return await world.evaluate(self.cdp, expression, context_id=self.context_id, timeout_s=timeout_s, stop_script=True)

    async def call(self, script_name: str, *args: Any) -> Any:
        """Run ``checks/js/<script_name>.js`` (a function of the library and ``args``)."""
        return await world.call(self.cdp, check_script(script_name), *args, context_id=self.context_id,
                                timeout_s=self.settings.checks.timeout_s, stop_script=True, prefix_args=LIB)

    async def press(self, key: str) -> None:
        """Press Tab or Enter as Playwright's ``keyboard.press`` does (the same key events),
        straight through the protocol with both events in flight at once: a keyboard check
        presses a dozen keys per page and each went through the driver twice."""
        down, text = KEYS[key]
        event = {"key": key, "code": key, "windowsVirtualKeyCode": KEY_CODES[key], "nativeVirtualKeyCode": KEY_CODES[key]}
        await asyncio.gather(self.cdp.send("Input.dispatchKeyEvent", {**event, "type": down, **text}),
                             self.cdp.send("Input.dispatchKeyEvent", {**event, "type": "keyUp"}))

    async def refresh_world(self) -> None:
        """A fresh isolated world (after the page changed documents) with the library loaded."""
        self.context_id = await world.create(self.cdp)
        await self.load_lib()
