"""Finding the accessibility mention, the statement link and the RGAA sample pages. Pure text.

Sites write the mandatory mention in many ways ("Accessibilité : partiellement conforme",
"accessibilité: Partiellement Conforme", split across lines or inside a link), so matching is
done on text folded to lower-case ASCII with collapsed white space.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urldefrag, urlsplit

_MENTION = re.compile(r"accessibilite\s*:?\s*(non|partiellement|totalement)\s+conforme")
ROLES = ("start", "statement", "legal", "contact", "sitemap", "help")
# Role → words looked for in a link's text or href (folded). Order matters: first role wins.
_ROLE_WORDS = {
    "statement": ("declaration d'accessibilite", "accessibilite", "accessibility"),
    "legal": ("mentions legales", "mentions-legales", "legal", "informations legales"),
    "contact": ("contact", "nous contacter", "nous-contacter", "contactez"),
    "sitemap": ("plan du site", "plan-du-site", "sitemap", "plan-site"),
    "help": ("aide", "faq", "help", "questions frequentes"),
}


def fold(text: str) -> str:
    """Lower-case, accents removed, typographic apostrophes and spaces normalised."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", text.lower()).strip()


def footer_mention(*texts: str) -> str | None:
    """``"totalement"``, ``"partiellement"``, ``"non"`` or None, from the first text that has one."""
    for text in texts:
        match = _MENTION.search(fold(text))
        if match:
            return match.group(1)
    return None


def same_site(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return a.scheme in ("http", "https") and a.hostname == b.hostname and a.port == b.port


def link_role(text: str, href: str) -> str | None:
    folded_text, folded_href = fold(text), fold(href)
    path = urlsplit(folded_href).path
    for role, words in _ROLE_WORDS.items():
        for word in words:
            if word in folded_text or (" " not in word and word in path):
                return role
    return None


def sample_pages(start_url: str, links: list[tuple[str, str]], limit: int) -> list[tuple[str, str]]:
    """(role, url) of the RGAA sample pages linked from the start page, same site, one per role.

    ``limit`` counts the start page, so at most ``limit - 1`` pages are returned.
    """
    chosen: dict[str, str] = {}
    start = urldefrag(start_url).url
    for text, href in links:
        url = urldefrag(href).url
        if not same_site(url, start_url) or url == start:
            continue
        role = link_role(text, url)
        if role and role not in chosen and url not in chosen.values():
            chosen[role] = url
    ordered = [(role, chosen[role]) for role in ROLES if role in chosen]
    return ordered[: max(0, limit - 1)]


def statement_url(start_url: str, links: list[tuple[str, str]]) -> str | None:
    """The link to the accessibility page: a link whose text or href speaks of accessibility."""
    for text, href in links:
        url = urldefrag(href).url
        if url.startswith(("http://", "https://")) and link_role(text, url) == "statement":
            return url
    return None
