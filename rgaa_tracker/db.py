"""Engine, sessions and schema migrations.

Every command brings the database to the Alembic head before use, so the zero-set-up SQLite
file just works; ``rgaa-tracker init`` does the same explicitly for production.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, text
from sqlmodel import Session, create_engine

from .settings import get_settings


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # noqa: ANN001
            # WAL lets the web app read while a crawl writes; foreign keys are off by default.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _immediate_for_writers(connection):  # noqa: ANN001
            # A writer's transaction that begins with a read and upgrades to a write later gets
            # SQLITE_BUSY at once, without waiting, when another writer went first (SQLite
            # refuses to wait there, to avoid a deadlock). BEGIN IMMEDIATE takes the write lock
            # up front, so concurrent writers queue on busy_timeout instead of failing.
            if connection.get_execution_options().get(WRITER):
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        @event.listens_for(engine, "checkin")
        def _end_failed_transaction(dbapi_connection, _record):  # noqa: ANN001
            # A COMMIT that SQLite refuses (deferred foreign key, busy) leaves its transaction
            # open, write lock held; SQLAlchemy counts it as ended and pools the connection
            # without a ROLLBACK, so the next user would write inside it. End it here.
            if dbapi_connection is not None and dbapi_connection.in_transaction:
                dbapi_connection.rollback()

        return engine
    return create_engine(url, pool_pre_ping=True)


WRITER = "rgaa_tracker_writer"


def write_session(engine: Engine) -> Session:
    """A session for a transaction that will write: on SQLite it begins IMMEDIATE at its first
    statement (see make_engine), on PostgreSQL it is an ordinary session."""
    return Session(engine.execution_options(**{WRITER: True}), expire_on_commit=False)


def lock_for_write(session: Session, key: str) -> None:
    """Serialise the writers of one thing (a ministry's calendar, the declarations) until the
    transaction ends: two concurrent uploads then read each other's result instead of both
    comparing against the same previous version. SQLite writers are serialised already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


@lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("rgaa_tracker") / "migrations"))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine | None = None, revision: str = "head") -> None:
    engine = engine or get_engine()
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def is_current(engine: Engine) -> bool:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


def ensure_schema(engine: Engine | None = None) -> Engine:
    engine = engine or get_engine()
    if not is_current(engine):
        upgrade(engine)
    return engine


@contextmanager
def session_scope(engine: Engine | None = None, *, write: bool = False) -> Iterator[Session]:
    """A session whose work is committed together, or not at all; ``write`` for an import that
    must queue behind other writers (see write_session)."""
    engine = engine or ensure_schema()
    with (write_session(engine) if write else Session(engine, expire_on_commit=False)) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
