"""Time-based work as idempotent sweeps over the database.

Emergency alarms that nobody accepted, appointment reminders and SMS whose send job was lost are all
found again from the database, so they survive Redis restarts and worker crashes. Every web process
runs the sweep every few seconds; each step is a conditional UPDATE, so running it in many places at
once does each thing once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask, current_app
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from crm.models import Message
from crm.models.base import utcnow
from crm.platform import health, jobs, outbox, unit_of_work
from crm.platform.extensions import db

log = logging.getLogger(__name__)
# A reply still pending this long with no job for it in the job store lost its job (its enqueue failed
# while Redis was away, or the job store was emptied); one that still has a job is left to it.
STALE_SMS = timedelta(seconds=15)
# A send job claims its message within milliseconds of starting, and a retry is due at a known time: a job of a
# still-pending reply started this long ago lost its worker, one due this long ago lost rq's scheduler.
STALLED_JOB = timedelta(seconds=30)
SWEEPS = "sampark_sweeps"  # the sweeps, by name: areas add theirs in register(app), the telephony edge its reconciliations


def register(app: Flask, name: str, sweep: Callable[[datetime], int | dict[str, int]]) -> None:
    """Run `sweep(now)` in every pass of this app's sweeps; it returns how many things it did (or a count per
    kind of thing, which the pass reports under those names)."""
    app.extensions.setdefault(SWEEPS, {})[name] = sweep


def init_app(app: Flask) -> None:
    """The platform's own sweep: send jobs of SMS that were lost."""
    register(app, "sms_requeued", requeue_lost_sms)


def run_once(now: datetime | None = None) -> dict[str, int]:
    """One pass of every sweep; returns what each did (the caller commits: one unit of work)."""
    now = now or utcnow()
    done: dict[str, int] = {}
    for name, sweep in current_app.extensions.get(SWEEPS, {}).items():
        did = sweep(now)
        if isinstance(did, dict):
            done |= did
        else:
            done[name] = did
    return done


def requeue_lost_sms(now: datetime) -> int:
    """Queue again the send job of every reply still pending whose job is gone or stalled (its worker killed
    before it claimed the message, or its retry never moved by rq's scheduler); never one whose job may still
    run. A copy that runs anyway sends nothing twice (crm.platform.outbox.claim_for_sending)."""
    stale = select(Message.id).where(Message.direction == "outbound", Message.status == "pending",
                                     Message.created_at <= now - STALE_SMS).order_by(Message.id).limit(500)
    try:
        lost = [i for i in db.session.scalars(stale) if not jobs.is_waiting(outbox.job_id(i), now - STALLED_JOB)]
    except RedisError as exc:  # the job store is away: its enqueue would fail too; next pass
        log.warning("job store unreachable, lost SMS left for the next pass: %s", exc)
        return 0
    outbox.send_after_commit(lost)
    return len(lost)


def run_guarded(app: Flask) -> dict[str, int] | None:
    """One pass as its own unit of work; a failure (database or Redis away) is logged, never raised."""
    with app.app_context():
        try:
            try:
                done = run_once()
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                # The pooled connection had died (crm.platform.pool cannot see every death without a query): the pool is
                # renewed, nothing was committed, and every sweep is idempotent, so the pass runs once more at once.
                unit_of_work.rollback()
                done = run_once()
            unit_of_work.commit()
            health.mark_sweep_pass(app)
            return done
        except Exception:  # keep sweeping: one bad pass must not stop the alarms
            log.exception("sweep failed")
            try:
                unit_of_work.rollback()
            except SQLAlchemyError:  # the database is away: the next pass starts afresh
                log.warning("rollback after a failed sweep failed too")
            return None
        finally:
            db.session.remove()


def start_background(app: Flask, interval: float = 5.0) -> threading.Thread:
    """Run the sweeps every `interval` seconds in a daemon thread of this process."""

    def loop() -> None:
        stop = app.extensions.setdefault("sampark_sweeper_stop", threading.Event())
        while not stop.wait(interval):
            run_guarded(app)

    thread = threading.Thread(target=loop, name="sampark-sweeper", daemon=True)
    thread.start()
    return thread
