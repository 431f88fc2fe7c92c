"""ward figures: narrow projections of the live session logs, outreach records and cards,
filled from the records already stored

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 15:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('figure_visit',
    sa.Column('record_id', sa.String(length=200), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('parents', sa.Integer(), nullable=False),
    sa.Column('children_0', sa.Integer(), nullable=False),
    sa.Column('children_1', sa.Integer(), nullable=False),
    sa.Column('children_2', sa.Integer(), nullable=False),
    sa.Column('children_3plus', sa.Integer(), nullable=False),
    sa.Column('expecting_parents', sa.Integer(), nullable=False),
    sa.Column('fathers', sa.Integer(), nullable=False),
    sa.Column('grandparents', sa.Integer(), nullable=False),
    sa.Column('first_time', sa.Integer(), nullable=False),
    sa.Column('in_ward', sa.Integer(), nullable=False),
    sa.Column('out_of_ward', sa.Integer(), nullable=False),
    sa.Column('consultation_work_life_answered_on_site', sa.Integer(), nullable=False),
    sa.Column('consultation_work_life_referred_to_site', sa.Integer(), nullable=False),
    sa.Column('consultation_work_life_connected_to_ward', sa.Integer(), nullable=False),
    sa.Column('consultation_family_relations_answered_on_site', sa.Integer(), nullable=False),
    sa.Column('consultation_family_relations_referred_to_site', sa.Integer(), nullable=False),
    sa.Column('consultation_family_relations_connected_to_ward', sa.Integer(), nullable=False),
    sa.Column('consultation_elder_care_answered_on_site', sa.Integer(), nullable=False),
    sa.Column('consultation_elder_care_referred_to_site', sa.Integer(), nullable=False),
    sa.Column('consultation_elder_care_connected_to_ward', sa.Integer(), nullable=False),
    sa.Column('consultation_single_parent_answered_on_site', sa.Integer(), nullable=False),
    sa.Column('consultation_single_parent_referred_to_site', sa.Integer(), nullable=False),
    sa.Column('consultation_single_parent_connected_to_ward', sa.Integer(), nullable=False),
    sa.Column('consultation_financial_answered_on_site', sa.Integer(), nullable=False),
    sa.Column('consultation_financial_referred_to_site', sa.Integer(), nullable=False),
    sa.Column('consultation_financial_connected_to_ward', sa.Integer(), nullable=False),
    sa.Column('consultation_development_answered_on_site', sa.Integer(), nullable=False),
    sa.Column('consultation_development_referred_to_site', sa.Integer(), nullable=False),
    sa.Column('consultation_development_connected_to_ward', sa.Integer(), nullable=False),
    sa.Column('consultation_parenting_approach_answered_on_site', sa.Integer(), nullable=False),
    sa.Column('consultation_parenting_approach_referred_to_site', sa.Integer(), nullable=False),
    sa.Column('consultation_parenting_approach_connected_to_ward', sa.Integer(), nullable=False),
    sa.Column('consultation_health_daily_answered_on_site', sa.Integer(), nullable=False),
    sa.Column('consultation_health_daily_referred_to_site', sa.Integer(), nullable=False),
    sa.Column('consultation_health_daily_connected_to_ward', sa.Integer(), nullable=False),
    sa.Column('consultation_places_childcare_answered_on_site', sa.Integer(), nullable=False),
    sa.Column('consultation_places_childcare_referred_to_site', sa.Integer(), nullable=False),
    sa.Column('consultation_places_childcare_connected_to_ward', sa.Integer(), nullable=False),
    sa.Column('consultation_other_answered_on_site', sa.Integer(), nullable=False),
    sa.Column('consultation_other_referred_to_site', sa.Integer(), nullable=False),
    sa.Column('consultation_other_connected_to_ward', sa.Integer(), nullable=False),
    sa.Column('connected_to_ward_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_figure_visit'))
    )
    op.create_index('ix_figure_visit_site_day', 'figure_visit', ['site_id', 'day'], unique=False)
    op.create_table('figure_outreach',
    sa.Column('record_id', sa.String(length=200), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('went_nursery_teacher', sa.Integer(), nullable=False),
    sa.Column('went_public_health_nurse', sa.Integer(), nullable=False),
    sa.Column('went_parenting_partner', sa.Integer(), nullable=False),
    sa.Column('went_supporter', sa.Integer(), nullable=False),
    sa.Column('went_nutritionist', sa.Integer(), nullable=False),
    sa.Column('went_other', sa.Integer(), nullable=False),
    sa.Column('parents', sa.Integer(), nullable=False),
    sa.Column('children', sa.Integer(), nullable=False),
    sa.Column('met_neighborhood_assoc', sa.Integer(), nullable=False),
    sa.Column('met_welfare_commissioner', sa.Integer(), nullable=False),
    sa.Column('met_chief_child_commissioner', sa.Integer(), nullable=False),
    sa.Column('met_supporter', sa.Integer(), nullable=False),
    sa.Column('met_other', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_figure_outreach'))
    )
    op.create_index('ix_figure_outreach_site_day', 'figure_outreach', ['site_id', 'day'],
                    unique=False)
    op.create_table('figure_card',
    sa.Column('record_id', sa.String(length=200), nullable=False),
    sa.Column('issuing_site_id', sa.Integer(), nullable=False),
    sa.Column('target_site_id', sa.Integer(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('child_age', sa.String(length=12), nullable=True),
    sa.Column('wishes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_figure_card'))
    )
    op.create_index('ix_figure_card_site_day', 'figure_card', ['issuing_site_id', 'issued_on'],
                    unique=False)
    # The records stored before these tables: their rows, read in batches. The projection's
    # own code makes them, so they are exactly what a push would have written. (A later
    # revision that changes these tables rebuilds them again, after its own change.)
    from server.figures.projection import rebuild

    rebuild(op.get_bind())


def downgrade():
    op.drop_index('ix_figure_card_site_day', table_name='figure_card')
    op.drop_table('figure_card')
    op.drop_index('ix_figure_outreach_site_day', table_name='figure_outreach')
    op.drop_table('figure_outreach')
    op.drop_index('ix_figure_visit_site_day', table_name='figure_visit')
    op.drop_table('figure_visit')
