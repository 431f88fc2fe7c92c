"""a conflict keeps its op's clock whole: a phone names itself with up to 128 characters

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_conflict', schema=None) as batch_op:
        batch_op.alter_column('hlc', existing_type=sa.String(length=60),
                              type_=sa.String(length=151), existing_nullable=False)


def downgrade():
    with op.batch_alter_table('sync_conflict', schema=None) as batch_op:
        batch_op.alter_column('hlc', existing_type=sa.String(length=151),
                              type_=sa.String(length=60), existing_nullable=False)
