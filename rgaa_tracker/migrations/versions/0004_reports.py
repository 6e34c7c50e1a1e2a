"""reports

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 09:53:52.678007
"""

from alembic import op
import sqlalchemy as sa



revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('since', sa.Date(), nullable=True),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('template_version', sa.String(length=16), nullable=False),
    sa.Column('folder', sa.String(length=1000), nullable=False),
    sa.Column('html_path', sa.String(length=1000), nullable=False),
    sa.Column('pdf_path', sa.String(length=1000), nullable=True),
    sa.Column('data_paths', sa.Text(), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_as_of'), ['as_of'], unique=False)




def downgrade() -> None:
    
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_as_of'))

    op.drop_table('report')

