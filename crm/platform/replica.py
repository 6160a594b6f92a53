"""Reads that need not be on the primary (reports, the access log, exports, FHIR searches) sent to a read replica.

DATABASE_REPLICA_URL names a PostgreSQL streaming replica (a hot standby, read-only); unset, the primary serves
these reads as before. Inside `reads()` the session sends each plain SELECT to the replica and everything else to
the primary: INSERT, UPDATE and DELETE, the ORM's flush, SELECT ... FOR UPDATE and raw text() statements, so a
read path's own audit row is still written where it must be. What such a read shows may be a moment behind the
primary (the replica's replay lag), which is why only these paths use it, never a page that shows what its own
request has just written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask_sqlalchemy.session import Session
from sqlalchemy import Select, literal, select

BIND = "replica"  # the SQLALCHEMY_BINDS key DATABASE_REPLICA_URL sets (crm/config.py)
_READING: ContextVar[bool] = ContextVar("sampark_replica_reads", default=False)


@contextmanager
def reads() -> Iterator[None]:
    """Send this block's SELECTs to the replica, when one is named (usable as a decorator too)."""
    token = _READING.set(True)
    try:
        yield
    finally:
        _READING.reset(token)


def holds_no_tables(db) -> None:
    """Forget the metadata Flask-SQLAlchemy makes for the replica's bind: no table belongs to it, so create_all and
    drop_all never reach a read-only standby (nor, in a process that built an app with a replica before, fail for an
    app without one: the metadata lives on the one `db` object)."""
    db.metadatas.pop(BIND, None)


def connection():
    """The session's connection for a read: the replica's inside `reads()` (when named), else the primary's."""
    from crm.platform.extensions import db

    return db.session.connection(bind_arguments={"clause": select(literal(1))})


class RoutingSession(Session):
    """Flask-SQLAlchemy's session, with SELECTs inside `reads()` bound to the replica's engine."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        """The replica for a plain SELECT inside `reads()`; otherwise Flask-SQLAlchemy's choice (the primary)."""
        if (bind is None and _READING.get() and isinstance(clause, Select) and clause._for_update_arg is None
                and BIND in self._db.engines):
            return self._db.engines[BIND]
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
