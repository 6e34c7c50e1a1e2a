"""Which earlier audit an unchanged page may stand on: the last successful audit of the same
URL with the same fingerprint.

Looked up one page at a time, once its fingerprint is known, through the index on
``page_audit.url``: the cost per page stays one indexed read however long the history grows,
and both modes ask the same question the same way — a distributed job learns its sample pages
only from its start page, on whichever machine. Matching on the fingerprint, not only the URL,
matters for a page shared by several démarches (a ministry's common statement page): its
fingerprint includes the titles of each démarche's other pages (checks compare them), so each
démarche finds its own earlier audit of it, whatever another démarche stored since.

A run with ``--full`` looks only among its own audits: nothing from an earlier night is reused.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine
from sqlmodel import Session, select

from ..models import PageAudit
from .store import fit_url


def _candidates(url: str, run_id: int | None):
    """Successful audits of the URL (full, or themselves reused), newest first."""
    query = (select(PageAudit.id)
             .where(PageAudit.url == fit_url(url), PageAudit.fingerprint.is_not(None), PageAudit.error_code.is_(None),
                    PageAudit.evidence_path.is_not(None))
             .order_by(PageAudit.id.desc()).limit(1))
    return query if run_id is None else query.where(PageAudit.run_id == run_id)


def reusable_audit(session: Session, url: str, fingerprint: str, run_id: int | None = None) -> int | None:
    """The id of the URL's last successful audit with this fingerprint."""
    return session.exec(_candidates(url, run_id).where(PageAudit.fingerprint == fingerprint)).first()


class StoredAudits:
    """The lookup a tab awaits for each fingerprinted page; reads in a thread, never on the loop."""

    def __init__(self, engine: Engine, *, only_run: int | None = None):
        self.engine, self.only_run = engine, only_run

    async def __call__(self, url: str, fingerprint: str) -> int | None:
        return await asyncio.to_thread(self._lookup, url, fingerprint)

    async def known(self, url: str) -> bool:
        """Whether the URL has an audit to compare with at all: when not, the tab need not wait
        for the fingerprint to know the audit will be full."""
        return await asyncio.to_thread(self._known, url)

    def _known(self, url: str) -> bool:
        with Session(self.engine) as session:
            return session.exec(_candidates(url, self.only_run)).first() is not None

    def _lookup(self, url: str, fingerprint: str) -> int | None:
        with Session(self.engine) as session:
            return reusable_audit(session, url, fingerprint, self.only_run)
