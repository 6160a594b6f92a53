"""Grievance desks: a grievance's history (notes, replies, transfers, escalations, reopenings, ratings)

grievance gains when it last went up to a senior desk, how often the citizen reopened it and the citizen's rating;
grievance_event holds every step after filing, the officer's internal notes among them.

Revision ID: grievance_desk
Revises: hot_updates
Create Date: 2026-12-07 12:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "grievance_desk"
down_revision = "hot_updates"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("grievance", sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("grievance", sa.Column("reopened", sa.Integer(), server_default="0", nullable=False))
    op.add_column("grievance", sa.Column("rating", sa.Integer(), nullable=True))
    op.add_column("grievance", sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "grievance_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("grievance_id", sa.Integer(), sa.ForeignKey("grievance.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=True),
        sa.Column("from_desk", sa.String(length=40), nullable=True),
        sa.Column("to_desk", sa.String(length=40), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_grievance_event_grievance_id", "grievance_event", ["grievance_id"])


def downgrade():
    op.drop_table("grievance_event")
    for column in ("rated_at", "rating", "reopened", "escalated_at"):
        op.drop_column("grievance", column)
