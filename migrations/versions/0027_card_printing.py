"""Cards to print: print batches for the card vendor, and on each card its bulk issue, batch and printing time

Revision ID: card_printing
Revises: grievance_desk
Create Date: 2026-12-07 12:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "card_printing"
down_revision = "grievance_desk"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "card_print_batch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=False),
        sa.Column("issue_job_id", sa.Integer(), sa.ForeignKey("office_job.id"), nullable=True),
        sa.Column("cards", sa.Integer(), nullable=False),
    )
    op.create_index("ix_card_print_batch_created_at", "card_print_batch", ["created_at"])
    # Nullable columns without a default: PostgreSQL adds them without rewriting the card table.
    op.add_column("health_card", sa.Column("issue_job_id", sa.Integer(), sa.ForeignKey("office_job.id"), nullable=True))
    op.add_column("health_card", sa.Column("print_batch_id", sa.Integer(), sa.ForeignKey("card_print_batch.id"),
                                           nullable=True))
    op.add_column("health_card", sa.Column("printed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_health_card_issue_job_id", "health_card", ["issue_job_id"])
    op.create_index("ix_health_card_print_batch_id", "health_card", ["print_batch_id"])


def downgrade():
    op.drop_index("ix_health_card_print_batch_id", table_name="health_card")
    op.drop_index("ix_health_card_issue_job_id", table_name="health_card")
    op.drop_column("health_card", "printed_at")
    op.drop_column("health_card", "print_batch_id")
    op.drop_column("health_card", "issue_job_id")
    op.drop_index("ix_card_print_batch_created_at", table_name="card_print_batch")
    op.drop_table("card_print_batch")
