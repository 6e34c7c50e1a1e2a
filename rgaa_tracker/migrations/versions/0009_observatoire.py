"""The list as it was and every statement date: démarche exit date, declaration update date,
Observatoire editions, « Je donne mon avis » seen on a page

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Columns only added, never rewritten: every row keeps its values. A crawled declaration
    # stored before 0009 keeps in ``published_on`` the later of its « établie le » and « mise à
    # jour le » dates (the crawler kept only that one); it cannot be split again.
    op.add_column("demarche", sa.Column("delisted_on", sa.Date(), nullable=True))
    op.add_column("page_audit", sa.Column("jdma", sa.Boolean(), nullable=True))
    op.add_column("declaration", sa.Column("updated_on", sa.Date(), nullable=True))
    # « observatoire » does not fit the 8 characters « import », « crawl » and « web » needed.
    with op.batch_alter_table("declaration") as batch:
        batch.alter_column("provenance", type_=sa.String(length=16), existing_type=sa.String(length=8), existing_nullable=False)
    op.create_table(
        "observatoire_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_on", sa.Date(), nullable=False),
        sa.Column("edition", sa.String(length=255), nullable=False),
        sa.Column("demarche_id", sa.String(length=128), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("rate", sa.Float(), nullable=True),
        sa.Column("jdma", sa.Boolean(), nullable=True),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["demarche_id"], ["demarche.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("edition_on", "demarche_id"),
    )
    op.create_index("ix_observatoire_entry_edition_on", "observatoire_entry", ["edition_on"])
    op.create_index("ix_observatoire_entry_demarche_id", "observatoire_entry", ["demarche_id"])


def downgrade() -> None:
    op.drop_index("ix_observatoire_entry_demarche_id", table_name="observatoire_entry")
    op.drop_index("ix_observatoire_entry_edition_on", table_name="observatoire_entry")
    op.drop_table("observatoire_entry")
    # DROP COLUMN in place (SQLite ≥ 3.35): a batch copy of ``demarche`` would trip the
    # foreign keys that point at it.
    op.drop_column("declaration", "updated_on")
    with op.batch_alter_table("declaration") as batch:
        batch.alter_column("provenance", type_=sa.String(length=8), existing_type=sa.String(length=16), existing_nullable=False)
    op.drop_column("demarche", "delisted_on")
    op.drop_column("page_audit", "jdma")
