"""sign-in codes out of the message store: an SMS's secret waits sealed in message_secret for its send job

Revision ID: trust_secrets_fhir
Revises: citizen_sessions
Create Date: 2026-12-07 00:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "trust_secrets_fhir"
down_revision = "citizen_sessions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "message_secret",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"], name=op.f("fk_message_secret_message_id_message"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_message_secret")),
    )
    # Codes already stored in clear (the old sweep removed them only minutes after sending) are masked now.
    op.execute("UPDATE message SET body = regexp_replace(body, '[0-9]{6}', '******') WHERE kind = 'portal_code'"
               if op.get_bind().dialect.name == "postgresql" else "SELECT 1")


def downgrade():
    op.drop_table("message_secret")
