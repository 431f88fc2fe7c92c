"""regional issues board: the hub's record of each issue raised from a phone (state,
meetings, initiative, roles, review dates) and the history of its changes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 17:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('local_issue',
    sa.Column('record_id', sa.String(length=200), nullable=False),
    sa.Column('ward_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('initiative', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by'], ['user.id'],
                            name=op.f('fk_local_issue_updated_by_user')),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'], name=op.f('fk_local_issue_ward_id_ward')),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_local_issue'))
    )
    op.create_index('ix_local_issue_state', 'local_issue', ['state'], unique=False)
    op.create_index(op.f('ix_local_issue_ward_id'), 'local_issue', ['ward_id'], unique=False)
    op.create_table('local_issue_meeting',
    sa.Column('issue_id', sa.String(length=200), nullable=False),
    sa.Column('meeting_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('stage', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['local_issue.record_id'],
                            name=op.f('fk_local_issue_meeting_issue_id_local_issue')),
    sa.ForeignKeyConstraint(['meeting_id'], ['liaison_meeting.id'],
                            name=op.f('fk_local_issue_meeting_meeting_id_liaison_meeting')),
    sa.PrimaryKeyConstraint('issue_id', 'meeting_id', 'stage', name=op.f('pk_local_issue_meeting'))
    )
    op.create_table('local_issue_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.String(length=200), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('task', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['local_issue.record_id'],
                            name=op.f('fk_local_issue_role_issue_id_local_issue')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'],
                            name=op.f('fk_local_issue_role_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_local_issue_role'))
    )
    op.create_index(op.f('ix_local_issue_role_issue_id'), 'local_issue_role', ['issue_id'],
                    unique=False)
    op.create_table('local_issue_review',
    sa.Column('issue_id', sa.String(length=200), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['local_issue.record_id'],
                            name=op.f('fk_local_issue_review_issue_id_local_issue')),
    sa.PrimaryKeyConstraint('issue_id', 'review_on', name=op.f('pk_local_issue_review'))
    )
    op.create_table('local_issue_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('changes_json', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['local_issue.record_id'],
                            name=op.f('fk_local_issue_event_issue_id_local_issue')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                            name=op.f('fk_local_issue_event_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_local_issue_event'))
    )
    op.create_index('ix_local_issue_event_issue', 'local_issue_event', ['issue_id', 'id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_local_issue_event_issue', table_name='local_issue_event')
    op.drop_table('local_issue_event')
    op.drop_table('local_issue_review')
    op.drop_index(op.f('ix_local_issue_role_issue_id'), table_name='local_issue_role')
    op.drop_table('local_issue_role')
    op.drop_table('local_issue_meeting')
    op.drop_index(op.f('ix_local_issue_ward_id'), table_name='local_issue')
    op.drop_index('ix_local_issue_state', table_name='local_issue')
    op.drop_table('local_issue')
