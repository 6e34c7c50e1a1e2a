"""When an account's API token was issued, shown on « Mes jetons d'API »

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column added in place: no table copy, existing tokens keep working (date unknown).
    op.add_column("app_user", sa.Column("token_created_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # In place too (SQLite 3.35+): a batch copy of app_user would trip web_session's foreign key.
    op.drop_column("app_user", "token_created_at")
