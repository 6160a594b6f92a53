"""citizen sessions on the server: a portal sign-in is a row, so signing out ends it everywhere it was copied

Revision ID: citizen_sessions
Revises: dbspeed
Create Date: 2026-12-06 20:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "citizen_sessions"
down_revision = "dbspeed"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "citizen_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=30), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_index("ix_citizen_session_mobile", "citizen_session", ["mobile"], unique=False)


def downgrade():
    op.drop_index("ix_citizen_session_mobile", table_name="citizen_session")
    op.drop_table("citizen_session")
