"""Handing out pooled PostgreSQL connections that work, without a round trip to ask each time.

SQLAlchemy's `pool_pre_ping` sends a statement on every checkout: one more round trip on every webhook,
claim and lookup. A connection that the server closed (a failover, `pg_terminate_backend`, a restart)
has already been told so: the server sends its termination notice and closes the socket, which is then
readable while the connection sits idle in the pool. So a checkout looks at the socket (no round trip)
and throws away a connection with anything unread on it; a connection idle for longer than
IDLE_PING_SECONDS (where a firewall may have dropped it silently) is still pinged. A connection that
dies in the very instant between the check and the first statement costs that one request, as it
would with the pre-ping; the pool then replaces every connection older than the failure.
"""

from __future__ import annotations

import logging
import select
import time

import psycopg
from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)
IDLE_PING_SECONDS = 30.0
LAST_USED = "sampark_last_used"


def init_app(app: Flask, engine: Engine) -> None:
    """Check PostgreSQL connections on checkout by their socket (other databases keep pool_pre_ping)."""
    if engine.dialect.name != "postgresql" or app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
        return
    event.listen(engine, "connect", _mark_used)
    event.listen(engine, "checkin", _mark_used)
    event.listen(engine, "checkout", _check_alive)


def _mark_used(dbapi_connection, connection_record, *_args) -> None:
    if connection_record is not None:
        connection_record.info[LAST_USED] = time.monotonic()


def _check_alive(dbapi_connection, connection_record, connection_proxy) -> None:
    """Raise DisconnectionError (the pool then connects afresh) for a connection that is gone."""
    if is_dead(dbapi_connection):
        log.info("pooled database connection was closed by the server; reconnecting")
        raise exc.DisconnectionError("the server closed this connection")
    if time.monotonic() - connection_record.info.get(LAST_USED, 0.0) > IDLE_PING_SECONDS:
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.rollback()
        except Exception as error:  # any failure of the ping means: do not use this connection
            raise exc.DisconnectionError("ping failed") from error


def is_dead(dbapi_connection) -> bool:
    """Whether this idle connection was closed, or ended by the server (seen on its socket, no round trip)."""
    return bool(dbapi_connection.closed) or _has_unread_data(dbapi_connection)


def _has_unread_data(dbapi_connection) -> bool:
    """Whether the server sent anything to an idle connection (its goodbye, or the socket's end)."""
    try:
        readable, _, _ = select.select([dbapi_connection.pgconn.socket], [], [], 0)
    except (OSError, ValueError, psycopg.Error):  # no socket any more
        return True
    return bool(readable)
