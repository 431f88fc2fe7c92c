"""sync change feed by position; records by site also indexed by ward

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 15:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sync_change',
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('collection', sa.String(length=30), nullable=False),
    sa.Column('record_id', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('change_json', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('position', name=op.f('pk_sync_change'))
    )
    op.execute("INSERT INTO sync_change (position, collection, record_id, version, deleted, "
               "change_json) SELECT position, collection, record_id, version, deleted, "
               "change_json FROM sync_record")
    with op.batch_alter_table('sync_record', schema=None) as batch_op:
        batch_op.drop_column('change_json')
    with op.batch_alter_table('sync_record_site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ward', sa.String(length=40), nullable=True))
        batch_op.create_index('ix_sync_record_site_ward_position', ['ward', 'position'],
                              unique=False)
    # Rows written before this revision get the ward their site has now.
    op.execute("UPDATE sync_record_site SET ward = (SELECT CAST(site.ward_id AS VARCHAR(40)) "
               "FROM site WHERE CAST(site.id AS VARCHAR(40)) = sync_record_site.site_id)")


def downgrade():
    with op.batch_alter_table('sync_record_site', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_record_site_ward_position')
        batch_op.drop_column('ward')
    with op.batch_alter_table('sync_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_json', sa.Text(), nullable=False,
                                      server_default=''))
    op.execute("UPDATE sync_record SET change_json = (SELECT change_json FROM sync_change "
               "WHERE sync_change.position = sync_record.position)")
    with op.batch_alter_table('sync_record', schema=None) as batch_op:
        batch_op.alter_column('change_json', server_default=None)
    op.drop_table('sync_change')
