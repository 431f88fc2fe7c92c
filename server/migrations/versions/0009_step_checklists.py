"""cooperation steps: the four steps and their checkpoints (seeded from
server/cooperation/checkpoints.json, versioned) and the assessments against them

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('coop_step',
    sa.Column('number', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('title_ja', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_coop_step')),
    sa.UniqueConstraint('code', name=op.f('uq_coop_step_code'))
    )
    op.create_table('coop_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('step_number', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text_ja', sa.Text(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['step_number'], ['coop_step.number'],
                            name=op.f('fk_coop_checkpoint_step_number_coop_step')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coop_checkpoint')),
    sa.UniqueConstraint('step_number', 'number', 'version', name='uq_coop_checkpoint_version')
    )
    op.create_table('coop_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ward_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('step_number', sa.Integer(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('next_action', sa.Text(), nullable=False),
    sa.Column('next_action_on', sa.Date(), nullable=True),
    sa.Column('next_review_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'],
                            name=op.f('fk_coop_assessment_area_id_area')),
    sa.ForeignKeyConstraint(['recorded_by'], ['user.id'],
                            name=op.f('fk_coop_assessment_recorded_by_user')),
    sa.ForeignKeyConstraint(['step_number'], ['coop_step.number'],
                            name=op.f('fk_coop_assessment_step_number_coop_step')),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'],
                            name=op.f('fk_coop_assessment_ward_id_ward')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coop_assessment'))
    )
    op.create_index('ix_coop_assessment_ward_step', 'coop_assessment',
                    ['ward_id', 'step_number', 'id'], unique=False)
    op.create_table('coop_answer',
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['coop_assessment.id'],
                            name=op.f('fk_coop_answer_assessment_id_coop_assessment')),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['coop_checkpoint.id'],
                            name=op.f('fk_coop_answer_checkpoint_id_coop_checkpoint')),
    sa.PrimaryKeyConstraint('assessment_id', 'checkpoint_id', name=op.f('pk_coop_answer'))
    )
    # The wording as the repository keeps it, through the same code a create_all database
    # is seeded with, so both hold exactly the same rows.
    from server.cooperation.reference import seed

    seed(op.get_bind())


def downgrade():
    op.drop_table('coop_answer')
    op.drop_index('ix_coop_assessment_ward_step', table_name='coop_assessment')
    op.drop_table('coop_assessment')
    op.drop_table('coop_checkpoint')
    op.drop_table('coop_step')
