"""crm.platform.direct_sql: a statement compiled once and sent by psycopg answers as SQLAlchemy would."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import psycopg
import pytest
from sqlalchemy import bindparam, create_engine, exc, select, text

from crm.models.base import UTCDateTime
from crm.platform import direct_sql

pytestmark = pytest.mark.pg


@pytest.fixture
def two_orders(pg_database):
    """Engines on two schemas holding table t with the same columns in opposite physical orders."""
    one, two = (f"direct_{uuid.uuid4().hex[:8]}" for _ in range(2))
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {one}; CREATE TABLE {one}.t (a int, b text, at timestamptz)")
        conn.execute(f"CREATE SCHEMA {two}; CREATE TABLE {two}.t (at timestamptz, b text, a int)")
        for schema in (one, two):
            conn.execute(f"INSERT INTO {schema}.t (a, b, at) VALUES (1, 'x', '2026-11-30 10:00+05:30')")
    url = pg_database.replace("postgresql://", "postgresql+psycopg://", 1)
    engines = [create_engine(url, connect_args={"options": f"-c search_path={schema}"}) for schema in (one, two)]
    yield engines
    for engine in engines:
        engine.dispose()
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {one} CASCADE; DROP SCHEMA {two} CASCADE")


def test_rows_are_read_by_column_name_whatever_the_tables_order(two_orders):
    statement = text("SELECT * FROM t WHERE a = :a").columns(at=UTCDateTime())
    for engine in two_orders * 2:
        row = direct_sql.run(statement, engine, {"a": 1}).first()
        assert (row.a, row.b) == (1, "x")
        assert row.at == datetime(2026, 11, 30, 4, 30, tzinfo=UTC) and row.at.tzinfo is UTC  # UTCDateTime's reading
        with engine.connect() as conn:  # what SQLAlchemy gives for the same statement
            assert tuple(row) == tuple(conn.execute(statement, {"a": 1}).first())


def test_bound_values_are_converted_and_nothing_is_left_open(two_orders):
    engine = two_orders[0]
    ist = timezone(timedelta(hours=5, minutes=30))
    statement = select(text("a")).select_from(text("t")).where(
        text("at = :at").bindparams(bindparam("at", type_=UTCDateTime())))
    assert direct_sql.run(statement, engine, {"at": datetime(2026, 11, 30, 10, 0, tzinfo=ist)}).all() == [(1,)]
    assert direct_sql.run(statement, engine, {"at": datetime(2026, 11, 30, 10, 0, tzinfo=UTC)}).first() is None
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw.autocommit is False and raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_a_failing_statement_raises_sqlalchemys_error_and_the_connection_stays_usable(two_orders):
    engine = two_orders[0]
    with pytest.raises(exc.ProgrammingError):
        direct_sql.run(text("SELECT nope FROM t"), engine, {})
    assert direct_sql.run(text("SELECT b FROM t"), engine, {}).first().b == "x"
