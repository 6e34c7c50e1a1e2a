"""declarations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:27:35.759655
"""

from alembic import op
import sqlalchemy as sa



revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('declaration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('demarche_id', sa.String(length=128), nullable=False),
    sa.Column('provenance', sa.String(length=8), nullable=False),
    sa.Column('statut', sa.String(length=16), nullable=True),
    sa.Column('taux', sa.Float(), nullable=True),
    sa.Column('date_publication', sa.Date(), nullable=True),
    sa.Column('date_audit', sa.Date(), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('rgaa_version', sa.String(length=16), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['demarche_id'], ['demarche.id'], ),
    sa.ForeignKeyConstraint(['run_id'], ['crawl_run.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('declaration', schema=None) as batch_op:
        batch_op.create_index('ix_declaration_demarche_dates', ['demarche_id', 'date_publication', 'date_audit'], unique=False)




def downgrade() -> None:
    
    with op.batch_alter_table('declaration', schema=None) as batch_op:
        batch_op.drop_index('ix_declaration_demarche_dates')

    op.drop_table('declaration')

