"""message.kind fits every kind the app writes: "appointment_cancelled" (21 characters) broke on varchar(20)

Cancelling an appointment (by the doctor or the citizen) texts the patient with kind "appointment_cancelled";
on PostgreSQL that INSERT failed (value too long for character varying(20)), so the cancellation was a 500.
SQLite, which the tests ran on, does not enforce widths. Widening a varchar rewrites no rows on PostgreSQL.

Revision ID: message_kind_width
Revises: trust_household_join
Create Date: 2026-12-07 03:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = "message_kind_width"
down_revision = "trust_household_join"
branch_labels = None
depends_on = None


def upgrade():
    op.alter_column("message", "kind", type_=sa.String(length=30), existing_type=sa.String(length=20),
                    existing_nullable=False)


def downgrade():
    # A kind kept since the upgrade may be longer than the old width: it is cut, not refused.
    op.alter_column("message", "kind", type_=sa.String(length=20), existing_type=sa.String(length=30),
                    existing_nullable=False, postgresql_using="left(kind, 20)")
