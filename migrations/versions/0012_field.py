"""field: door-to-door verification (ward assignments, marks), enrollment and reversible merges

Revision ID: field
Revises: messaging
Create Date: 2026-11-29 23:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'field'
down_revision = "messaging"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enrolled_where', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('enrolled_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_patient_enrolled_by_id_staff_user', 'staff_user', ['enrolled_by_id'], ['id'])
        batch_op.create_foreign_key('fk_patient_merged_into_id_patient', 'patient', ['merged_into_id'], ['id'])
        batch_op.create_index('ix_patient_merged_into_id', ['merged_into_id'])
    op.create_table(
        'field_assignment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ward', sa.String(length=80), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('assigned_by_id', sa.Integer(), nullable=True),
        sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id']),
        sa.ForeignKeyConstraint(['assigned_by_id'], ['staff_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ward'),
    )
    op.create_index('ix_field_assignment_staff_id', 'field_assignment', ['staff_id'])
    op.create_table(
        'field_mark',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.String(length=40), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('card_id', sa.Integer(), nullable=True),
        sa.Column('card_number', sa.String(length=12), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=True),
        sa.Column('ward', sa.String(length=80), nullable=False),
        sa.Column('outcome', sa.String(length=12), nullable=False),
        sa.Column('via', sa.String(length=8), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('accuracy_m', sa.Float(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('result', sa.String(length=10), nullable=False),
        sa.Column('conflict', sa.String(length=300), nullable=True),
        sa.Column('photo_type', sa.String(length=20), nullable=True),
        sa.Column('photo', sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id']),
        sa.ForeignKeyConstraint(['card_id'], ['health_card.id']),
        sa.ForeignKeyConstraint(['patient_id'], ['patient.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('client_id'),
    )
    for column in ('staff_id', 'card_id', 'patient_id', 'ward'):
        op.create_index(f'ix_field_mark_{column}', 'field_mark', [column])
    op.create_table(
        'patient_merge',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survivor_id', sa.Integer(), nullable=False),
        sa.Column('duplicate_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('undone_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['survivor_id'], ['patient.id']),
        sa.ForeignKeyConstraint(['duplicate_id'], ['patient.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id']),
        sa.ForeignKeyConstraint(['undone_by_id'], ['staff_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_patient_merge_survivor_id', 'patient_merge', ['survivor_id'])
    op.create_index('ix_patient_merge_duplicate_id', 'patient_merge', ['duplicate_id'])


def downgrade():
    op.drop_table('patient_merge')
    op.drop_table('field_mark')
    op.drop_table('field_assignment')
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_index('ix_patient_merged_into_id')
        batch_op.drop_constraint('fk_patient_merged_into_id_patient', type_='foreignkey')
        batch_op.drop_constraint('fk_patient_enrolled_by_id_staff_user', type_='foreignkey')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('enrolled_by_id')
        batch_op.drop_column('enrolled_where')
