"""Incremental audits: a page audit's fingerprint, and the full audit a reused one stands on

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 05:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only added, nullable: audits stored before 0010 have no fingerprint, so the first night
    # after the upgrade audits every page in full, then reuse starts. Plain ADD/DROP COLUMN: a
    # batch copy of page_audit would break the criterion and rule rows' foreign keys on SQLite,
    # which is also why ``reused_from_id`` is a plain id (page audits are never deleted).
    op.add_column("page_audit", sa.Column("fingerprint", sa.String(length=64), nullable=True))
    op.add_column("page_audit", sa.Column("reused_from_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("page_audit", "reused_from_id")
    op.drop_column("page_audit", "fingerprint")
