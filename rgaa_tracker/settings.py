"""The one settings object, read once from the environment and ``playwright.config.toml``.

Policy figures (threshold, validity, target, deadline) live here so that no module hard-codes
them; DINUM can change the target without touching code.
"""

from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_FILE_NAME = "playwright.config.toml"
DEFAULT_ARGS = [
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# The spare renderer Chromium starts ahead for the next navigation belongs to one browser
# context; with one context per tab, every navigation of the other tab threw it away and
# started another (1.5 renderer processes forked per page audited at concurrency 2).
DEFAULT_DISABLED_FEATURES = ["SpareRendererForSitePerProcess"]


class BrowserSettings(BaseModel):
    executable_path: str = Field("", description="Chromium executable; empty = auto-detect")
    headless: bool = Field(True, description="Run Chromium without a window")
    args: list[str] = Field(default_factory=lambda: list(DEFAULT_ARGS), description="Chromium flags")
    disable_features: list[str] = Field(
        default_factory=lambda: list(DEFAULT_DISABLED_FEATURES),
        description="Chromium features turned off, merged with Playwright's own list into one --disable-features switch")
    viewport_width: int = Field(1280, description="Viewport width in CSS pixels")
    viewport_height: int = Field(800, description="Viewport height in CSS pixels")
    user_agent: str = Field(
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 rgaa-tracker/0.1",
        description="User agent sent by the crawler (not 'HeadlessChrome')",
    )
    locale: str = Field("fr-FR", description="Browser locale")
    sandbox: Literal["auto", "on", "off"] = Field(
        "auto", description="Chromium's sandbox: auto = on unless running as root, where Chromium cannot start it"
    )


class CrawlSettings(BaseModel):
    concurrency: int = Field(0, ge=0, description="Pages audited at once; 0 = from CPU count")
    navigation_timeout_s: float = Field(30, gt=0, description="Timeout of one navigation")
    settle_timeout_s: float = Field(5, ge=0, description="Bounded wait for a quiet page")
    axe_timeout_s: float = Field(60, gt=0, description="Timeout of one axe run")
    pages_per_demarche: int = Field(6, ge=1, description="Pages audited per démarche")
    axe_rules: Literal["all", "rgaa"] = Field("all", description="Which axe rules run")
    quiet_ms: int = Field(150, ge=0, description="DOM and fetch/XHR quiet time that counts as settled")
    retries: int = Field(2, ge=0, le=10, description="Retries of a page after a transient failure")
    retry_backoff_s: float = Field(1.0, ge=0, description="First retry delay; doubles each retry")
    recycle_context_after: int = Field(100, ge=1, description="Pages audited in one browser context before a fresh one")
    restart_browser_after: int = Field(300, ge=1, description="Pages audited by one browser process before a restart")
    max_dom_elements: int = Field(60000, ge=1, description="Larger pages are recorded as too large, not audited")
    max_page_mb: float = Field(20, gt=0, description="Larger HTML documents are recorded as too large")
    page_budget_s: float = Field(
        120, gt=0, description="Whole time one page may take (open, settle, audit, read); past it the page is stored as timed out"
    )
    load_wait_s: float = Field(
        10, ge=0, description="Wait for the load event after the document is parsed; a resource that never ends does not stop the audit"
    )
    max_links: int = Field(3000, ge=1, description="Links read from one page (sample pages, statement link)")
    element_screenshots: int = Field(
        20, ge=0, description="Offending elements photographed per audited page, cropped, for the démarche page; 0 = none"
    )
    element_screenshots_budget_s: float = Field(
        5, gt=0, description="Time the element screenshots of one page may take; past it the remaining elements have none"
    )
    allowed_address_classes: list[Literal["loopback", "link_local", "private"]] = Field(
        default_factory=list,
        description="Internal address classes the crawler may reach (SSRF guard); public addresses always. "
        "The demo and the tests allow loopback",
    )
    incremental: bool = Field(
        True, description="Reuse a page's last audit when nothing it depends on changed (page, resources, axe, checks, settings); "
        "`crawl --full` audits every page afresh"
    )
    heartbeat_s: float = Field(10, gt=0, description="How often a running crawl writes its heartbeat in the database")
    stale_after_s: float = Field(
        90, gt=0, description="A running crawl whose heartbeat is older than this is dead: the next crawl marks it interrupted"
    )

    mode: Literal["local", "distributed"] = Field(
        "local", description="How the scheduler's nightly crawl runs: in this process, or one job per démarche for the workers "
        "(PostgreSQL and the `distributed` extra)",
    )
    host_limit: int = Field(2, ge=1, description="Distributed mode: pages audited at once per host, across all workers (first come, first served)")
    on_demand_priority: int = Field(10, description="Distributed mode: queue priority of a re-audit of chosen démarches; the nightly crawl's is 0")
    worker_heartbeat_s: float = Field(5, gt=0, description="Distributed mode: how often a worker tells the queue it is alive")
    stalled_after_s: float = Field(
        30, gt=0, description="Distributed mode: a worker silent this long is dead; its démarches go back to the queue for another worker"
    )
    job_retries: int = Field(3, ge=0, description="Distributed mode: retries of a démarche's job that failed as a whole (browser, database)")
    job_retry_base_s: int = Field(10, ge=1, description="Distributed mode: a failed job waits base, base², base³… seconds before its retries")

    def effective_concurrency(self) -> int:
        # The work is CPU-bound (axe in the page): more tabs than cores only adds memory.
        return self.concurrency or max(1, min(4, os.cpu_count() or 1))


class ChecksSettings(BaseModel):
    enabled: bool = Field(True, description="Run our own RGAA checks beside axe-core")
    timeout_s: float = Field(5, gt=0, description="Budget of one check on one page; past it the check's error is recorded, not the page's")
    focus_max_elements: int = Field(12, ge=1, description="Focusable elements tabbed through to check that focus is visible (10.7.1)")
    skip_link_within: int = Field(5, ge=1, description="A skip link must be among this many first focusable elements (12.7.1)")
    reflow_width: int = Field(320, ge=200, description="Viewport width in CSS pixels for the reflow check (10.11.1)")


class ScheduleSettings(BaseModel):
    timezone: str = Field("Europe/Paris", description="Time zone of the cron expressions")
    crawl_cron: str = Field("0 2 * * *", description="Nightly crawl (crontab syntax)")
    report_cron: str = Field("0 6 1-7 1,3,5,7,9,11 mon", description="Workshop report: first Monday of every other month")
    misfire_grace_s: int = Field(3600, ge=1, description="How late a missed job may still start")
    shutdown_timeout_s: float = Field(90, gt=0, description="Bound on a clean stop (SIGTERM/SIGINT)")


class WebSettings(BaseModel):
    secret_key: str = Field("", description="Kept for older configurations; sessions are now random tokens stored in the database")
    cookie_secure: bool = Field(False, description="Send the session and CSRF cookies over HTTPS only (set true behind TLS)")
    session_hours: int = Field(8, ge=1, description="Absolute timeout: a sign-in ends this long after it began, active or not")
    session_idle_minutes: float = Field(60, gt=0, description="Idle timeout: a sign-in unused this long ends")
    login_max_failures: int = Field(5, ge=1, description="Sign-in attempts allowed per account (any address) in the window")
    login_max_per_client: int = Field(20, ge=1, description="Sign-in attempts allowed per client address (any account) in the window")
    login_window_s: int = Field(900, ge=1, description="Window of the sign-in limits")
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or CIDR networks of the reverse proxies whose X-Forwarded-For is believed; empty = none",
    )


class Rule2023Settings(BaseModel):
    """The Observatoire's accessibility levels since July 2023 (legal levels, « Vos démarches essentielles »)."""

    full_rate: float = Field(100, description="Declared rate (%) from which a démarche is « Oui » (accessible)")
    partial_rate: float = Field(50, description="Declared rate (%) from which a démarche is « Partiel »")
    validity_years: int = Field(3, description="Years after its audit a declaration stays valid")
    valid_from: Literal["statement", "audit"] = Field(
        "audit", description="Which date the validity counts from: the audit (« dernier audit il y a moins de 3 ans ») or the statement's own date"
    )
    target_share: float = Field(1.0, description="Share of démarches at « Oui » aimed at (every démarche)")
    deadline: dt.date = Field(dt.date(2025, 12, 31), description="Date the 2023 target is due (« Décembre 2025 : conformité de 100 % »)")
    baseline_date: dt.date = Field(dt.date(2023, 7, 1), description="Start of the 2023 trajectory")


class LimitsSettings(BaseModel):
    """Bounds on what one request or one imported file may cost; past one, a French refusal
    naming the setting and its value. Every reader enforces them while reading, so neither time
    nor memory grows with what a client chooses to send."""

    max_body_mb: float = Field(6, gt=0, description="Largest request body, checked before sign-in (Content-Length or bytes received)")
    max_file_mb: float = Field(5, gt=0, description="Largest imported file (web, API and command line)")
    max_rows: int = Field(20000, ge=1, description="Most rows read from one imported file, header included")
    max_columns: int = Field(50, ge=1, description="Most columns in one imported file")
    max_cell_chars: int = Field(2000, ge=1, description="Longest cell of an imported file, in characters")
    max_uncompressed_mb: float = Field(50, gt=0, description="Largest total decompressed size of an XLSX or ODS archive")
    max_compression_ratio: float = Field(100, gt=1, description="Largest decompressed/compressed ratio of one member of an XLSX or ODS archive")
    max_concurrent_imports: int = Field(2, ge=1, description="Uploaded files parsed at once by one server process; others wait their turn")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RGAA_TRACKER_", env_nested_delimiter="__", extra="ignore"
    )

    database_url: str = Field("sqlite:///rgaa-tracker.db", description="SQLAlchemy database URL")
    audits_dir: Path = Field(Path("audits"), description="Where raw axe evidence is written")
    reports_dir: Path = Field(Path("reports"), description="Where reports are written")
    log_file: Path = Field(Path("rgaa-tracker.log"), description="Where the command line writes tracebacks of unexpected errors")
    uploads_dir: Path = Field(Path("calendars/uploads"), description="Where accepted calendar uploads are kept, one folder per ministry")
    secret_file: Path = Field(Path("rgaa-tracker.secret"), description="Kept for older configurations; no longer read (web sessions are stored in the database)")
    demo_database_url: str = Field("sqlite:///rgaa-tracker-demo.db", description="Database of `rgaa-tracker demo` (never the real catalogue)")
    # The 2020 rule (« Prise en compte handicaps », January 2020 to June 2023) keeps the
    # top-level names it always had; the 2023 rule lives in ``rule_2023``.
    threshold: float = Field(75, description="2020 rule: declared rate (%) from which a démarche is accessible")
    validity_years: int = Field(3, description="2020 rule: years a declaration stays valid")
    valid_from: Literal["statement", "audit"] = Field(
        "statement", description="2020 rule: which date the validity counts from (the statement's date, as the Observatoire's import did)"
    )
    target_share: float = Field(0.80, description="2020 rule: share of accessible démarches aimed at")
    deadline: dt.date = Field(dt.date(2022, 12, 31), description="2020 rule: date the target is due")
    baseline_date: dt.date = Field(
        dt.date(2020, 11, 4), description="2020 rule: start of the trajectory (first DINUM follow-up workshop)"
    )
    rule_2023: Rule2023Settings = Field(
        default_factory=Rule2023Settings, description="The Observatoire's rule since July 2023 (legal levels): rates, validity, target"
    )
    definition_switch: dt.date = Field(
        dt.date(2023, 7, 1), description="First day the 2023 rule is in force; before it, the 2020 rule is the default"
    )
    browser: BrowserSettings = Field(default_factory=BrowserSettings)
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    checks: ChecksSettings = Field(default_factory=ChecksSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = config_path()
        if config_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)


def config_path() -> Path | None:
    """``RGAA_TRACKER_CONFIG`` if set, else ``playwright.config.toml`` in the working directory."""
    explicit = os.environ.get("RGAA_TRACKER_CONFIG")
    if explicit:
        return Path(explicit)
    local = Path.cwd() / CONFIG_FILE_NAME
    return local if local.is_file() else None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
