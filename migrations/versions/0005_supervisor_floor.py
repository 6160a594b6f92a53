"""supervisor floor: an index for reading a day of the case timeline

Revision ID: supervisor_floor
Revises: 0004_case_reference
Create Date: 2026-11-29 20:30:00

The board and the reports find the cases that joined a queue in a period by case_event (kind, at);
without it every refresh read the whole timeline table (bench/README.md, "Supervisor board refresh").
"""
from alembic import op

revision = "supervisor_floor"
down_revision = "0004_case_reference"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.create_index("ix_case_event_kind_at", ["kind", "at"], unique=False)


def downgrade():
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_index("ix_case_event_kind_at")
