"""Links a crawl may follow: absolute http(s) URLs short enough to store. Pure, no browser.

Hrefs come from untrusted pages; this is the one place that decides what is a followable URL,
for the page facts, the sample pages and the statement link alike.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple
from urllib.parse import urldefrag, urljoin, urlsplit

MAX_URL = 2000  # the URL columns of the database
WEB_SCHEMES = ("http", "https")
# Control characters (Cc), lone surrogates (Cs) and any white space: never in a URL we store.
_UNFIT = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\s]")


class Link(NamedTuple):
    """A followable link: (visible text, absolute http(s) URL without fragment)."""

    text: str
    url: str


def web_url(href: Any, base: str = "") -> str | None:
    """``href`` as an absolute http(s) URL without fragment, or None when it is not one.

    None for other schemes (javascript:, data:, mailto:, tel:…), hosts that are missing or not
    valid, bad ports, control characters, and URLs longer than the database keeps.
    """
    if not isinstance(href, str) or not href.strip() or len(href) > 4 * MAX_URL:
        return None
    try:
        url = urldefrag(urljoin(base, href.strip())).url
        parts = urlsplit(url)
        if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname:
            return None
        parts.port  # noqa: B018 — raises ValueError on a port out of range or not a number
        url = parts._replace(scheme=parts.scheme.lower()).geturl()
    except (ValueError, TypeError):
        return None
    if len(url) > MAX_URL or _UNFIT.search(url):
        return None
    return url


