"""crawl robustness: run heartbeat and failure reason, page audit notes, rule source

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failure", sa.Text(), nullable=True))
    with op.batch_alter_table("page_audit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=True))
    with op.batch_alter_table("rule_result", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=16), nullable=False, server_default="axe"))


def downgrade() -> None:
    with op.batch_alter_table("rule_result", schema=None) as batch_op:
        batch_op.drop_column("source")
    with op.batch_alter_table("page_audit", schema=None) as batch_op:
        batch_op.drop_column("notes")
    with op.batch_alter_table("crawl_run", schema=None) as batch_op:
        batch_op.drop_column("failure")
        batch_op.drop_column("heartbeat_at")
