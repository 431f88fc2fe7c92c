"""sync records: no unique index on position, and the public ones' positions in a partial
index

Every op moves its record's position, so each index on ``sync_record.position`` is one more
b-tree written per op. The unique one checked what the counter and the feed's primary key
already guarantee; the public one listed every record, though only programmes and events
are public, and without fresh statistics PostgreSQL preferred walking every position to it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

_PUBLIC = dict(postgresql_where=sa.text('public IS true'), sqlite_where=sa.text('public IS 1'))


def upgrade():
    with op.batch_alter_table('sync_record', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_record_public_position')
        batch_op.drop_constraint('uq_sync_record_position', type_='unique')
        batch_op.create_index('ix_sync_record_public_position', ['position'], unique=False,
                              **_PUBLIC)


def downgrade():
    with op.batch_alter_table('sync_record', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_record_public_position')
        batch_op.create_unique_constraint('uq_sync_record_position', ['position'])
        batch_op.create_index('ix_sync_record_public_position', ['public', 'position'],
                              unique=False)
