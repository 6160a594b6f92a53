"""The texts partitioned by month; an inbound text's provider id kept unique by a claim table

`message` grows with every contact and never shrinks. It becomes a partitioned table with one partition per calendar
month (UTC) of `created_at`, `message_YYYY_MM`, and a default partition, as 0028 did for case_event and audit_log
(crm.platform.partitions makes the months ahead and drops months past RETENTION_MESSAGES_DAYS, when it is set).

A partitioned table's unique keys must hold its partition key, so `uq_message_sid` cannot stay: a provider's retry
after midnight on the 1st would fall in the next month's partition. Its rule moves to `message_claim` (sid primary
key, not partitioned), which the storing statement claims before it keeps an inbound text (crm/cases/texts.py: the
design). The claims of the inbound texts of the last CLAIM_DAYS are made from the rows copied, so a retry of a text
stored just before the migration is still known. `sid` keeps a plain index (ix_message_sid) for delivery reports.
The primary key is (id, created_at); ids still come from the same sequence.

`message_secret.message_id` loses its foreign key: PostgreSQL 15 can reference a partitioned table only through a
unique key holding the month. A secret lives from the queueing of its text to its send (deleted then, or by its own
retention rule a day after it expires), and no message row is deleted on its own, so nothing could dangle.

The copy holds an exclusive lock on `message` for its length (minutes for millions of rows: a quiet hour).
Downgrade copies the rows back into a plain table with its former keys (a provider id stored twice, which only a
copy later than the claims' week could do, makes it fail on uq_message_sid) and drops the claims.

Revision ID: message_partitions
Revises: kpi_aggregates
Create Date: 2026-12-07 15:10:00
"""
from alembic import op

revision = "message_partitions"
down_revision = "kpi_aggregates"
branch_labels = None
depends_on = None

AHEAD = 3
CLAIM_DAYS = 7  # crm.cases.texts.CLAIM_DAYS when this was written
COLUMNS = """id integer NOT NULL DEFAULT nextval('message_id_seq'::regclass), sid varchar(40), case_id integer,
    staff_id integer, direction varchar(10) NOT NULL, kind varchar(30) NOT NULL, from_number varchar(128) NOT NULL,
    to_number varchar(128) NOT NULL, body text NOT NULL, language varchar(10), segments integer NOT NULL,
    status varchar(30) NOT NULL, error_code varchar(10), error_message varchar(300),
    created_at timestamp with time zone NOT NULL, sent_at timestamp with time zone,
    updated_at timestamp with time zone NOT NULL, sending_since timestamp with time zone,
    channel varchar(10) DEFAULT 'sms'::character varying NOT NULL, content_sid varchar(40), content_variables json,
    redacted_at timestamp with time zone"""
FOREIGN_KEYS = {"fk_message_case_id_case": ("case_id", '"case"'),
                "fk_message_staff_id_staff_user": ("staff_id", "staff_user")}
INDEXES = {"ix_message_case_id": "(case_id)", "ix_message_created_at": "(created_at)",
           "ix_message_status_sending_since": "(status, sending_since)",
           "ix_message_to_redact": "(created_at) WHERE redacted_at IS NULL", "ix_message_sid": "(sid)"}
FORMER_INDEXES = {name: columns for name, columns in INDEXES.items() if name != "ix_message_sid"}
MONTHS = """
DO $$
DECLARE
    month date := least(coalesce((SELECT date_trunc('month', min(created_at) AT TIME ZONE 'UTC') FROM {old}),
                                 date_trunc('month', now() AT TIME ZONE 'UTC')), date_trunc('month', now() AT TIME ZONE 'UTC'));
    last date := date_trunc('month', now() AT TIME ZONE 'UTC') + interval '{ahead} months';
BEGIN
    WHILE month <= last LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF message FOR VALUES FROM (%L) TO (%L)',
                       'message_' || to_char(month, 'YYYY_MM'), month::text || ' 00:00+00',
                       (month + interval '1 month')::date::text || ' 00:00+00');
        month := month + interval '1 month';
    END LOOP;
END $$"""


def _keys_and_indexes(key: str, indexes: dict[str, str]) -> None:
    op.execute(f"ALTER TABLE message ADD CONSTRAINT pk_message PRIMARY KEY ({key})")
    for name, columns in indexes.items():
        op.execute(f"CREATE INDEX {name} ON message {columns}")
    for name, (column, target) in FOREIGN_KEYS.items():
        op.execute(f"ALTER TABLE message ADD CONSTRAINT {name} FOREIGN KEY ({column}) REFERENCES {target} (id)")


def upgrade():
    op.execute("ALTER TABLE message_secret DROP CONSTRAINT fk_message_secret_message_id_message")
    op.execute("ALTER TABLE message RENAME TO message_unpartitioned")
    op.execute("ALTER TABLE message_unpartitioned RENAME CONSTRAINT pk_message TO pk_message_unpartitioned")
    op.execute("ALTER TABLE message_unpartitioned RENAME CONSTRAINT uq_message_sid TO uq_message_unpartitioned_sid")
    for name in FORMER_INDEXES:
        op.execute(f"DROP INDEX {name}")
    op.execute(f"CREATE TABLE message ({COLUMNS}) PARTITION BY RANGE (created_at)")
    op.execute("ALTER SEQUENCE message_id_seq OWNED BY message.id")
    op.execute("CREATE TABLE message_default PARTITION OF message DEFAULT")
    op.execute(MONTHS.format(old="message_unpartitioned", ahead=AHEAD))
    op.execute("INSERT INTO message SELECT * FROM message_unpartitioned")
    op.execute("DROP TABLE message_unpartitioned")
    _keys_and_indexes("id, created_at", INDEXES)
    op.execute("ANALYZE message")
    op.execute("""CREATE TABLE message_claim (sid varchar(40) NOT NULL, at timestamp with time zone NOT NULL,
                                              CONSTRAINT pk_message_claim PRIMARY KEY (sid))""")
    op.execute("CREATE INDEX ix_message_claim_at ON message_claim (at)")
    op.execute(f"""INSERT INTO message_claim (sid, at)
                   SELECT sid, min(created_at) FROM message
                   WHERE direction = 'inbound' AND sid IS NOT NULL AND created_at > now() - interval '{CLAIM_DAYS} days'
                   GROUP BY sid""")


def downgrade():
    op.execute("DROP TABLE message_claim")
    op.execute("ALTER TABLE message RENAME TO message_partitioned")
    op.execute("ALTER TABLE message_partitioned RENAME CONSTRAINT pk_message TO pk_message_partitioned")
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
    op.execute(f"CREATE TABLE message ({COLUMNS})")
    op.execute("ALTER SEQUENCE message_id_seq OWNED BY message.id")
    op.execute("INSERT INTO message SELECT * FROM message_partitioned")
    op.execute("DROP TABLE message_partitioned")  # and its partitions
    _keys_and_indexes("id", FORMER_INDEXES)
    op.execute("ALTER TABLE message ADD CONSTRAINT uq_message_sid UNIQUE (sid)")
    op.execute("""ALTER TABLE message_secret ADD CONSTRAINT fk_message_secret_message_id_message
                  FOREIGN KEY (message_id) REFERENCES message (id) ON DELETE CASCADE""")
