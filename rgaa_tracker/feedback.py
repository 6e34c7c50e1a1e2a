"""« Je donne mon avis » (JDMA): whether a démarche offers the State's user-feedback button.

The Observatoire scores satisfaction from JDMA, so a démarche without the button has no
satisfaction figure at all. The button is a link to the JDMA service (formerly voxusagers,
now jedonnemonavis); reading the page's links, which the crawl already collects, is enough.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy import func
from sqlmodel import Session, select

from .findings import end_of
from .models import CrawlRun, PageAudit

HOSTS = ("voxusagers.numerique.gouv.fr", "jedonnemonavis.numerique.gouv.fr")


def is_jdma_url(url: str) -> bool:
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return any(host == known or host.endswith("." + known) for known in HOSTS)


def has_jdma(links: Iterable[tuple[str, str]]) -> bool:
    return any(is_jdma_url(href) for _text, href in links)


def seen(*, session: Session, as_of: dt.date, demarche_ids: set[str] | None = None) -> set[str]:
    """Démarches on which some crawl started on or before ``as_of`` ever saw the button."""
    query = (select(PageAudit.demarche_id).join(CrawlRun, CrawlRun.id == PageAudit.run_id)
             .where(PageAudit.jdma == True, CrawlRun.started_at < end_of(as_of)).distinct())  # noqa: E712
    found = set(session.exec(query).all())
    return found & demarche_ids if demarche_ids is not None else found


def crawled(*, session: Session, as_of: dt.date) -> set[str]:
    """Démarches with at least one page read (``jdma`` known) by a crawl started by ``as_of``."""
    query = (select(PageAudit.demarche_id).join(CrawlRun, CrawlRun.id == PageAudit.run_id)
             .where(PageAudit.jdma != None, CrawlRun.started_at < end_of(as_of)).group_by(PageAudit.demarche_id)  # noqa: E711
             .having(func.count() > 0))
    return set(session.exec(query).all())
