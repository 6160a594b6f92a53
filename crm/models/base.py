"""Column helpers shared by the models."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DDL, DateTime, Table, event
from sqlalchemy.types import TypeDecorator

DELHI = ZoneInfo("Asia/Kolkata")


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware, as every timestamp is stored."""
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with offset; a naive moment is taken as UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


def local(moment: datetime) -> datetime:
    """The Delhi wall-clock time of a stored (UTC) timestamp."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(DELHI)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    A naive value is taken as UTC, and PostgreSQL's answer (in the session's time zone) is turned to UTC,
    so the application only ever sees UTC. Every timestamp column uses this type.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def monthly_partitions(table: Table) -> None:
    """A schema made from the models (db.create_all) gives `table` its default partition, as the migration does:
    its rows have somewhere to go before the sweep makes the months (crm.platform.partitions)."""
    event.listen(table, "after_create", DDL(f"CREATE TABLE {table.name}_default PARTITION OF {table.name} DEFAULT"))
