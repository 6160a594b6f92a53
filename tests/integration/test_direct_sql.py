"""crm.platform.direct_sql, the one runner of prepared statements: on its own (committed as it runs) or on the unit of work's
connection (committed or rolled back with it), rows read by name and converted by their types."""

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


def test_comments_go_and_string_literals_stay_as_written(two_orders):
    statement = text("""SELECT 'a  b -- not a comment' AS v,   -- a comment
                        'it''s  here' AS w  -- another""")
    row = direct_sql.run(statement, two_orders[0], {}).first()
    assert (row.v, row.w) == ("a  b -- not a comment", "it's  here")


def test_on_the_units_connection_a_statement_is_committed_or_rolled_back_with_the_unit(two_orders):
    engine = two_orders[0]
    insert = text("INSERT INTO t (a, b) VALUES (:a, 'y') RETURNING a")
    for a, end in ((2, "rollback"), (3, "commit")):
        with engine.connect() as conn:
            conn.begin()  # as the session's connection() begins the unit's transaction
            assert direct_sql.run_on(conn, insert, {"a": a}).first().a == a
            getattr(conn, end)()
    with engine.connect() as conn:
        assert [a for (a,) in conn.execute(text("SELECT a FROM t ORDER BY a"))] == [1, 3]
