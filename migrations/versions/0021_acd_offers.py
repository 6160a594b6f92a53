"""Calls offered to agents (automatic call distribution) and staff language skills

staff_user gains the languages a person speaks (hi, en, pa, ur), an interpreter flag, a text capacity and the
count of offers they let ring out; case_offer holds the one live offer of a case to one agent (both unique, so the
database refuses a second offer of a case or to an agent whatever the race).

Revision ID: acd_offers
Revises: hospital_versions
Create Date: 2026-12-07 06:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = "acd_offers"
down_revision = "hospital_versions"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("staff_user", sa.Column("languages", sa.JSON(), nullable=False, server_default='["hi", "en"]'))
    op.add_column("staff_user", sa.Column("interpreter", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("staff_user", sa.Column("text_capacity", sa.Integer(), nullable=False, server_default="3"))
    op.add_column("staff_user", sa.Column("offers_missed", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("staff_user", sa.Column("last_missed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "case_offer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case.id", ondelete="CASCADE"), nullable=False, unique=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_user.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table("case_offer")
    for column in ("last_missed_at", "offers_missed", "text_capacity", "interpreter", "languages"):
        op.drop_column("staff_user", column)
