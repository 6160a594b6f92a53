"""Live events for dashboards: a case's id and status only.

The database is the truth; an event only says "look again". Events are collected during a unit of
work, built from the objects just before the commit (no re-read) and sent after it, so a rolled-back
change is never announced. A dashboard that missed one re-reads the queue over HTTP when it reconnects.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from crm.models import Case
from crm.platform import logs, publisher, unit_of_work
from crm.platform.extensions import db, socketio

log = logging.getLogger(__name__)
PENDING = "sampark_live_pending"


def case_summary(case: Case) -> dict:
    """What a case event carries: which case, and its state; never a phone or card number, never a name.

    That is all the pages use (static/js/sampark.js's live client): any event makes a page read its board again,
    and the id tells a desk whether the case open on its screen is the one that changed (then its panel, thread
    and timeline are read again too). Everything else a page shows comes from those reads, which are audited and
    checked against who is reading; an event goes to a whole room.
    """
    return {"id": case.id, "status": case.status}


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
    logs.events_sent([f"{kind}#{payload.get('id', '')}" for kind, payload, _rooms in ready])
    if not publisher.hand_over(ready):
        emit_all(ready)


def emit_all(ready: list[tuple[str, dict, list[str]]]) -> None:
    """Emit built events now (the publisher thread's work, or the caller's in a process without one), in one round
    trip to the message queue when it can take them so (crm.helpline.live.sockets.RedisBoardManager.batched)."""
    manager = getattr(getattr(socketio, "server", None), "manager", None)
    batched = getattr(manager, "batched", None) if len(ready) > 1 else None
    with batched() if batched else contextlib.nullcontext():
        for kind, payload, rooms in ready:
            try:
                socketio.emit(kind, payload, to=rooms)
            except Exception:  # an unreachable message queue must never fail a webhook or a claim
                log.exception("could not publish %s", kind)
