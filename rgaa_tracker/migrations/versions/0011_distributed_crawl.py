"""Distributed crawl: run mode, one ledger row per démarche job, a page stored once per run,
démarche and URL; the job queue's own tables (procrastinate) in their own schema

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-30 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place, no batch copy: on SQLite a copy of tables others point at trips their foreign keys.
    op.add_column("crawl_run", sa.Column("mode", sa.String(length=16), nullable=False, server_default="local"))
    # Until now a run stored each (démarche, URL) once by construction; the unique index makes it
    # hold when a job is delivered twice.
    op.create_index("uq_page_audit_run_demarche_url", "page_audit", ["run_id", "demarche_id", "url"], unique=True)
    op.create_table(
        "crawl_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("demarche_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("queue_job_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=255), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_run.id"]),
        sa.ForeignKeyConstraint(["demarche_id"], ["demarche.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "demarche_id"),
    )
    op.create_index("ix_crawl_job_run_id", "crawl_job", ["run_id"])
    # procrastinate's tables, when the ``distributed`` extra is installed and the database is
    # PostgreSQL; installed later, the extra creates them at the first ``crawl --distributed``
    # or ``worker`` (the same idempotent step).
    from rgaa_tracker.crawl import queue_schema

    queue_schema.apply(op.get_bind())


def downgrade() -> None:
    from rgaa_tracker.crawl import queue_schema

    queue_schema.drop(op.get_bind())
    op.drop_index("ix_crawl_job_run_id", table_name="crawl_job")
    op.drop_table("crawl_job")
    op.drop_index("uq_page_audit_run_demarche_url", table_name="page_audit")
    op.drop_column("crawl_run", "mode")
