"""What went wrong with a page, as a machine code and a French reason naming the URL.

The codes are stored on the page audit and read by scripts (SPEC §6): extend, never rename.
"""

from __future__ import annotations

import asyncio

from playwright.async_api import TimeoutError as PlaywrightTimeout

TRANSIENT = {"timeout", "connection_refused", "connection_reset", "empty_response", "crash", "browser_error", "aborted"}
TRANSIENT_HTTP = {429, 502, 503, 504}
_ERRORS = (
    ("ERR_CONNECTION_REFUSED", "connection_refused", "connexion refusée par le serveur"),
    ("ERR_NAME_NOT_RESOLVED", "dns", "nom de domaine introuvable"),
    ("ERR_TOO_MANY_REDIRECTS", "redirect_loop", "trop de redirections (boucle)"),
    ("Download is starting", "download", "l'adresse déclenche un téléchargement au lieu d'afficher une page"),
    ("ERR_ABORTED", "aborted", "chargement interrompu avant la fin"),
    ("ERR_CONNECTION_RESET", "connection_reset", "connexion interrompue par le serveur"),
    ("ERR_CONNECTION_CLOSED", "connection_reset", "connexion fermée par le serveur"),
    ("ERR_EMPTY_RESPONSE", "empty_response", "le serveur n'a rien répondu"),
    ("ERR_INVALID_HTTP_RESPONSE", "empty_response", "réponse HTTP invalide"),
    ("ERR_UNSAFE_PORT", "invalid_url", "port refusé par le navigateur"),
    ("ERR_CERT", "tls", "certificat TLS invalide"),
    ("ERR_SSL", "tls", "erreur TLS"),
    ("crashed", "crash", "le moteur de rendu de la page a planté"),
    ("Target closed", "crash", "la page ou le navigateur s'est fermé pendant l'audit"),
    ("has been closed", "crash", "la page ou le navigateur s'est fermé pendant l'audit"),
    ("invalid URL", "invalid_url", "adresse invalide"),
)


def classify_error(error: BaseException, url: str) -> tuple[str, str]:
    """(machine code, French reason) for a failure while opening or auditing ``url``."""
    if isinstance(error, (PlaywrightTimeout, asyncio.TimeoutError, TimeoutError)):
        return "timeout", f"délai dépassé en ouvrant ou en auditant la page ({url})"
    message = str(error)
    for needle, code, reason in _ERRORS:
        if needle in message:
            return code, f"{reason} ({url})"
    first_line = message.strip().splitlines()[0] if message.strip() else type(error).__name__
    return "browser_error", f"erreur du navigateur : {first_line[:300]} ({url})"
