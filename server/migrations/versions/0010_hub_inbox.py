"""hub inbox: reminders and weekly digests for a ward's hub staff, read per person

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hub_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ward_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('body_json', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('mailed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'],
                            name=op.f('fk_hub_message_ward_id_ward')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hub_message')),
    sa.UniqueConstraint('ward_id', 'kind', 'key', name='uq_hub_message_key')
    )
    op.create_index('ix_hub_message_ward', 'hub_message', ['ward_id', 'id'], unique=False)
    op.create_table('hub_message_read',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['hub_message.id'],
                            name=op.f('fk_hub_message_read_message_id_hub_message'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                            name=op.f('fk_hub_message_read_user_id_user')),
    sa.PrimaryKeyConstraint('message_id', 'user_id', name=op.f('pk_hub_message_read'))
    )
    op.create_index(op.f('ix_hub_message_read_user_id'), 'hub_message_read', ['user_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_hub_message_read_user_id'), table_name='hub_message_read')
    op.drop_table('hub_message_read')
    op.drop_index('ix_hub_message_ward', table_name='hub_message')
    op.drop_table('hub_message')
