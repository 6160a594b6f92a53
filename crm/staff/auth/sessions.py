"""Server-side staff sessions: a login is a row, so logout, password reset, a disabled account or
"log out everywhere" ends it at once, and a desk left idle logs itself out.

The signed cookie carries only a random key; its SHA-256 is stored, so a database reader cannot
replay sessions. A session ends after SESSION_IDLE_MINUTES without a request, or after
PERMANENT_SESSION_LIFETIME in any case (one shift).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import bindparam, select, update

from crm.models import StaffSession, StaffUser
from crm.models.base import utcnow
from crm.platform.extensions import db

# One round trip for the session and its staff member, built once: this runs on every staff request.
_BY_KEY = (select(StaffSession, StaffUser).join(StaffUser, StaffUser.id == StaffSession.staff_id)
           .where(StaffSession.key_hash == bindparam("key_hash")))
# What dashboards fetch on a timer by themselves: such a request shows the page is open, not that anyone is there.
BACKGROUND_ENDPOINTS = frozenset({"api.operator_queue", "api.tier2_queue"})
BUSY_PRESENCES = ("on_call", "wrap_up")
# Writing last_seen_at on every request would add a write to every page; a minute's precision is enough.
TOUCH_PRECISION = timedelta(seconds=60)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_hash(key: str | None) -> str | None:
    """What the table stores for a cookie's key (to mark "this device" in a list)."""
    return _digest(key) if key else None


def start(staff: StaffUser) -> str:
    """Open a session for `staff` (flushed) and return the key the cookie carries."""
    key = secrets.token_urlsafe(32)
    row = StaffSession(staff_id=staff.id, key_hash=_digest(key))
    if has_request_context():
        row.ip = (request.remote_addr or "")[:45] or None
        row.user_agent = (request.user_agent.string or "")[:200] or None
    db.session.add(row)
    db.session.flush()
    return key


def idle_limit() -> timedelta:
    """How long a desk may sit without a request before its session ends (SESSION_IDLE_MINUTES)."""
    return timedelta(minutes=int(current_app.config["SESSION_IDLE_MINUTES"]))


def staff_for(key: str | None, staff_id: int) -> StaffUser | None:
    """The active staff member whose live session has this key, or None; ends an idle or too-old session.

    Any request keeps a session alive except the dashboards' own timed refreshes (BACKGROUND_ENDPOINTS).
    """
    if not key:
        return None
    found = db.session.execute(_BY_KEY, {"key_hash": _digest(key)}).first()
    if found is None or found[0].ended_at is not None or found[0].staff_id != staff_id:
        return None
    row, staff = found
    now = utcnow()
    lifetime = current_app.permanent_session_lifetime
    # Someone on a call or writing up after one is at the desk even without clicking: their typing must not be lost.
    idle = now - row.last_seen_at > idle_limit() and staff.presence not in BUSY_PRESENCES
    if idle or now - row.created_at > lifetime:
        _end_rows([row.id], "idle" if now - row.created_at <= lifetime else "expired")
        db.session.commit()
        return None
    if not staff.active:
        return None
    active = not has_request_context() or request.endpoint not in BACKGROUND_ENDPOINTS
    if active and now - row.last_seen_at > TOUCH_PRECISION:
        row.last_seen_at = now
        db.session.commit()
    return staff


def end(key: str | None, reason: str = "logout") -> None:
    """End the session with this key (flushed)."""
    if key:
        ids = db.session.scalars(select(StaffSession.id).where(StaffSession.key_hash == _digest(key))).all()
        _end_rows(ids, reason)


def end_all(staff: StaffUser, reason: str) -> int:
    """End every live session of `staff` (flushed); returns how many were live."""
    ids = db.session.scalars(select(StaffSession.id).where(
        StaffSession.staff_id == staff.id, StaffSession.ended_at.is_(None))).all()
    _end_rows(ids, reason)
    return len(ids)


def live(staff: StaffUser) -> list[StaffSession]:
    """The live sessions of `staff`, newest first (what "log out everywhere" would end)."""
    query = (select(StaffSession).where(StaffSession.staff_id == staff.id, StaffSession.ended_at.is_(None))
             .order_by(StaffSession.id.desc()).limit(100))
    return list(db.session.scalars(query))


def _end_rows(ids, reason: str) -> None:
    if ids:
        db.session.execute(update(StaffSession).where(StaffSession.id.in_(list(ids)), StaffSession.ended_at.is_(None))
                           .values(ended_at=utcnow(), end_reason=reason[:30]).execution_options(synchronize_session=False))
        db.session.flush()
