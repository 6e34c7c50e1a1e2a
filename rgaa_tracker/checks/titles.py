"""Checks of theme 8 about the page title (8.6.1: is the title relevant?).

A missing or blank title is 8.5.1, decided by axe-core (``document-title``): this check only
looks at pages that have a title. Relevance is a person's call, so everything here is
``a_verifier``:

- a generic title that says nothing of the page ("Accueil", "Sans titre", "Document", a file
  name, an address, the bare name of the site);
- the same title as another page of the same démarche audited earlier (the RGAA glossary asks a
  page title to identify the page uniquely). It stays ``a_verifier``: two addresses are not
  always two pages (a link may redirect to a page already seen), and only a person can tell.
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urlsplit

from ..statement import fold
from .model import A_VERIFIER, Check
from .probe import Probe

# Folded titles (lower-case ASCII) that name no page: placeholders of editors and frameworks.
GENERIC_TITLES = frozenset({
    "accueil", "page d'accueil", "bienvenue", "bienvenue !", "sans titre", "document sans titre", "page sans titre",
    "nouvelle page", "nouveau document", "page", "document", "titre", "titre de la page", "index", "nouvel onglet",
    "formulaire", "chargement", "chargement...", "chargement…", "chargement en cours", "en construction",
    "home", "homepage", "home page", "welcome", "untitled", "untitled document", "untitled page", "new page",
    "title", "page title", "default", "blank", "test", "new tab", "loading", "loading...", "my app", "app",
    "react app", "vite app", "vite + react", "vite + react + ts", "vite + vue", "vite + vue + ts", "angular",
    "my website", "website", "site", "web page", "webpage",
})
_EDGES = " \t-–—|:·•>/»«\"'()[]*_.,;!?"
_FILE_NAME = re.compile(r"^[\w.-]+\.(s?html?|php\d?|aspx?|jspx?|cfm|do|action|cgi)$")
_DOMAIN = re.compile(r"^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}\.?$")
_ADDRESS = re.compile(r"^(https?://\S+|([a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}/\S*)$")
MAX_NAMED = 2  # earlier pages named in one finding


def _core(title: str) -> str:
    return fold(title).strip(_EDGES)


def _site_names(host: str, declared: list) -> set[str]:
    names = {_core(name) for name in declared if isinstance(name, str)}
    host = (host or "").lower().rstrip(".")
    if host and not re.fullmatch(r"[\d.]+|\[?[0-9a-f:]+\]?", host):
        bare = host[4:] if host.startswith("www.") else host
        names |= {host, bare, bare.split(".")[0].replace("-", " ").replace("_", " ")}
    return {name for name in names if name}


def generic_reason(title: str, host: str, declared: list) -> str | None:
    """Why ``title`` names no page, or None."""
    core = _core(title)
    shown = title[:150]
    if not core:
        return f"Le titre de la page « {shown} » n'est fait que de signes de ponctuation : il ne dit rien de la page."
    if core in GENERIC_TITLES:
        return (f"Le titre de la page « {shown} » est générique : il ne dit rien du contenu de la page ni de la démarche, "
                "et ne permet pas de la retrouver dans la liste des onglets ou dans l'historique.")
    if _FILE_NAME.match(core):
        return f"Le titre de la page « {shown} » est un nom de fichier : il ne dit rien du contenu de la page."
    if _DOMAIN.match(core) or core.replace("-", " ") in _site_names(host, declared):
        return (f"Le titre de la page « {shown} » ne donne que le nom du site : il ne dit rien du contenu de la page "
                "ni de la démarche.")
    if _ADDRESS.match(core):
        return f"Le titre de la page « {shown} » est une adresse web : il ne dit rien du contenu de la page."
    return None


def page_key(url: str) -> tuple | str:
    """An address without fragment nor trailing slash, scheme and host lower-cased."""
    try:
        parts = urlsplit(urldefrag(url).url)
        return (parts.scheme.lower(), (parts.hostname or "").lower(), parts.port, parts.path.rstrip("/"), parts.query)
    except ValueError:
        return url


def same_title_pages(title: str, current_urls: list[str], earlier_titles: dict[str, str]) -> list[str]:
    """Earlier pages of the démarche (other addresses) whose title is ``title``, compared folded."""
    wanted = " ".join(fold(title).split())
    here = {page_key(url) for url in current_urls if url}
    return [url for url, other in earlier_titles.items()
            if isinstance(other, str) and " ".join(fold(other).split()) == wanted and page_key(url) not in here]


def _short(url: str) -> str:
    return url if len(url) <= 150 else url[:149] + "…"


async def page_title(probe: Probe) -> dict:
    facts = await probe.call("page_title_facts")
    if not isinstance(facts, dict):
        raise ValueError("réponse illisible de la page")
    title = " ".join(str(facts.get("title") or "").split())
    if not title:
        return {"applicable": False, "findings": []}  # no title: 8.5.1, axe-core's document-title
    selector, html = str(facts.get("selector") or ""), str(facts.get("html") or "")
    findings = []
    declared = facts.get("siteNames") if isinstance(facts.get("siteNames"), list) else []
    reason = generic_reason(title, str(facts.get("host") or ""), declared)
    if reason:
        findings.append({"test": "8.6.1", "verdict": A_VERIFIER, "selector": selector, "html": html, "reason": reason})
    final_url = getattr(probe.page, "url", "") if probe.page is not None else ""
    same = same_title_pages(title, [probe.url, final_url], probe.earlier_titles)
    if same:
        named = " ; ".join(_short(url) for url in same[:MAX_NAMED])
        more = f" (et {len(same) - MAX_NAMED} autre(s))" if len(same) > MAX_NAMED else ""
        others = ("d'une autre page de la même démarche, auditée" if len(same) == 1
                  else f"de {len(same)} autres pages de la même démarche, auditées")
        findings.append({"test": "8.6.1", "verdict": A_VERIFIER, "selector": selector, "html": html, "reason": (
            f"Le titre « {title[:120]} » de cette page ({_short(probe.url)}) est aussi celui {others} avant elle : "
            f"{named}{more}. Un titre de page doit identifier la page de façon unique : vérifier qu'il s'agit bien de "
            "pages différentes.")})
    return {"applicable": True, "findings": findings}


CHECKS = (
    Check(id="page_title", tests=("8.6.1",), kind="page", run=page_title, verdicts=(A_VERIFIER,),
          title="Titre de page pertinent : ni générique, ni identique à celui d'une autre page de la démarche"),
)
