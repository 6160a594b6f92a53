"""WhatsApp messages (channel, template sid and variables) and the facility finder's columns

Revision ID: messaging
Revises: portal
Create Date: 2026-11-29 23:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "messaging"
down_revision = "portal"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=10), nullable=False, server_default="sms"))
        batch_op.add_column(sa.Column("content_sid", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("content_variables", sa.JSON(), nullable=True))
    with op.batch_alter_table("facility", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ward", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("pincode", sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lon", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("services", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("timings", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.create_index(batch_op.f("ix_facility_ward"), ["ward"], unique=False)
        batch_op.create_index(batch_op.f("ix_facility_pincode"), ["pincode"], unique=False)


def downgrade():
    with op.batch_alter_table("facility", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facility_pincode"))
        batch_op.drop_index(batch_op.f("ix_facility_ward"))
        for column in ("timings", "services", "lon", "lat", "pincode", "ward"):
            batch_op.drop_column(column)
    with op.batch_alter_table("message", schema=None) as batch_op:
        for column in ("content_variables", "content_sid", "channel"):
            batch_op.drop_column(column)
