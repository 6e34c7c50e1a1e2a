"""Index page audits by URL: an incremental audit looks up its URL's last audit per page

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 07:50:00
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # URLs are stored cut to 2,000 UTF-8 bytes (crawl/store.py fit_url), under PostgreSQL's
    # B-tree entry limit. Rows stored earlier were cut to 2,000 characters only: a longer one
    # in bytes is cut here too (to 499 characters: at most 4 bytes each), so the index builds.
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("UPDATE page_audit SET url = left(url, 499) || '…' WHERE octet_length(url) > 2000")
    op.create_index("ix_page_audit_url", "page_audit", ["url"])


def downgrade() -> None:
    op.drop_index("ix_page_audit_url", table_name="page_audit")
