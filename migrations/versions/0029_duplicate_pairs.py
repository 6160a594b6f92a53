"""Likely duplicate residents as the card office's worklist (duplicate_pair), and what finding them needs

One row per pair of records (lower id first, unique): a re-import finds the pair again and changes nothing, a
dismissed pair stays dismissed. After an import the pairs are found set-based: birth date with mobile, birth
date with a similar name (pg_trgm's similarity), or the same address; patient gets an index on dob and on the
lower-cased address for those joins, and on updated_at (the residents an import wrote are those stamped since it
began). pg_trgm is left installed on downgrade (other code may use it).

Revision ID: duplicate_pairs
Revises: monthly_partitions
Create Date: 2026-12-07 12:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "duplicate_pairs"
down_revision = "monthly_partitions"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "duplicate_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("low_id", sa.Integer(), nullable=False),
        sa.Column("high_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("merge_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("low_id < high_id", name="ck_duplicate_pair_order"),
        sa.ForeignKeyConstraint(["low_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["high_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["job_id"], ["office_job.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["staff_user.id"]),
        sa.ForeignKeyConstraint(["merge_id"], ["patient_merge.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("uq_duplicate_pair", "duplicate_pair", ["low_id", "high_id"], unique=True)
    op.create_index("ix_duplicate_pair_high_id", "duplicate_pair", ["high_id"])
    op.create_index("ix_duplicate_pair_status", "duplicate_pair", ["status"])
    op.create_index("ix_patient_dob", "patient", ["dob"])
    op.create_index("ix_patient_address_lower", "patient", [sa.text("lower(address)")])
    op.create_index("ix_patient_updated_at", "patient", ["updated_at"])


def downgrade():
    op.drop_index("ix_patient_updated_at", table_name="patient")
    op.drop_index("ix_patient_address_lower", table_name="patient")
    op.drop_index("ix_patient_dob", table_name="patient")
    op.drop_table("duplicate_pair")
