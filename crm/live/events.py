"""Live events for dashboards: ids, status, priority and masked numbers only.

The database is the truth; an event only says "look again". A dashboard that missed one re-reads
the queue over HTTP when it reconnects.
"""

from __future__ import annotations

import logging

from crm.extensions import socketio
from crm.models import Case
from crm.models.base import iso
from crm.phones import masked

log = logging.getLogger(__name__)


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
    return rooms


def case_changed(case: Case, kind: str = "case.updated") -> None:
    """Tell the dashboards concerned that `case` changed; losing this is harmless."""
    try:
        socketio.emit(kind, case_summary(case), to=rooms_for(case))
    except Exception:  # an unreachable message queue must never fail a webhook or a claim
        log.exception("could not publish %s for case %s", kind, case.id)
