"""procrastinate's tables in a PostgreSQL schema of their own (``procrastinate``), so that they
never mix with the tracker's tables, its Alembic comparisons or a ``DROP SCHEMA public``.

procrastinate's SQL names its objects without a schema; they land in the first schema of the
``search_path``, and its functions find their tables through the ``search_path`` of the caller.
So the schema is created with ``search_path`` set to it, and every queue connection
(``distributed.conninfo``) puts it first.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

SCHEMA = "procrastinate"


def available() -> bool:
    try:
        import procrastinate  # noqa: F401
    except ImportError:
        return False
    return True


def installed(connection: Connection) -> bool:
    return connection.execute(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": f"{SCHEMA}.procrastinate_jobs"}).scalar_one()


def apply(connection: Connection) -> bool:
    """Create the queue's schema and tables if the extra is there, on PostgreSQL, and they are
    not yet; returns whether they exist afterwards. Idempotent: run by the migration and again
    by the distributed commands, for an extra installed after ``init``."""
    if connection.dialect.name != "postgresql" or not available():
        return False
    if installed(connection):
        return True
    from procrastinate.schema import SchemaManager

    # A transaction-scoped lock: two workers starting at once on a fresh database must not both
    # create the schema.
    connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('rgaa_tracker.queue_schema'))"))
    if installed(connection):
        return True
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    connection.execute(text(f"SET LOCAL search_path TO {SCHEMA}"))
    # Straight to the driver, without parameters: the SQL's own ``%`` must not be read as placeholders.
    cursor = connection.connection.cursor()
    try:
        cursor.execute(SchemaManager.get_schema())
    finally:
        cursor.close()
    connection.execute(text("SET LOCAL search_path TO DEFAULT"))
    return True


def drop(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
