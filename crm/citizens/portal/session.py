"""The citizen's session: a short, separate identity, never a staff login, held on the server.

Signing in clears whatever the browser's session held (a staff login included), and a portal page is
refused to a browser logged in as staff, so the two identities never share a session. The signed cookie
carries only a random key; its SHA-256 is a row of citizen_session, so signing out ends the session for a
copy of the cookie too, and "sign out everywhere" ends the citizen's sessions on other devices. A session
ends after IDLE_MINUTES without a page, and HOURS after sign-in whatever happens.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps

from flask import flash, g, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select, update

from crm.models import CitizenSession
from crm.platform.errors import Refused
from crm.platform.extensions import db

KEY = "citizen"
IDLE_MINUTES = 15
HOURS = 2
TOUCH_SECONDS = 30  # a rolling idle timer without a write on every page


def _now() -> datetime:
    return datetime.fromtimestamp(time.time(), UTC)  # time.time(): the tests move the clock


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def begin(mobile: str) -> None:
    """Start a citizen session for `mobile` (any earlier session of this browser ends)."""
    end("signed in again")
    session.clear()
    key = secrets.token_urlsafe(32)
    now = _now()
    db.session.add(CitizenSession(mobile=mobile, key_hash=_digest(key), created_at=now, last_seen_at=now))
    db.session.flush()
    session[KEY] = {"k": key}
    session.permanent = False  # the cookie goes when the browser closes


def end(reason: str = "signed out") -> None:
    """Sign out: this browser's session ends on the server too (flushed)."""
    data = session.pop(KEY, None)
    key = data.get("k") if isinstance(data, dict) else None
    if isinstance(key, str):
        _end(CitizenSession.key_hash == _digest(key), reason)


def end_everywhere(mobile: str) -> int:
    """End every live session of `mobile`, this one included (flushed); how many there were."""
    session.pop(KEY, None)
    return _end(CitizenSession.mobile == mobile, "signed out everywhere")


def _end(which, reason: str) -> int:
    ended = db.session.execute(update(CitizenSession).where(which, CitizenSession.ended_at.is_(None))
                               .values(ended_at=_now(), end_reason=reason[:30])
                               .execution_options(synchronize_session=False)).rowcount
    db.session.flush()
    return ended


def mobile() -> str | None:
    """The signed-in citizen's mobile, or None (no session, signed out, idle too long, or past its life)."""
    data = session.get(KEY)
    key = data.get("k") if isinstance(data, dict) else None
    if not isinstance(key, str):
        return None
    row = db.session.scalar(select(CitizenSession).where(CitizenSession.key_hash == _digest(key)))
    if row is None or row.ended_at is not None:
        session.pop(KEY, None)
        return None
    now = _now()
    idle = now - row.last_seen_at > timedelta(minutes=IDLE_MINUTES)
    if idle or now - row.created_at > timedelta(hours=HOURS):
        end("idle" if idle else "expired")
        db.session.commit()
        flash(_("You were signed out to keep your details safe. Please sign in again."), "info")
        return None
    if now - row.last_seen_at > timedelta(seconds=TOUCH_SECONDS):
        row.last_seen_at = now
        db.session.commit()
    return row.mobile


def citizen_page(view: Callable) -> Callable:
    """A portal page: open to a signed-in citizen only; staff logged in on this browser are refused."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if current_user.is_authenticated:
            raise Refused("staff_session", "You are logged in as staff. Log out before using the citizen portal.",
                          403)
        who = mobile()
        if who is None:
            return redirect(url_for("portal.sign_in"))
        g.citizen_mobile = who
        return view(*args, **kwargs)

    guarded.citizen = True  # crm.staff.auth.access lets it through to this check (and still checks CSRF)
    return guarded
