"""doctors' alarm sound state (the supervisor sees who on duty has sound off)

Revision ID: tier2
Revises: 0004_case_reference
Create Date: 2026-11-29 21:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'tier2'
down_revision = "reliability"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sound_on', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('sound_since', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('sound_since')
        batch_op.drop_column('sound_on')
