"""English column names: the schema speaks the code's language, the files keep their French headers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 05:00:00
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# (table, French name, English name): renamed in place, so every row keeps its data.
RENAMES = (
    ("demarche", "titre", "title"),
    ("demarche", "volumetrie", "annual_volume"),
    ("demarche", "date_entree", "listed_on"),
    ("declaration", "statut", "status"),
    ("declaration", "taux", "rate"),
    ("declaration", "date_publication", "published_on"),
    ("declaration", "date_audit", "audited_on"),
    ("milestone", "etape", "step"),
    ("milestone", "date_prevue", "planned_on"),
    ("milestone", "date_realisee", "done_on"),
    ("milestone", "taux_cible", "target_rate"),
    ("milestone", "commentaire", "comment"),
)


def _rename(pairs: list[tuple[str, str, str]]) -> None:
    # RENAME COLUMN on both PostgreSQL and SQLite (≥ 3.25): indexes and constraints follow the
    # column, no table is copied.
    for table, old, new in pairs:
        op.alter_column(table, old, new_column_name=new)


def upgrade() -> None:
    _rename(list(RENAMES))


def downgrade() -> None:
    _rename([(table, new, old) for table, old, new in RENAMES])
