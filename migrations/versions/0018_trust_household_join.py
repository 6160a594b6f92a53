"""trust: joining an existing household waits for the card office; a card request by another adult is marked

Revision ID: trust_household_join
Revises: trust_edge_widths
Create Date: 2026-12-07 00:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "trust_household_join"
down_revision = "trust_edge_widths"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "household_join",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.ForeignKeyConstraint(["requested_by_id"], ["staff_user.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["staff_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_household_join_patient_id", "household_join", ["patient_id"], unique=False)
    op.create_index("ix_household_join_household_id", "household_join", ["household_id"], unique=False)
    op.create_index("ix_household_join_status", "household_join", ["status"], unique=False)
    op.create_index("uq_household_join_pending_patient", "household_join", ["patient_id"], unique=True,
                    postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
    with op.batch_alter_table("card_request") as batch_op:
        batch_op.add_column(sa.Column("for_another_adult", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("holder_confirmed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("holder_confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key("fk_card_request_holder_confirmed_by", "staff_user", ["holder_confirmed_by_id"],
                                    ["id"])


def downgrade():
    with op.batch_alter_table("card_request") as batch_op:
        batch_op.drop_constraint("fk_card_request_holder_confirmed_by", type_="foreignkey")
        batch_op.drop_column("holder_confirmed_at")
        batch_op.drop_column("holder_confirmed_by_id")
        batch_op.drop_column("for_another_adult")
    op.drop_index("uq_household_join_pending_patient", table_name="household_join")
    op.drop_index("ix_household_join_status", table_name="household_join")
    op.drop_index("ix_household_join_household_id", table_name="household_join")
    op.drop_index("ix_household_join_patient_id", table_name="household_join")
    op.drop_table("household_join")
