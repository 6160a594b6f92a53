"""Pooled PostgreSQL connections: one the server ended is never handed out, a live one costs no ping."""

import psycopg
import pytest
from sqlalchemy import text

from crm.platform import pool
from crm.platform.extensions import db
from tests.conftest import PG_URL

pytestmark = pytest.mark.pg


def _backend_pid() -> int:
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    db.session.commit()
    return pid


def _end(pid: int) -> None:
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))


def _traced_checkout(tmp_path) -> str:
    """What the next unit of work sends to the server (libpq's own protocol trace, our side only)."""
    dbapi_connection = db.session.connection().connection.dbapi_connection
    db.session.commit()
    db.session.remove()  # back to the pool, as at the end of a request
    trace = tmp_path / "trace.txt"
    with trace.open("w") as out:
        dbapi_connection.pgconn.trace(out.fileno())
        _backend_pid()
        db.session.remove()
        dbapi_connection.pgconn.untrace()
    return "\n".join(line for line in trace.read_text().splitlines() if "\tF\t" in line)


def test_a_connection_the_server_ended_is_replaced_before_anyone_uses_it(pg_app):
    first = _backend_pid()
    db.session.remove()
    _end(first)
    second = _backend_pid()  # no error: the pool saw the closed socket and connected afresh
    assert second != first


def test_a_live_connection_is_handed_out_without_a_ping(pg_app, tmp_path):
    sent = _traced_checkout(tmp_path)
    assert "pg_backend_pid" in sent
    assert "SELECT 1" not in sent and '";"' not in sent


def test_a_connection_idle_for_long_is_pinged_first(pg_app, tmp_path, monkeypatch):
    monkeypatch.setattr(pool, "IDLE_PING_SECONDS", 0.0)
    sent = _traced_checkout(tmp_path)
    assert sent.index("SELECT 1") < sent.index("pg_backend_pid")
