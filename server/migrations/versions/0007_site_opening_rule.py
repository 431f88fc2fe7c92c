"""a site may open on an RRULE (毎月第1火曜日, 隔週) counted from a day, not only weekly

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_rrule', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('open_since', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('open_since')
        batch_op.drop_column('open_rrule')
