"""Time-based work as idempotent sweeps over the database.

Emergency alarms that nobody accepted, appointment reminders and SMS whose send job was lost are all
found again from the database, so they survive Redis restarts and worker crashes. Every web process
runs the sweep every few seconds; each step is a conditional UPDATE, so running it in many places at
once does each thing once.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select

from crm import appointments, outbox, unit_of_work
from crm.extensions import db
from crm.models import Message
from crm.models.base import utcnow

log = logging.getLogger(__name__)
STALE_SMS = timedelta(seconds=60)


def run_once(now: datetime | None = None) -> dict[str, int]:
    """One pass of every sweep; returns what each did (the caller commits: one unit of work)."""
    from crm.cases import alarms, assessment

    now = now or utcnow()
    done = alarms.sweep(now)
    # Wrap-ups that ran out, cases to close, call-backs now due: also when no dashboard is open.
    done |= {k: len(v) for k, v in assessment.settle(now).items()}
    done["reminders"] = appointments.send_reminders(now)
    done["sms_requeued"] = requeue_stale_sms(now)
    return done


def requeue_stale_sms(now: datetime) -> int:
    """Messages still pending a minute after they were written lost their job: queue it again."""
    stale = select(Message.id).where(Message.direction == "outbound", Message.status == "pending",
                                     Message.created_at <= now - STALE_SMS).limit(500)
    ids = list(db.session.scalars(stale))
    outbox.send_after_commit(ids)
    return len(ids)


def start_background(app: Flask, interval: float = 5.0) -> threading.Thread:
    """Run the sweeps every `interval` seconds in a daemon thread of this process."""

    def loop() -> None:
        stop = app.extensions.setdefault("sampark_sweeper_stop", threading.Event())
        while not stop.wait(interval):
            with app.app_context():
                try:
                    run_once()
                    unit_of_work.commit()
                except Exception:  # keep sweeping: one bad pass must not stop the alarms
                    log.exception("sweep failed")
                    unit_of_work.rollback()
                finally:
                    db.session.remove()

    thread = threading.Thread(target=loop, name="sampark-sweeper", daemon=True)
    thread.start()
    return thread
