"""What a page script sends back, parsed at the boundary into typed values.

Page scripts run on untrusted pages: whatever comes back may be null, of the wrong type, huge,
or a link to ``javascript:``, ``data:`` or a malformed address. The rest of the program only ever
sees a ``PageFacts``: every string capped, every link an absolute http(s) URL short enough to
store, every count a non-negative int. Parsing never raises: what cannot be read is left out.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from ..link import Link, web_url

MAX_TITLE = 1000
MAX_LINK_TEXT = 500
MAX_FOOTER = 20_000
MAX_TEXT = 200_000


def _clean_text(value: Any, size: int) -> str:
    if not isinstance(value, str):
        return ""
    # Lone surrogates (possible in JS strings) cannot be encoded or stored: replace them.
    value = value[:size].encode("utf-8", "replace").decode("utf-8")
    return value.replace("\x00", "")


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0:
        return 0
    return int(min(value, 2**31 - 1))


def _links(value: Any) -> list[Link]:
    if not isinstance(value, list):
        return []
    links: list[Link] = []
    for item in value:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            continue
        url = web_url(item[1])
        if url is not None:
            links.append(Link(" ".join(_clean_text(item[0], MAX_LINK_TEXT).split()), url))
    return links


def _text_field(size: int):
    return Annotated[str, BeforeValidator(lambda value: _clean_text(value, size))]


class PageFacts(BaseModel):
    """What the crawl reads from a page besides axe: title, links, footer and body text, size."""

    model_config = ConfigDict(frozen=True)

    title: _text_field(MAX_TITLE) = ""
    content_type: _text_field(200) = ""
    lang: _text_field(100) = ""
    quirks: Annotated[bool, BeforeValidator(lambda value: value is True)] = False
    elements: Annotated[int, BeforeValidator(_count)] = 0
    html_bytes: Annotated[int, BeforeValidator(_count)] = 0
    links: Annotated[list[Link], BeforeValidator(_links)] = []
    links_total: Annotated[int, BeforeValidator(_count)] = 0
    footer: _text_field(MAX_FOOTER) = ""
    text: _text_field(MAX_TEXT) = ""

    @property
    def is_html(self) -> bool:
        return self.content_type in ("", "text/html", "application/xhtml+xml")


def parse_page_facts(raw: Any) -> PageFacts:
    """The page facts in ``raw`` (anything a page script returned); never raises."""
    if not isinstance(raw, dict):
        return PageFacts()
    known = {key: raw[key] for key in PageFacts.model_fields if key in raw}
    try:
        return PageFacts.model_validate(known)
    except ValidationError:  # every field coerces, so this is a bug of ours: keep what is safe
        return PageFacts()
