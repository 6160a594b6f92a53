"""The case timeline and the audit log partitioned by month (PostgreSQL declarative range partitioning)

case_event and audit_log grow with every contact and never shrink. Each becomes a partitioned table with one
partition per calendar month (UTC) of its time column, `<table>_YYYY_MM`, and a default partition for rows outside
the months made (crm.platform.partitions makes the next months ahead and drops months past the table's retention).

The existing rows are kept: the old table is renamed, the partitioned table made with the same columns (the same
sequence gives the ids), months made from the oldest row's month to three months ahead, the rows copied, then the
keys, indexes and foreign keys built once over the copied rows, and the old table dropped. A partitioned table's
primary key must hold its partition column: (id, at). No foreign key references either table. The copy holds an
exclusive lock on the table for its length: a database with millions of rows takes minutes (run it in a quiet hour).

Downgrade copies the rows back into plain tables with their former keys and indexes.

Revision ID: monthly_partitions
Revises: card_printing
Create Date: 2026-12-07 12:30:00
"""
from alembic import op

revision = "monthly_partitions"
down_revision = "card_printing"
branch_labels = None
depends_on = None

AHEAD = 3
COLUMNS = {
    "case_event": """id integer NOT NULL DEFAULT nextval('case_event_id_seq'::regclass), case_id integer NOT NULL,
        at timestamp with time zone NOT NULL, kind varchar(40) NOT NULL, staff_id integer, detail json NOT NULL""",
    "audit_log": """id integer NOT NULL DEFAULT nextval('audit_log_id_seq'::regclass),
        at timestamp with time zone NOT NULL, staff_id integer, action varchar(40) NOT NULL, patient_id integer,
        case_id integer, card_number varchar(12), via varchar(20), ip varchar(45), detail json NOT NULL,
        hospital_client_id integer""",
}
FOREIGN_KEYS = {
    "case_event": {"fk_case_event_case_id_case": ('case_id', '"case"'),
                   "fk_case_event_staff_id_staff_user": ("staff_id", "staff_user")},
    "audit_log": {"fk_audit_log_case_id_case": ("case_id", '"case"'),
                  "fk_audit_log_hospital_client_id_hospital_client": ("hospital_client_id", "hospital_client"),
                  "fk_audit_log_patient_id_patient": ("patient_id", "patient"),
                  "fk_audit_log_staff_id_staff_user": ("staff_id", "staff_user")},
}
INDEXES = {
    "case_event": {"ix_case_event_case_id": "(case_id)", "ix_case_event_kind_at": "(kind, at)"},
    "audit_log": {"ix_audit_log_at": "(at)", "ix_audit_log_hospital_client_id": "(hospital_client_id)",
                  "ix_audit_log_patient_at": "(patient_id, at)", "ix_audit_log_staff_at": "(staff_id, at)",
                  "ix_audit_log_case_at": "(case_id, at)",
                  "ix_audit_log_break_glass": "(at) WHERE action IN ('break_glass', 'break_glass_reviewed')"},
}
FORMER_INDEXES = {
    "case_event": {"ix_case_event_case_id": "(case_id)", "ix_case_event_kind_at": "(kind, at)"},
    "audit_log": {"ix_audit_log_at": "(at)", "ix_audit_log_hospital_client_id": "(hospital_client_id)",
                  "ix_audit_log_patient_id": "(patient_id)", "ix_audit_log_staff_id": "(staff_id)"},
}
MONTHS = """
DO $$
DECLARE
    month date := least(coalesce((SELECT date_trunc('month', min(at) AT TIME ZONE 'UTC') FROM {old}),
                                 date_trunc('month', now() AT TIME ZONE 'UTC')), date_trunc('month', now() AT TIME ZONE 'UTC'));
    last date := date_trunc('month', now() AT TIME ZONE 'UTC') + interval '{ahead} months';
BEGIN
    WHILE month <= last LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF {table} FOR VALUES FROM (%L) TO (%L)',
                       '{table}_' || to_char(month, 'YYYY_MM'), month::text || ' 00:00+00',
                       (month + interval '1 month')::date::text || ' 00:00+00');
        month := month + interval '1 month';
    END LOOP;
END $$"""


def _keys_and_indexes(table: str, key: str, indexes: dict[str, str]) -> None:
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({key})")
    for name, columns in indexes.items():
        op.execute(f"CREATE INDEX {name} ON {table} {columns}")
    for name, (column, target) in FOREIGN_KEYS[table].items():
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}) REFERENCES {target} (id)")


def upgrade():
    for table, columns in COLUMNS.items():
        old = f"{table}_unpartitioned"
        op.execute(f"ALTER TABLE {table} RENAME TO {old}")
        op.execute(f"ALTER TABLE {old} RENAME CONSTRAINT pk_{table} TO pk_{old}")
        for name in FORMER_INDEXES[table]:
            op.execute(f"DROP INDEX {name}")
        op.execute(f"CREATE TABLE {table} ({columns}) PARTITION BY RANGE (at)")
        op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id")
        op.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
        op.execute(MONTHS.format(table=table, old=old, ahead=AHEAD))
        op.execute(f"INSERT INTO {table} SELECT * FROM {old}")
        op.execute(f"DROP TABLE {old}")
        _keys_and_indexes(table, "id, at", INDEXES[table])
        op.execute(f"ANALYZE {table}")


def downgrade():
    for table, columns in COLUMNS.items():
        old = f"{table}_partitioned"
        op.execute(f"ALTER TABLE {table} RENAME TO {old}")
        op.execute(f"ALTER TABLE {old} RENAME CONSTRAINT pk_{table} TO pk_{old}")
        for name in INDEXES[table]:
            op.execute(f"DROP INDEX {name}")
        op.execute(f"CREATE TABLE {table} ({columns})")
        op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id")
        op.execute(f"INSERT INTO {table} SELECT * FROM {old}")
        op.execute(f"DROP TABLE {old}")  # and its partitions
        _keys_and_indexes(table, "id", FORMER_INDEXES[table])
