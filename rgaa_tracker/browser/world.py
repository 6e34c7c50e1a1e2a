"""Running our scripts where page code cannot reach them: an isolated world of the main frame,
created through the DevTools protocol.

An isolated world shares the page's DOM but has its own JavaScript globals and DOM wrappers (as
browser extensions do), so a page that redefines ``Array.from``, ``Promise`` or
``querySelectorAll``, or sets ``window.axe``, changes nothing there; scripts evaluated through the
protocol are not subject to the page's Content-Security-Policy either.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from playwright.async_api import CDPSession
from playwright.async_api import Error as PlaywrightError

WORLD_NAME = "rgaa-tracker"
# What the protocol says when the document the world belonged to has gone (navigation, reload).
_GONE = ("Cannot find context", "Execution context was destroyed", "Inspected target navigated", "No frame")


class PageScriptError(Exception):
    """Our script threw in the page (message from the page's engine, capped)."""


class NavigatedAway(Exception):
    """The document changed under our script: the page navigated or reloaded itself."""


async def main_frame_id(cdp: CDPSession) -> str:
    tree = await cdp.send("Page.getFrameTree")
    return tree["frameTree"]["frame"]["id"]


async def create(cdp: CDPSession, frame_id: str | None = None) -> int:
    """Our isolated world in the current document of the main frame; its context id.

    Chromium keeps one world per name and document: a second call gives back the same world,
    with what ran in it before.
    ``frame_id``, when the caller knows it, saves asking for the frame tree (it is stable for
    the life of the tab)."""
    try:
        created = await cdp.send("Page.createIsolatedWorld", {"frameId": frame_id or await main_frame_id(cdp), "worldName": WORLD_NAME})
    except PlaywrightError as error:
        raise _translate(error) from error
    return int(created["executionContextId"])


async def evaluate(cdp: CDPSession, expression: str, *, context_id: int | None, timeout_s: float, stop_script: bool = False) -> Any:
    """Evaluate ``expression`` (awaiting a promise) and return its value as plain data.

    ``context_id`` None means the page's main world (only for reading our settle probe).
    ``stop_script`` makes the engine itself terminate a synchronous script still running at
    ``timeout_s`` (a check stuck in a loop must not keep the page's thread busy).
    """
    params: dict[str, Any] = {"expression": expression, "returnByValue": True, "awaitPromise": True}
    if context_id is not None:
        params["contextId"] = context_id
    if stop_script:
        params["timeout"] = int(timeout_s * 1000)
    try:
        answer = await asyncio.wait_for(cdp.send("Runtime.evaluate", params), timeout_s)
    except PlaywrightError as error:
        raise _translate(error) from error
    details = answer.get("exceptionDetails")
    if details:
        description = (details.get("exception") or {}).get("description") or details.get("text") or "erreur"
        if any(needle in description for needle in _GONE):
            raise NavigatedAway(description[:300])
        raise PageScriptError(str(description)[:500])
    return (answer.get("result") or {}).get("value")


async def call(cdp: CDPSession, function_source: str, *args: Any, context_id: int | None, timeout_s: float,
               stop_script: bool = False, prefix_args: str = "") -> Any:
    """Call the function in ``function_source`` (one of our .js files) with JSON arguments,
    after ``prefix_args`` (a JavaScript expression list, e.g. a library object of the world)."""
    arguments = ", ".join([*([prefix_args] if prefix_args else []), *(json.dumps(arg, ensure_ascii=True) for arg in args)])
    return await evaluate(cdp, f"({function_source.strip().rstrip(';')})({arguments})", context_id=context_id,
                          timeout_s=timeout_s, stop_script=stop_script)


def _translate(error: PlaywrightError) -> Exception:
    message = str(error)
    if any(needle in message for needle in _GONE):
        return NavigatedAway(message[:300])
    return error
