"""card-office jobs started in the browser (registry import, bulk card issue) and their progress

Revision ID: admin
Revises: tier2
Create Date: 2026-11-29 23:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = "admin"
down_revision = "tier2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "office_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("stored_name", sa.String(length=80), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["started_by_id"], ["staff_user.id"], name=op.f("fk_office_job_started_by_id_staff_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_job")),
    )
    with op.batch_alter_table("office_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_office_job_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_office_job_started_by_id"), ["started_by_id"], unique=False)


def downgrade():
    with op.batch_alter_table("office_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_office_job_started_by_id"))
        batch_op.drop_index(batch_op.f("ix_office_job_created_at"))
    op.drop_table("office_job")
