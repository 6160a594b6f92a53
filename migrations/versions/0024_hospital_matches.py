"""Bundles matched by demographics wait for a person to confirm; a reused Bundle identifier is told apart by content

A Bundle that names no resident by card number or ABHA, but whose name, sex and birth date fit one or more
residents, is held in hospital_match (unfiled, on no panel) until the card office confirms or rejects the match.
hospital_bundle keeps a hash of what each Bundle said: a different Bundle under an identifier seen before is
stored, not answered with the first Bundle's reply.

Revision ID: hospital_matches
Revises: acd_offers
Create Date: 2026-12-07 09:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "hospital_matches"
down_revision = "retention_sweeps"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("hospital_bundle", sa.Column("content_hash", sa.String(length=80), nullable=True))
    op.create_table(
        "hospital_match",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("hospital_client.id"), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Boolean(), nullable=False),
        sa.Column("bundle", sa.JSON(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=80), nullable=False),
        sa.Column("sent", sa.JSON(), nullable=False),
        sa.Column("candidate_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patient.id"), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_hospital_match_client_id", "hospital_match", ["client_id"])
    op.create_index("ix_hospital_match_content_hash", "hospital_match", ["content_hash"])
    op.create_index("ix_hospital_match_status", "hospital_match", ["status"])


def downgrade():
    op.drop_table("hospital_match")
    op.drop_column("hospital_bundle", "content_hash")
