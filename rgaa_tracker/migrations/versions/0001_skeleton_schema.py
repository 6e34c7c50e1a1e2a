"""skeleton schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 09:14:39.717196
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('crawl_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('axe_version', sa.String(length=32), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=True),
    sa.Column('hostname', sa.String(length=255), nullable=False),
    sa.Column('pages_total', sa.Integer(), nullable=False),
    sa.Column('pages_failed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('crawl_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crawl_run_started_at'), ['started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_crawl_run_status'), ['status'], unique=False)

    op.create_table('ministry',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('demarche',
    sa.Column('titre', sa.String(length=500), nullable=False),
    sa.Column('ministry_code', sa.String(length=32), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('volumetrie', sa.Integer(), nullable=True),
    sa.Column('date_entree', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ministry_code'], ['ministry.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('demarche', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demarche_ministry_code'), ['ministry_code'], unique=False)

    op.create_table('page_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('demarche_id', sa.String(length=128), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('final_url', sa.String(length=2000), nullable=True),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=1000), nullable=True),
    sa.Column('load_ms', sa.Integer(), nullable=True),
    sa.Column('error_code', sa.String(length=32), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('footer_mention', sa.String(length=16), nullable=True),
    sa.Column('statement_url', sa.String(length=2000), nullable=True),
    sa.Column('evidence_path', sa.String(length=500), nullable=True),
    sa.Column('violations_count', sa.Integer(), nullable=False),
    sa.Column('audited_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['demarche_id'], ['demarche.id'], ),
    sa.ForeignKeyConstraint(['run_id'], ['crawl_run.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('page_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_audit_demarche_id'), ['demarche_id'], unique=False)
        batch_op.create_index('ix_page_audit_run_demarche', ['run_id', 'demarche_id'], unique=False)

    op.create_table('criterion_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_audit_id', sa.Integer(), nullable=False),
    sa.Column('criterion', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('nodes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['page_audit_id'], ['page_audit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('page_audit_id', 'criterion')
    )
    with op.batch_alter_table('criterion_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_criterion_result_criterion'), ['criterion'], unique=False)
        batch_op.create_index(batch_op.f('ix_criterion_result_page_audit_id'), ['page_audit_id'], unique=False)

    op.create_table('rule_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_audit_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('impact', sa.String(length=16), nullable=True),
    sa.Column('criteria', sa.String(length=64), nullable=False),
    sa.Column('nodes', sa.Integer(), nullable=False),
    sa.Column('help', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['page_audit_id'], ['page_audit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rule_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rule_result_page_audit_id'), ['page_audit_id'], unique=False)




def downgrade() -> None:
    
    with op.batch_alter_table('rule_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rule_result_page_audit_id'))

    op.drop_table('rule_result')
    with op.batch_alter_table('criterion_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_criterion_result_page_audit_id'))
        batch_op.drop_index(batch_op.f('ix_criterion_result_criterion'))

    op.drop_table('criterion_result')
    with op.batch_alter_table('page_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_page_audit_run_demarche')
        batch_op.drop_index(batch_op.f('ix_page_audit_demarche_id'))

    op.drop_table('page_audit')
    with op.batch_alter_table('demarche', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demarche_ministry_code'))

    op.drop_table('demarche')
    op.drop_table('ministry')
    with op.batch_alter_table('crawl_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crawl_run_status'))
        batch_op.drop_index(batch_op.f('ix_crawl_run_started_at'))

    op.drop_table('crawl_run')

