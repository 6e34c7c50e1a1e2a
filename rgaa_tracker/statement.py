"""Finding the accessibility mention, the statement link and the RGAA sample pages. Pure text.

Sites write the mandatory mention in many ways ("Accessibilité : partiellement conforme",
"accessibilité: Partiellement Conforme", split across lines or inside a link), so matching is
done on text folded to lower-case ASCII with collapsed white space.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urldefrag, urlsplit

from .link import web_url

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


_SPACES = re.compile(r"\s+")
# Per role, one pattern for its words in a link's text, and its one-word spellings looked for
# in the href's path: a page lists thousands of links, each asked every role.
_ROLE_TEXT = {role: re.compile("|".join(rf"\b{re.escape(word)}\b" for word in words)) for role, words in _ROLE_WORDS.items()}
_ROLE_PATH = {role: tuple(word for word in words if " " not in word) for role, words in _ROLE_WORDS.items()}


def fold(text: str) -> str:
    """Lower-case, accents removed, typographic apostrophes and spaces normalised."""
    text = text or ""
    if not text.isascii():  # ASCII has no accent nor typographic space: most text of a page
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        text = text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")
    return _SPACES.sub(" ", text.lower()).strip()


def footer_mention(*texts: str) -> str | None:
    """``"totalement"``, ``"partiellement"``, ``"non"`` or None, from the first text that has one."""
    for text in texts:
        match = _MENTION.search(fold(text))
        if match:
            return match.group(1)
    return None


def same_site(url: str, base: str) -> bool:
    try:
        a, b = urlsplit(url), urlsplit(base)
        return a.scheme in ("http", "https") and a.hostname == b.hostname and a.port == b.port
    except ValueError:  # a malformed host or port is no site of ours
        return False


def link_role(text: str, href: str) -> str | None:
    folded_text, folded_href = fold(text), fold(href)
    try:
        path = urlsplit(folded_href).path
    except ValueError:
        path = ""
    for role, pattern in _ROLE_TEXT.items():
        if pattern.search(folded_text) or any(word in path for word in _ROLE_PATH[role]):
            return role
    return None


def sample_pages(start_url: str, links: list[tuple[str, str]], limit: int) -> list[tuple[str, str]]:
    """(role, url) of the RGAA sample pages linked from the start page, same site, one per role.

    ``limit`` counts the start page, so at most ``limit - 1`` pages are returned.
    """
    if limit <= 1:
        return []
    chosen: dict[str, str] = {}
    start = urldefrag(start_url).url
    for text, href in links:
        url = web_url(href)
        if url is None or not same_site(url, start_url) or url == start:
            continue
        role = link_role(text, url)
        if role and role not in chosen and url not in chosen.values():
            chosen[role] = url
    ordered = [(role, chosen[role]) for role in ROLES if role in chosen]
    return ordered[: max(0, limit - 1)]


def statement_url(start_url: str, links: list[tuple[str, str]]) -> str | None:
    """The link to the accessibility page: a link whose text or href speaks of accessibility."""
    for text, href in links:
        url = web_url(href)
        if url is not None and link_role(text, url) == "statement":
            return url
    return None


# --- What a statement page declares -------------------------------------------------------------

MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}
_DATE = (
    r"(?:(?P<d1>\d{1,2})(?:er)?\s+(?P<m1>" + "|".join(MONTHS) + r")\s+(?P<y1>\d{4})"
    r"|(?P<d2>\d{1,2})[/.-](?P<m2>\d{1,2})[/.-](?P<y2>\d{4})"
    r"|(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2}))"
)
_ESTABLISHED = re.compile(r"(?:etablie|redigee|publiee|realisee)\s+(?:le\s+|en\s+date\s+du\s+)?" + _DATE)
_UPDATED = re.compile(r"mise\s+a\s+jour\s+(?:le\s+)?" + _DATE)
_AUDITED = re.compile(r"audit[^.]{0,80}?(?:realise|effectue|mene|conduit)e?s?\s+(?:le\s+|en\s+date\s+du\s+)?" + _DATE)
_NUMBER = r"(\d{1,3}(?:[.,]\d{1,2})?)\s*%"
_RATE_AFTER = re.compile(_NUMBER + r"\s*(?:des\s+criteres|de\s+criteres|de\s+conformite|des\s+\d+\s+criteres)")
_RATE_BEFORE = re.compile(r"taux\s+(?:global\s+)?de\s+conformite(?:\s+global)?(?:\s+(?:du\s+site|au\s+rgaa(?:\s*[\d.]+)?|du\s+service|de\s+ce\s+site))?\s*(?:est\s+de|s'eleve\s+a|de|:|=|est)?\s*" + _NUMBER)
_STATUS = re.compile(r"(?:est|sont|:)\s+(totalement|partiellement|non)\s+conformes?\b")
_STATUS_STANDALONE = re.compile(r"\b(totalement|partiellement|non)\s+conformes?\s+(?:avec|au|a la|aux)\s+(?:le\s+)?(?:rgaa|referentiel)")
_VERSION = re.compile(r"\brgaa\s*(?:,?\s*version\s*|v)?\s*(\d(?:\.\d){0,2})\b")


@dataclass(frozen=True)
class StatementFacts:
    """What a statement page says; every field stays None when the page does not say it."""

    status: str | None = None
    rate: float | None = None
    published_on: dt.date | None = None  # « établie le »
    audited_on: dt.date | None = None  # « audit réalisé le »
    rgaa_version: str | None = None
    updated_on: dt.date | None = None  # « mise à jour le » (last: older callers build the others by position)

    @property
    def empty(self) -> bool:
        return self == StatementFacts()


def _date_of(match: re.Match) -> dt.date | None:
    groups = match.groupdict()
    try:
        if groups["d1"]:
            return dt.date(int(groups["y1"]), MONTHS[groups["m1"]], int(groups["d1"]))
        if groups["d2"]:
            return dt.date(int(groups["y2"]), int(groups["m2"]), int(groups["d2"]))
        return dt.date(int(groups["y3"]), int(groups["m3"]), int(groups["d3"]))
    except ValueError:
        return None  # "31 février": not a date, and we do not guess one


def _last_date(pattern: re.Pattern, text: str) -> dt.date | None:
    dates = [d for d in map(_date_of, pattern.finditer(text)) if d]
    return max(dates) if dates else None


def _rate(text: str) -> float | None:
    for pattern in (_RATE_BEFORE, _RATE_AFTER):
        for match in pattern.finditer(text):
            sentence = re.split(r"[.;!?]\s", text[max(0, match.start() - 80): match.start()])[-1]
            if "moyen" in sentence or "moyen" in match.group(0):
                continue  # the optional average rate is not the RGAA conformity rate
            value = float(match.group(1).replace(",", "."))
            if 0 <= value <= 100:
                return value
    return None


def parse_statement(text: str) -> StatementFacts:
    """Read status, rate, dates and RGAA version from a statement page's text.

    The three dates are kept apart: the rules count validity from different ones (2020: the
    statement's date; 2023: the audit's), and a later update must not hide when it was made."""
    folded = fold(text)
    status_match = _MENTION.search(folded) or _STATUS.search(folded) or _STATUS_STANDALONE.search(folded)
    version = _VERSION.search(folded)
    return StatementFacts(
        status=status_match.group(1) if status_match else None,
        rate=_rate(folded),
        published_on=_last_date(_ESTABLISHED, folded),
        updated_on=_last_date(_UPDATED, folded),
        audited_on=_last_date(_AUDITED, folded),
        rgaa_version=version.group(1) if version else None,
    )
