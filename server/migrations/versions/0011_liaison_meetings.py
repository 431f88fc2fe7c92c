"""liaison meetings (連絡会): the current record of each meeting, the sites that attended
it and every version of the record

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 17:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('liaison_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ward_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('organisations', sa.JSON(), nullable=False),
    sa.Column('shared', sa.Text(), nullable=False),
    sa.Column('discussed', sa.Text(), nullable=False),
    sa.Column('decided', sa.JSON(), nullable=False),
    sa.Column('decided_note', sa.Text(), nullable=False),
    sa.Column('looked_back', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'],
                            name=op.f('fk_liaison_meeting_area_id_area')),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'],
                            name=op.f('fk_liaison_meeting_ward_id_ward')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liaison_meeting'))
    )
    op.create_index('ix_liaison_meeting_ward_held', 'liaison_meeting', ['ward_id', 'held_on'],
                    unique=False)
    op.create_table('liaison_attendance',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['liaison_meeting.id'],
                            name=op.f('fk_liaison_attendance_meeting_id_liaison_meeting')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'],
                            name=op.f('fk_liaison_attendance_site_id_site')),
    sa.PrimaryKeyConstraint('meeting_id', 'site_id', name=op.f('pk_liaison_attendance'))
    )
    op.create_index(op.f('ix_liaison_attendance_site_id'), 'liaison_attendance', ['site_id'],
                    unique=False)
    op.create_table('liaison_meeting_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by'], ['user.id'],
                            name=op.f('fk_liaison_meeting_version_changed_by_user')),
    sa.ForeignKeyConstraint(['meeting_id'], ['liaison_meeting.id'],
                            name=op.f('fk_liaison_meeting_version_meeting_id_liaison_meeting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liaison_meeting_version')),
    sa.UniqueConstraint('meeting_id', 'version', name='uq_liaison_meeting_version')
    )


def downgrade():
    op.drop_table('liaison_meeting_version')
    op.drop_index(op.f('ix_liaison_attendance_site_id'), table_name='liaison_attendance')
    op.drop_table('liaison_attendance')
    op.drop_index('ix_liaison_meeting_ward_held', table_name='liaison_meeting')
    op.drop_table('liaison_meeting')
