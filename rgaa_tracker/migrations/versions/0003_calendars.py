"""calendars

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:46:26.405052
"""

from alembic import op
import sqlalchemy as sa



revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('calendar_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ministry_code', sa.String(length=32), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by', sa.String(length=255), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ministry_code'], ['ministry.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('calendar_version', schema=None) as batch_op:
        batch_op.create_index('ix_calendar_version_ministry_uploaded', ['ministry_code', 'uploaded_at'], unique=False)

    op.create_table('milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('demarche_id', sa.String(length=128), nullable=False),
    sa.Column('etape', sa.String(length=16), nullable=False),
    sa.Column('date_prevue', sa.Date(), nullable=True),
    sa.Column('date_realisee', sa.Date(), nullable=True),
    sa.Column('taux_cible', sa.Float(), nullable=True),
    sa.Column('commentaire', sa.Text(), server_default='', nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['demarche_id'], ['demarche.id'], ),
    sa.ForeignKeyConstraint(['version_id'], ['calendar_version.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version_id', 'demarche_id', 'etape')
    )
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_demarche_id'), ['demarche_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_milestone_version_id'), ['version_id'], unique=False)




def downgrade() -> None:
    
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_version_id'))
        batch_op.drop_index(batch_op.f('ix_milestone_demarche_id'))

    op.drop_table('milestone')
    with op.batch_alter_table('calendar_version', schema=None) as batch_op:
        batch_op.drop_index('ix_calendar_version_ministry_uploaded')

    op.drop_table('calendar_version')

