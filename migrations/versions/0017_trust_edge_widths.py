"""the edge's widths: Twilio addresses (SIP URIs, client identities) and status words fit the columns that keep them

The webhook edge and these columns now read one set of widths (crm/platform/security/bounds.py). A signed call from
"sip:alice.kumar@pbx.example.in" or a status callback in Twilio's own words passed the edge and then broke on
PostgreSQL's narrower columns (a 500). Widening a varchar rewrites no rows on PostgreSQL.

Revision ID: trust_edge_widths
Revises: trust_secrets_fhir
Create Date: 2026-12-07 00:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "trust_edge_widths"
down_revision = "trust_secrets_fhir"
branch_labels = None
depends_on = None

# (table, column, width before, width now)
WIDENED = (
    ("call", "from_number", 40, 128),
    ("call", "to_number", 40, 128),
    ("call", "status", 16, 30),
    ("message", "from_number", 40, 128),
    ("message", "to_number", 40, 128),
    ("message", "status", 16, 30),
    ("opt_out", "phone", 40, 128),
)


def upgrade():
    for table, column, before, now in WIDENED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=sa.String(length=now), existing_type=sa.String(length=before))


def downgrade():
    for table, column, before, now in WIDENED:
        with op.batch_alter_table(table) as batch:
            # A value kept since the upgrade may be longer than the old width: it is cut, not refused.
            batch.alter_column(column, type_=sa.String(length=before), existing_type=sa.String(length=now),
                               postgresql_using=f"left({column}, {before})")
