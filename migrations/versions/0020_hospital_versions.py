"""Hospital records carry a version (ETag, If-Match), context records belong to no patient, clients may give a JWKS URL

A hospital's Organization or Practitioner is sent around many patients' records: it is kept once per hospital,
under no patient. A client registers its keys as a JWK Set or the URL where it publishes them (SMART Backend
Services), so it rotates keys without asking anyone.

Revision ID: hospital_versions
Revises: message_kind_width
Create Date: 2026-12-07 06:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "hospital_versions"
down_revision = "message_kind_width"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("hospital_record", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.alter_column("hospital_record", "patient_id", existing_type=sa.Integer(), nullable=True)
    op.add_column("hospital_client", sa.Column("jwks_url", sa.String(length=500), nullable=True))


def downgrade():
    op.drop_column("hospital_client", "jwks_url")
    op.execute("DELETE FROM hospital_record WHERE patient_id IS NULL")
    op.alter_column("hospital_record", "patient_id", existing_type=sa.Integer(), nullable=False)
    op.drop_column("hospital_record", "version")
