"""claims at speed: a partial index on the waiting cases in the order the queue is served

Revision ID: dbspeed
Revises: fhir
Create Date: 2026-11-29 23:30:00

"Answer next" picks the first waiting case of its queues by (priority, queued_at, id). Ordered by the
priority text itself (P1 < P2 < P3 < P4), the pick walks this index and stops at the first row it can
lock, however deep the queue (bench/README.md, "Claims from 4 processes").
"""
import sqlalchemy as sa
from alembic import op

revision = "dbspeed"
down_revision = "fhir"
branch_labels = None
depends_on = None

WAITING = sa.text("status IN ('queued', 'callback')")


def upgrade():
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.create_index("ix_case_waiting", ["queue", "priority", "queued_at", "id"], unique=False,
                              sqlite_where=WAITING, postgresql_where=WAITING)


def downgrade():
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_waiting")
