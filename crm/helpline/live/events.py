"""Live events for dashboards: ids, status, priority and masked numbers only.

The database is the truth; an event only says "look again". Events are collected during a unit of
work, built from the objects just before the commit (no re-read) and sent after it, so a rolled-back
change is never announced. A dashboard that missed one re-reads the queue over HTTP when it reconnects.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from crm.models import Case
from crm.models.base import iso
from crm.platform import publisher, unit_of_work
from crm.platform.extensions import db, socketio
from crm.platform.phones import masked

log = logging.getLogger(__name__)
PENDING = "sampark_live_pending"


def case_summary(case: Case) -> dict:
    """What an event may carry about a case: never a full phone or card number, never a name."""
    return {
        "id": case.id,
        "reference": case.reference,
        "status": case.status,
        "priority": case.priority,
        "channel": case.channel,
        "language": case.language,
        "queue": case.queue,
        "specialty": case.specialty,
        "caller": masked(case.caller_phone),
        "patient_matched": case.patient_id is not None,
        "queued_at": iso(case.queued_at),
        "callback_requested": case.callback_requested_at is not None,
        "assigned_to": case.assigned_to_id,
        "doctor": case.doctor_id,
        "alarm_level": case.alarm_level,
    }


def rooms_for(case: Case) -> list[str]:
    """Who should hear about this case."""
    rooms = ["supervisors"]
    if case.queue == "emergency" or case.priority == "P1":
        rooms += ["emergency", "tier2"]
    elif case.queue and case.queue.startswith("tier2"):
        rooms += ["tier2", case.queue]
    else:
        rooms.append("tier1")
    if case.assigned_to_id:
        rooms.append(f"staff:{case.assigned_to_id}")
    if case.doctor_id:
        rooms.append(f"staff:{case.doctor_id}")
    return rooms


def case_changed(case: Case, kind: str = "case.updated") -> None:
    """Tell the dashboards concerned that `case` changed, once this unit of work commits."""
    publish(kind, lambda: case_summary(case), lambda: rooms_for(case), key=(kind, id(case)))


def publish(kind: str, payload: Callable[[], dict], rooms: Callable[[], list[str]], key=None) -> None:
    """Send event `kind` after the commit; payload and rooms are built just before it."""
    session = db.session()
    pending = session.info.get(PENDING)
    if pending is None:
        pending = session.info[PENDING] = {}
        unit_of_work.before_commit(session, lambda: _build(session))
    pending[key or (kind, len(pending))] = (kind, payload, rooms)


def _build(session) -> None:
    ready = [(kind, payload(), rooms()) for kind, payload, rooms in session.info.pop(PENDING, {}).values()]
    unit_of_work.after_commit(session, lambda: _send(ready))


def _send(ready: list[tuple[str, dict, list[str]]]) -> None:
    if not publisher.hand_over(ready):
        emit_all(ready)


def emit_all(ready: list[tuple[str, dict, list[str]]]) -> None:
    """Emit built events now (the publisher thread's work, or the caller's in a process without one)."""
    for kind, payload, rooms in ready:
        try:
            socketio.emit(kind, payload, to=rooms)
        except Exception:  # an unreachable message queue must never fail a webhook or a claim
            log.exception("could not publish %s", kind)
