"""Tables that grow with every contact, kept as one PostgreSQL partition per month (README "Monthly partitions").

case_event and audit_log are range-partitioned on their time column: `<table>_YYYY_MM` holds one calendar month
(UTC), and `<table>_default` whatever falls outside the months made so far (a row dated years back, or ahead of
a sweep that never ran): an insert never fails for want of a month. The sweep makes the next MONTHS_AHEAD months
before they are needed (moving any rows of such a month out of the default partition), and drops a whole month once
all of it is past the table's retention period (a setting, checked at start): dropping a month frees its disk at
once, where a DELETE of millions of rows would leave them for vacuum. A table with no period keeps every month.

The work is a catalogue read per table; the DDL takes its locks with a short lock_timeout, so a long query holding
the table makes the sweep try again later rather than queue every insert behind it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from crm.config import ConfigError
from crm.platform import sweeps
from crm.platform.extensions import db

log = logging.getLogger(__name__)
MONTHS_AHEAD = 3  # made ahead: a quarter of sweeps that never ran before an insert would go to the default partition
EVERY = timedelta(minutes=10)  # between two passes of this sweep in one process (each is a catalogue read)
LOCK_TIMEOUT = "2s"
TABLES_KEY = "sampark_partitioned_tables"
DUE_KEY = "sampark_partitions_due"


@dataclass(frozen=True)
class Monthly:
    """A table partitioned by month on `column`; months past its period (RETENTION_<NAME>_DAYS) are dropped."""

    table: str
    column: str
    name: str  # the setting's name part: RETENTION_<NAME>_DAYS
    # The period when the setting gives none, and the shortest it may give, from the settings in force (the
    # periods of the records the rows serve); a default of None keeps every month.
    default: Callable[[dict], int | None]
    least: Callable[[dict], int]
    # SQL true when a month may be dropped (its partition is {month}); None: once past the period.
    droppable: str | None = None

    @property
    def setting(self) -> str:
        """The setting that gives the period."""
        return f"RETENTION_{self.name.upper()}_DAYS"


def init_app(app: Flask) -> None:
    """Run the partitions' upkeep in the sweeps (at most every EVERY in each process)."""
    sweeps.register(app, "partitions", sweep)


def register(app: Flask, monthly: Monthly) -> None:
    """Keep `monthly`'s months in this app's sweeps; a period below what it allows stops the start, naming it."""
    days_in_force(app.config, monthly)
    app.extensions.setdefault(TABLES_KEY, {})[monthly.table] = monthly


def tables(app: Flask) -> list[Monthly]:
    """The partitioned tables this app keeps, in the order registered."""
    return list(app.extensions.get(TABLES_KEY, {}).values())


def days_in_force(config, monthly: Monthly) -> int | None:
    """The period of `monthly` in force (None: every month kept); ConfigError when unsafe."""
    value = config.get(monthly.setting)
    if value in (None, ""):
        return monthly.default(config)
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{monthly.setting} must be a whole number of days, not {value!r}") from None
    least = monthly.least(config)
    if days < least:
        raise ConfigError(f"{monthly.setting} must be at least {least} days: `{monthly.table}` rows serve longer periods "
                          "(README, 'Personal data: what is kept')")
    return days


def month_of(moment: datetime | date) -> date:
    """The first day of `moment`'s month (UTC)."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return date(moment.year, moment.month, 1)


def next_month(month: date) -> date:
    """The first day of the month after `month`."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    """The partition holding `month` of `table`."""
    return f"{table}_{month.year:04d}_{month.month:02d}"


def months(table: str) -> dict[date, str]:
    """The monthly partitions `table` has now, by their first day."""
    pattern = re.compile(rf"{re.escape(table)}_(\d{{4}})_(\d{{2}})")
    rows = db.session.execute(text("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                   "WHERE i.inhparent = CAST(:table AS regclass)"), {"table": table}).scalars()
    found = {}
    for name in rows:
        match = pattern.fullmatch(name)
        if match:
            found[date(int(match[1]), int(match[2]), 1)] = name
    return found


def sweep(now: datetime) -> dict[str, int]:
    """The sweep's pass: the upkeep of every table, at most once per EVERY in this process."""
    due = current_app.extensions.get(DUE_KEY)
    if due is not None and now < due:
        return {f"partitions_{verb}_{m.table}": 0 for m in tables(current_app) for verb in ("made", "dropped")}
    current_app.extensions[DUE_KEY] = now + EVERY
    return maintain(now)


def maintain(now: datetime) -> dict[str, int]:
    """Make the months ahead and drop the months past their period, for every table; counts per table."""
    done: dict[str, int] = {}
    for monthly in tables(current_app):
        made = dropped = 0
        try:
            with db.session.begin_nested():  # one table's failure (a lock not granted) leaves the others done
                previous = db.session.execute(text("SELECT set_config('lock_timeout', :t, true)"),
                                              {"t": LOCK_TIMEOUT}).scalar()
                made = make_ahead(monthly, now)
                days = days_in_force(current_app.config, monthly)
                if days is not None:
                    dropped = drop_past(monthly, now - timedelta(days=days))
                db.session.execute(text("SELECT set_config('lock_timeout', :t, true)"), {"t": previous})
        except SQLAlchemyError:
            log.exception("partition upkeep of %s failed; it is tried again in a later pass", monthly.table)
        done[f"partitions_made_{monthly.table}"] = made
        done[f"partitions_dropped_{monthly.table}"] = dropped
    return done


def make_ahead(monthly: Monthly, now: datetime, ahead: int = MONTHS_AHEAD) -> int:
    """Make the partitions of this month and the `ahead` next ones that are missing; returns how many were made."""
    have = months(monthly.table)
    month, made = month_of(now), 0
    for _ in range(ahead + 1):
        if month not in have:
            make_month(monthly, month)
            made += 1
        month = next_month(month)
    return made


def make_month(monthly: Monthly, month: date) -> None:
    """Make `month`'s partition, taking over its rows from the default partition (so attaching it can succeed)."""
    table, name, end = monthly.table, partition_name(monthly.table, month), next_month(month)
    bounds = {"start": month.isoformat(), "end": end.isoformat()}
    db.session.execute(text(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    db.session.execute(text(
        f"WITH moved AS (DELETE FROM {table}_default WHERE {monthly.column} >= CAST(:start AS timestamptz) "
        f"AND {monthly.column} < CAST(:end AS timestamptz) RETURNING *) INSERT INTO {name} SELECT * FROM moved"), bounds)
    # Attaching takes a weaker lock on the table than CREATE TABLE ... PARTITION OF: inserts go on meanwhile.
    db.session.execute(text(f"ALTER TABLE {table} ATTACH PARTITION {name} "
                            f"FOR VALUES FROM ('{bounds['start']}+00') TO ('{bounds['end']}+00')"))


def drop_past(monthly: Monthly, cutoff: datetime) -> int:
    """Drop every month of `monthly` that ended before `cutoff` (and that its `droppable` allows); returns how many."""
    dropped = 0
    for month, name in sorted(months(monthly.table).items()):
        if datetime(next_month(month).year, next_month(month).month, 1, tzinfo=UTC) > cutoff:
            break
        if monthly.droppable and not db.session.execute(text(monthly.droppable.format(month=name))).scalar():
            log.info("%s is past its period but still holds rows another rule keeps; left for now", name)
            continue
        db.session.execute(text(f"ALTER TABLE {monthly.table} DETACH PARTITION {name}"))
        db.session.execute(text(f"DROP TABLE {name}"))
        dropped += 1
    return dropped
