"""audit_log.patient_ids: every resident a read of several showed, searchable (GIN)

A list of cases, a worklist, duplicate candidates, a print batch: one audit row names many residents. They were kept
in the row's detail (the worklist's first 500 only), where neither the access log's search for one patient nor the
resident's own "who saw my data" page looked. The existing rows' residents are copied from detail["patients"] (the
detail itself is left as it was written: audit rows are not rewritten).

Revision ID: audit_patient_ids
Revises: message_partitions
Create Date: 2026-12-07 18:30:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "audit_patient_ids"
down_revision = "message_partitions"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("audit_log", sa.Column("patient_ids", postgresql.ARRAY(sa.Integer())))
    op.execute("""
        UPDATE audit_log SET patient_ids = ARRAY(
            SELECT DISTINCT CAST(x AS integer) FROM json_array_elements_text(detail -> 'patients') AS x ORDER BY 1)
        WHERE json_typeof(detail -> 'patients') = 'array'""")
    # On the partitioned table: PostgreSQL builds it on every month's partition, and on each one attached later.
    op.create_index("ix_audit_log_patient_ids", "audit_log", ["patient_ids"], postgresql_using="gin")


def downgrade():
    op.drop_index("ix_audit_log_patient_ids", table_name="audit_log")
    op.drop_column("audit_log", "patient_ids")
