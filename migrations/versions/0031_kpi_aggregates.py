"""The floor's figures kept as sums: kpi_pending, kpi_case, kpi_bucket, kpi_emergency, kpi_basis; the open staff legs

Empty at first: `flask --app wsgi kpis rebuild` counts every existing case (until then the board and the reports
compute from the timeline, as before). No foreign keys and no reference to case_event's key: the timeline's
tables may be partitioned and the retention sweep may remove a case without touching the sums of its day.

Revision ID: kpi_aggregates
Revises: registry_scale
Create Date: 2026-12-07 12:30:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "kpi_aggregates"
down_revision = "registry_scale"
branch_labels = None
depends_on = None

_SUMS = ("offered", "answered", "abandoned", "short_abandoned", "within", "handle_n", "fcr_given", "fcr_resolved",
         "callbacks")


def upgrade():
    op.create_table("kpi_pending", sa.Column("case_id", sa.Integer(), nullable=False))  # no key: marks never wait
    op.create_table("kpi_case", sa.Column("case_id", sa.Integer(), primary_key=True, autoincrement=False),
                    sa.Column("parts", sa.JSON(), nullable=False))
    op.create_table(
        "kpi_bucket",
        sa.Column("day", sa.Date(), primary_key=True), sa.Column("dim", sa.String(16), primary_key=True),
        sa.Column("value", sa.String(40), primary_key=True), sa.Column("queue", sa.String(16), primary_key=True),
        *(sa.Column(name, sa.Integer(), nullable=False, server_default="0") for name in _SUMS),
        sa.Column("wait_us", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("handle_us", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("fcr_last_created", sa.DateTime(timezone=True)),
    )
    op.create_table("kpi_emergency", sa.Column("case_id", sa.Integer(), primary_key=True, autoincrement=False),
                    sa.Column("day", sa.Date(), nullable=False), sa.Column("wait_us", sa.BigInteger()),
                    sa.Column("groups", postgresql.JSONB(), nullable=False))
    op.create_index("ix_kpi_emergency_day", "kpi_emergency", ["day"])
    op.create_table("kpi_basis", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
                    sa.Column("settings", sa.JSON(), nullable=False))
    # Who is on the phone now, asked of every agent at each refresh: the open staff legs, not every leg ever placed.
    op.create_index("ix_call_leg_open", "call", ["staff_id"],
                    postgresql_where=sa.text("ended_at IS NULL"))
    # Existing history is not counted yet: until the rebuild, the board and the reports read the timeline.
    op.execute("""INSERT INTO kpi_basis (id, settings) SELECT 1, '{"rebuild": "flask --app wsgi kpis rebuild"}'
                  WHERE EXISTS (SELECT 1 FROM "case")""")


def downgrade():
    op.drop_index("ix_call_leg_open", table_name="call")
    for table in ("kpi_basis", "kpi_emergency", "kpi_bucket", "kpi_case", "kpi_pending"):
        op.drop_table(table)
