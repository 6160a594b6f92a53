"""Retention sweeps for a contact's words and numbers

case gains anonymised_at (when the retention sweep removed its free text and numbers) and next_contact_at (the
caller's next contact as it stood then, for first-contact resolution), and indexes of the ended cases not yet
anonymised (closed ones by closed_at, abandoned ones by created_at); message gains redacted_at (when its body was replaced) and an index of the
bodies not yet redacted by age. The sweeps are crm/cases/retention.py.

Revision ID: retention_sweeps
Revises: acd_offers
Create Date: 2026-12-07 09:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "retention_sweeps"
down_revision = "data_requests"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("case", sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("case", sa.Column("next_contact_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_case_closed_to_anonymise", "case", ["closed_at"], postgresql_where=sa.text("anonymised_at IS NULL"))
    op.create_index("ix_case_abandoned_to_anonymise", "case", ["created_at"],
                    postgresql_where=sa.text("anonymised_at IS NULL AND status = 'abandoned'"))
    op.add_column("message", sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_message_to_redact", "message", ["created_at"], postgresql_where=sa.text("redacted_at IS NULL"))


def downgrade():
    op.drop_index("ix_message_to_redact", table_name="message")
    op.drop_column("message", "redacted_at")
    op.drop_index("ix_case_abandoned_to_anonymise", table_name="case")
    op.drop_index("ix_case_closed_to_anonymise", table_name="case")
    op.drop_column("case", "next_contact_at")
    op.drop_column("case", "anonymised_at")
