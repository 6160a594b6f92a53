"""A pooled PostgreSQL connection checked for life on checkout without a round trip.

`pool_pre_ping` sends a query on every checkout: one round trip per request, paid on every webhook. An
idle PostgreSQL connection has nothing to say to us, so a socket with something to read (the FATAL a
terminated backend sends, or the end of the stream) is a dead connection: the checkout discards it and
takes another, as a failed ping would. A connection that dies while in use (or a network cut that leaves
no trace on the socket) fails its first statement; SQLAlchemy then invalidates the whole pool, and the
webhooks retry once on a fresh connection (telephony.signature).
"""

from __future__ import annotations

import select

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError


def is_dead(dbapi_connection) -> bool:
    """Whether this idle psycopg connection was ended by the server (or is closed or broken)."""
    if getattr(dbapi_connection, "closed", False) or getattr(dbapi_connection, "broken", False):
        return True
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError, AttributeError):
        return True
    return bool(readable)


def watch(engine: Engine) -> None:
    """Check `engine`'s PostgreSQL connections on checkout (a syscall, not a query)."""
    if engine.dialect.name != "postgresql" or event.contains(engine.pool, "checkout", _checkout):
        return
    event.listen(engine.pool, "checkout", _checkout)


def _checkout(dbapi_connection, connection_record, connection_proxy) -> None:
    if is_dead(dbapi_connection):
        raise DisconnectionError("the server ended this pooled connection")  # the pool reconnects
