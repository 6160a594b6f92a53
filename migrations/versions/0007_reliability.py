"""reliability: when a message started sending, when a call was last heard from

Revision ID: reliability
Revises: 0004_case_reference
Create Date: 2026-11-29 21:10:00

message.sending_since lets a sweep find a reply whose worker died between the claim and Twilio's
answer; call.last_heard_at lets a sweep find calls whose last callbacks never came.
"""
from alembic import op
import sqlalchemy as sa


revision = 'reliability'
down_revision = "trust"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sending_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_message_status_sending_since', ['status', 'sending_since'])
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_heard_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_column('last_heard_at')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_status_sending_since')
        batch_op.drop_column('sending_since')
