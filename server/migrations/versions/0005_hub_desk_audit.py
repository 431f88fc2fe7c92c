"""hub desk: the audit log of desk actions; the op log indexed by record

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ward_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.String(length=400), nullable=True),
    sa.Column('collection', sa.String(length=30), nullable=True),
    sa.Column('record_id', sa.String(length=200), nullable=True),
    sa.Column('detail_json', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_audit_entry_user_id_user')),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'], name=op.f('fk_audit_entry_ward_id_ward')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    op.create_index('ix_audit_entry_ward_id', 'audit_entry', ['ward_id', 'id'], unique=False)
    op.create_index('ix_sync_op_record', 'sync_op', ['collection', 'record_id'], unique=False)


def downgrade():
    op.drop_index('ix_sync_op_record', table_name='sync_op')
    op.drop_index('ix_audit_entry_ward_id', table_name='audit_entry')
    op.drop_table('audit_entry')
