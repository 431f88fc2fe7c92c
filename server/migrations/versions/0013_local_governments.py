"""local governments: the national list of local-government codes (prefectures,
municipalities, Tokyo's special wards, designated cities and their wards) as reference
data, and 種別 mappings that may say "skip"

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 17:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_KINDS = ('hub', 'tsudoi_hiroba', 'supporter_program', 'nursery_hiroba',
          'kindergarten_hamakko', 'salon')


def upgrade():
    table = op.create_table('local_government',
    sa.Column('code', sa.String(length=5), nullable=False),
    sa.Column('code6', sa.String(length=6), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('prefecture', sa.String(length=10), nullable=False),
    sa.Column('prefecture_kana', sa.String(length=20), nullable=False),
    sa.Column('parent', sa.String(length=5), nullable=True),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('name_kana', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_local_government')),
    sa.UniqueConstraint('code6', name=op.f('uq_local_government_code6'))
    )
    with op.batch_alter_table('local_government', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_local_government_parent'), ['parent'], unique=False)
    from server.directory.reference import local_government_values

    op.bulk_insert(table, local_government_values())
    with op.batch_alter_table('kind_mapping', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_kind_mapping_kind'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_kind_mapping_kind'), f"kind IN {(*_KINDS, 'skip')!r}")


def downgrade():
    op.execute("DELETE FROM kind_mapping WHERE kind = 'skip'")
    with op.batch_alter_table('kind_mapping', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_kind_mapping_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_kind_mapping_kind'), f"kind IN {_KINDS!r}")
    with op.batch_alter_table('local_government', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_local_government_parent'))
    op.drop_table('local_government')
