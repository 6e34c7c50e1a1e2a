"""Database tables (SQLModel). The schema lives here in one place so Alembic sees all of it;
the behaviour lives in the domain modules (demarche, crawl, report…).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Ministry(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=255)


class DemarcheBase(SQLModel):
    title: str = Field(max_length=500)
    ministry_code: str = Field(foreign_key="ministry.code", index=True, max_length=32)
    url: str = Field(max_length=2000)
    annual_volume: int | None = None
    listed_on: dt.date | None = None
    # The day it left the tracked list (file column ``date_sortie``): it stops counting from that
    # day on, and its history stays.
    delisted_on: dt.date | None = None
    active: bool = True


class Demarche(DemarcheBase, table=True):
    id: str = Field(primary_key=True, max_length=128)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class CrawlRun(SQLModel, table=True):
    __tablename__ = "crawl_run"
    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default="running", max_length=16, index=True)
    started_at: dt.datetime = Field(default_factory=utcnow, index=True)
    finished_at: dt.datetime | None = None
    trigger: str = Field(default="cli", max_length=16)
    axe_version: str = Field(default="", max_length=32)
    pid: int | None = None
    hostname: str = Field(default="", max_length=255)
    # Written by the run every few seconds: a run whose heartbeat is stale died, on any host.
    heartbeat_at: dt.datetime | None = None
    pages_total: int = 0
    pages_failed: int = 0
    # Why a run ended ``failed`` (French, for the operator); empty otherwise.
    failure: str | None = Field(default=None, sa_column=Column(Text))
    # ``local``: one process crawls and holds the run lock; ``distributed``: one job per démarche
    # on the job queue, the run closed by its last job (crawl/distributed.py).
    mode: str = Field(default="local", max_length=16)


class PageAudit(SQLModel, table=True):
    __tablename__ = "page_audit"
    # Unique per run, démarche and URL: a job delivered twice (a worker killed after storing a
    # page, its job re-run elsewhere) cannot store a page twice.
    __table_args__ = (
        Index("ix_page_audit_run_demarche", "run_id", "demarche_id"),
        Index("uq_page_audit_run_demarche_url", "run_id", "demarche_id", "url", unique=True),
        # The last reusable audit of a URL (``crawl/reuse.py``), one indexed read per page.
        Index("ix_page_audit_url", "url"),
    )
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="crawl_run.id")
    demarche_id: str = Field(foreign_key="demarche.id", index=True, max_length=128)
    role: str = Field(default="start", max_length=16)
    url: str = Field(max_length=2000)
    final_url: str | None = Field(default=None, max_length=2000)
    http_status: int | None = None
    title: str | None = Field(default=None, max_length=1000)
    load_ms: int | None = None
    error_code: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, sa_column=Column(Text))
    footer_mention: str | None = Field(default=None, max_length=16)
    statement_url: str | None = Field(default=None, max_length=2000)
    # Whether the page links to « Je donne mon avis »; None when the page could not be read.
    jdma: bool | None = None
    evidence_path: str | None = Field(default=None, max_length=500)
    violations_count: int = 0
    # What the page did that the audit worked around (dialogs, popups, reloads), in French,
    # one note per line; the page is still audited.
    notes: str | None = Field(default=None, sa_column=Column(Text))
    audited_at: dt.datetime = Field(default_factory=utcnow)
    # SHA-256 of what the audit depended on (page, resources, axe, checks, settings): an equal
    # fingerprint on a later night means the same findings (``docs/incremental.md``).
    fingerprint: str | None = Field(default=None, max_length=64)
    # Set when axe and the checks did not run because the page had not changed: the full audit
    # whose results (copied to this page's rows) stand for it, and whose evidence file it shows.
    # A plain id, not a foreign key: SQLite cannot add one without copying the table.
    reused_from_id: int | None = None


class CrawlJob(SQLModel, table=True):
    """One démarche of a distributed run, as the run sees it: the job queue owns delivery and
    retries; this row is the run's ledger (who audits it, how many attempts, the last failure),
    readable without the queue's extra, and what tells the last job that the run is over."""

    __tablename__ = "crawl_job"
    __table_args__ = (UniqueConstraint("run_id", "demarche_id"),)
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="crawl_run.id", index=True)
    demarche_id: str = Field(foreign_key="demarche.id", max_length=128)
    # todo → doing → succeeded | failed (doing again after a retry)
    status: str = Field(default="todo", max_length=16)
    queue_job_id: int | None = None
    priority: int = 0
    attempts: int = 0
    worker: str | None = Field(default=None, max_length=255)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None


class CriterionResult(SQLModel, table=True):
    """Only the statuses worth a look (non_conforme, a_verifier) are stored, one row per
    criterion; the rest is derivable from the evidence and would cost 100 rows per page."""

    __tablename__ = "criterion_result"
    __table_args__ = (UniqueConstraint("page_audit_id", "criterion"),)
    id: int | None = Field(default=None, primary_key=True)
    page_audit_id: int = Field(foreign_key="page_audit.id", index=True)
    criterion: str = Field(max_length=8, index=True)
    status: str = Field(max_length=16)
    nodes: int = 0


class RuleResult(SQLModel, table=True):
    __tablename__ = "rule_result"
    id: int | None = Field(default=None, primary_key=True)
    page_audit_id: int = Field(foreign_key="page_audit.id", index=True)
    rule: str = Field(max_length=64)
    # Who decided: axe-core's rule ids, or our own RGAA checks ("rgaa-tracker").
    source: str = Field(default="axe", max_length=16, sa_column_kwargs={"server_default": "axe"})
    outcome: str = Field(max_length=16)  # violation | incomplete
    impact: str | None = Field(default=None, max_length=16)
    criteria: str = Field(default="", max_length=64)  # space-separated RGAA criteria
    nodes: int = 0
    help: str = Field(default="", max_length=500)


class Declaration(SQLModel, table=True):
    """One published accessibility statement of a démarche. Rows are only ever added: a newer
    declaration supersedes an older one by its dates, it never overwrites it."""

    __table_args__ = (Index("ix_declaration_demarche_dates", "demarche_id", "published_on", "audited_on"),)
    id: int | None = Field(default=None, primary_key=True)
    demarche_id: str = Field(foreign_key="demarche.id", max_length=128)
    provenance: str = Field(max_length=16)  # import | crawl | web | observatoire
    status: str | None = Field(default=None, max_length=16)  # totalement | partiellement | non
    rate: float | None = None
    # The statement's three dates: « établie le » (the file's ``date_publication``), « mise à
    # jour le », « audit réalisé le ». Which one a rule's validity counts from is a setting.
    published_on: dt.date | None = None
    updated_on: dt.date | None = None
    audited_on: dt.date | None = None
    url: str | None = Field(default=None, max_length=2000)
    rgaa_version: str | None = Field(default=None, max_length=16)
    recorded_at: dt.datetime = Field(default_factory=utcnow)
    run_id: int | None = Field(default=None, foreign_key="crawl_run.id")
    source: str | None = Field(default=None, max_length=255)


class ObservatoireEntry(SQLModel, table=True):
    """One démarche in one imported Observatoire edition, with the level the edition published,
    so the tracker's own computation can be held against it."""

    __tablename__ = "observatoire_entry"
    __table_args__ = (UniqueConstraint("edition_on", "demarche_id"),)
    id: int | None = Field(default=None, primary_key=True)
    edition_on: dt.date = Field(index=True)
    edition: str = Field(default="", max_length=255)
    demarche_id: str = Field(foreign_key="demarche.id", index=True, max_length=128)
    level: str | None = Field(default=None, max_length=16)  # oui | partiel | non | na | a_venir
    rate: float | None = None
    jdma: bool | None = None  # « Je donne mon avis » button, as the edition says (Grist ``Ajout_Bouton_JDMA``)
    row: int = 0
    source: str = Field(default="", max_length=255)
    recorded_at: dt.datetime = Field(default_factory=utcnow)


class CalendarVersion(SQLModel, table=True):
    """One accepted upload of a ministry's calendrier de mise en accessibilité; never changed."""

    __tablename__ = "calendar_version"
    __table_args__ = (Index("ix_calendar_version_ministry_uploaded", "ministry_code", "uploaded_at"),)
    id: int | None = Field(default=None, primary_key=True)
    ministry_code: str = Field(foreign_key="ministry.code", max_length=32)
    uploaded_at: dt.datetime = Field(default_factory=utcnow)
    uploaded_by: str = Field(default="", max_length=255)
    filename: str = Field(default="", max_length=255)
    checksum: str = Field(default="", max_length=64)  # sha256 of the file
    row_count: int = 0


class Milestone(SQLModel, table=True):
    """One jalon of one démarche in one calendar version."""

    __table_args__ = (UniqueConstraint("version_id", "demarche_id", "step"),)
    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="calendar_version.id", index=True)
    demarche_id: str = Field(foreign_key="demarche.id", index=True, max_length=128)
    step: str = Field(max_length=16)  # audit | corrections | contre_audit | declaration
    planned_on: dt.date | None = None
    done_on: dt.date | None = None
    target_rate: float | None = None
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    row: int = 0  # row of the uploaded file, to point back at it


class Report(SQLModel, table=True):
    """A generated workshop report, so "since the last workshop" is exact and archives re-open."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="workshop", max_length=16)
    as_of: dt.date = Field(index=True)
    since: dt.date | None = None
    generated_at: dt.datetime = Field(default_factory=utcnow)
    template_version: str = Field(max_length=16)
    folder: str = Field(max_length=1000)
    html_path: str = Field(max_length=1000)
    pdf_path: str | None = Field(default=None, max_length=1000)
    data_paths: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))  # one path per line


class User(SQLModel, table=True):
    """A DINUM admin (``role="admin"``) or a ministry accessibility lead (``role="lead"``)."""

    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=255, unique=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=8)
    ministry_code: str | None = Field(default=None, foreign_key="ministry.code", max_length=32)
    token_hash: str | None = Field(default=None, max_length=64, index=True)  # sha256 of the API token
    # When the current token was issued, so « Mes jetons d'API » can tell its owner which one works.
    token_created_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    disabled_at: dt.datetime | None = None  # set: no sign-in, no session, no API token


class WebSession(SQLModel, table=True):
    """A browser's sign-in, kept server-side so that logging out, a password change or a
    disabled account really ends it. The cookie holds a random token; only its SHA-256 is here."""

    __tablename__ = "web_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    csrf_token: str = Field(max_length=64)  # sent back by forms and by cookie-authenticated API writes
    created_at: dt.datetime = Field(default_factory=utcnow)  # the absolute timeout runs from here
    last_seen_at: dt.datetime = Field(default_factory=utcnow)  # the idle timeout runs from here


class LoginAttempt(SQLModel, table=True):
    """One sign-in attempt, written before the password is checked, so that every process of
    the web server counts the same attempts, concurrent ones included."""

    __tablename__ = "login_attempt"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=255, index=True)
    client: str = Field(max_length=64, index=True)  # the client's address, as trusted proxies give it
    attempted_at: dt.datetime = Field(default_factory=utcnow, index=True)
