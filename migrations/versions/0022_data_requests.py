"""Residents' requests to correct or erase their data (DPDP Act, 2023), decided by the card office

Revision ID: data_requests
Revises: acd_offers
Create Date: 2026-12-07 09:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "data_requests"
down_revision = "acd_offers"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "data_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=True),
        sa.Column("correct_value", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["staff_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_data_request_patient_id", "data_request", ["patient_id"], unique=False)
    op.create_index("ix_data_request_status", "data_request", ["status"], unique=False)
    op.create_index("ix_data_request_mobile_created", "data_request", ["mobile", "created_at"], unique=False)
    op.create_index("uq_data_request_open_erasure", "data_request", ["patient_id"], unique=True,
                    postgresql_where=sa.text("kind = 'erasure' AND status = 'open'"))


def downgrade():
    op.drop_index("uq_data_request_open_erasure", table_name="data_request")
    op.drop_index("ix_data_request_mobile_created", table_name="data_request")
    op.drop_index("ix_data_request_status", table_name="data_request")
    op.drop_index("ix_data_request_patient_id", table_name="data_request")
    op.drop_table("data_request")
