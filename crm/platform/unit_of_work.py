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

from crm.platform import direct_sql, turns
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
    written together; an audit row of a refusal): its request runs in autocommit, so it sends neither BEGIN
    nor COMMIT, two round trips of the four a card scan needed. A failure later in such a
    request cannot undo a statement already run, so only views whose writes are all of that kind carry it."""
    view.each_statement_commits = True
    return view


def begin_for(view: Callable | None) -> None:
    """Start the request's unit of work as its view needs (autocommit if each_statement_commits)."""
    if getattr(view, "each_statement_commits", False):
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


def in_progress() -> bool:
    """Whether this unit of work has begun a transaction (without starting a session to find out)."""
    return db.session.registry.has() and db.session().in_transaction()


def run(statement, params: dict, turn: tuple[str, str] | None = None):
    """A statement that is a whole step (built once, by the one runner): alone when it starts the unit of work
    (`run_alone`: one round trip, committed as it runs), else in the unit's open transaction (`run_in`: a fallback,
    a sweep, a test), after the same `turn`; what the session held is read again afterwards."""
    if not in_progress():
        return run_alone(statement, params, turn)
    if turn is not None:
        turns.wait_for(*turn)
    rows = run_in(statement, params)
    db.session.expire_all()
    return rows


def run_alone(statement, params: dict, turn: tuple[str, str] | None = None):
    """A unit of work that is one statement, committed by the database as it runs: one round trip.

    For the hottest webhooks (a data-modifying CTE writes every row at once, atomically), sent by the one
    runner (crm.platform.direct_sql.run). It must be the first statement of the session's transaction and the only write
    of the unit: events collected for it are still built before and sent after the session's commit (which then
    sends nothing). With `turn` (scope, key) it runs only once no other unit of work holds that turn
    (crm.platform.turns.wait_for).
    """
    if in_progress():
        raise RuntimeError("run_alone() must be the first statement of its unit of work")
    return direct_sql.run(statement, db.engine, params, turn)


def run_in(statement, params: dict):
    """A statement of this unit of work, built once, sent by the one runner (crm.platform.direct_sql.run_on) on the
    session's connection, in its transaction (in autocommit for an each_statement_commits view). What the session
    holds is flushed first, as the ORM's autoflush would; the rows come back with first() and all()."""
    session = db.session()
    session.flush()
    return direct_sql.run_on(session.connection(), statement, params)


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
            return response  # the request never opened a session: nothing to end
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
