"""One unit of work per request, job or sweep: services flush, the boundary commits once.

After the commit, and only then, what the unit collected leaves the process: live events for the
dashboards (crm.helpline.live.events) and the send jobs of queued SMS (crm.platform.outbox). A rollback discards them,
so a refused or failed request neither texts a citizen nor tells a dashboard. Audit rows that must
outlive a refusal (a failed lookup is still a lookup) are written again after the rollback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response
from sqlalchemy import event
from sqlalchemy.orm import Session

from crm.platform import direct_sql
from crm.platform.extensions import db

log = logging.getLogger(__name__)
BEFORE = "sampark_before_commit"  # callables run while the session can still read (build payloads)
AFTER = "sampark_after_commit"  # callables run once the data is committed (publish, enqueue)
KEEP = "sampark_keep_on_rollback"  # rows (as factories) that a rollback must not lose


def before_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` just before this session commits (it may still read the database)."""
    session.info.setdefault(BEFORE, []).append(action)


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` once this session has committed; dropped if it rolls back."""
    session.info.setdefault(AFTER, []).append(action)


def keep_on_rollback(session: Session, make_row: Callable[[], object]) -> None:
    """Write the row `make_row()` builds even if this unit of work is rolled back."""
    if session.in_transaction() and getattr(session.connection().connection.dbapi_connection, "autocommit", False):
        return  # a unit of work in autocommit (see each_statement_commits): the row's own statement committed it
    session.info.setdefault(KEEP, []).append(make_row)


def each_statement_commits(view: Callable) -> Callable:
    """Mark a view whose every write is one statement that stands on its own (a card read and its audit row,
    written together; an audit row of a refusal): on PostgreSQL its request runs in autocommit, so it sends
    neither BEGIN nor COMMIT, two round trips of the four a card scan needed. A failure later in such a
    request cannot undo a statement already run, so only views whose writes are all of that kind carry it."""
    view.each_statement_commits = True
    return view


def begin_for(view: Callable | None) -> None:
    """Start the request's unit of work as its view needs (autocommit on PostgreSQL if each_statement_commits)."""
    if getattr(view, "each_statement_commits", False) and db.engine.dialect.name == "postgresql":
        session = db.session()
        if not session.in_transaction():
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def commit() -> None:
    """End the unit of work: commit, then publish what it collected."""
    session = db.session()
    if session.in_transaction():
        session.commit()
        return
    # Nothing went through the session (a statement that ran alone, or no database work): there is no
    # transaction to end, so what the unit collected is built and sent here, as the commit's events would.
    _run_before(session)
    if session.in_transaction():  # building it read the database
        session.commit()
    else:
        _run_after(session)


def run_alone(statement, params: dict, turn: tuple[str, str] | None = None):
    """A unit of work that is one statement, committed by the database as it runs: one round trip.

    For the hottest webhooks on PostgreSQL (a data-modifying CTE writes every row at once, atomically).
    It must be the first statement of the session's transaction and the only write of the unit: events
    collected for it are still built before and sent after the session's commit (which then sends nothing).
    With `turn` (scope, key) it runs only once no other unit of work holds that turn (crm.platform.turns.wait_for).
    """
    session = db.session()
    if session.in_transaction():
        raise RuntimeError("run_alone() must be the first statement of its unit of work")
    engine = db.engine
    if engine.dialect.name == "postgresql":
        return direct_sql.run(statement, engine, params, turn)  # compiled once, sent by psycopg (crm.platform.direct_sql)
    connection = session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return connection.execute(statement, params)


def rollback() -> None:
    """Abandon the unit of work; rows marked to survive a rollback are committed on their own."""
    kept = db.session.info.pop(KEEP, [])
    db.session.rollback()
    if kept:
        for make_row in kept:
            db.session.add(make_row())
        db.session.commit()


def init_app(app: Flask) -> None:
    """Make every request a unit of work: commit on success, roll back on a refusal or an error."""

    @app.after_request
    def _end_of_request(response: Response) -> Response:
        if not db.session.registry.has():
            return response  # the request never opened a session (crm.residents.lookup_sql's statement runs alone): nothing to end
        if response.status_code < 400:
            commit()
        else:
            rollback()
        return response

    @app.teardown_request
    def _after_error(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.info.pop(KEEP, None)
            db.session.rollback()


@event.listens_for(Session, "before_commit")
def _run_before(session: Session) -> None:
    actions = session.info.pop(BEFORE, [])
    if actions:
        session.flush()
    for action in actions:
        action()


@event.listens_for(Session, "after_commit")
def _run_after(session: Session) -> None:
    session.info.pop(KEEP, None)
    for action in session.info.pop(AFTER, []):
        try:
            action()
        except Exception:  # the data is safe; a lost notification is found again by the sweeps
            log.exception("after-commit action failed")


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.nested:
        return
    for key in [k for k in session.info if str(k).startswith("sampark_") and k != KEEP]:
        del session.info[key]  # what the abandoned unit collected (events, SMS to send) never leaves
