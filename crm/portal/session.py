"""The citizen's session: a short, separate identity in the signed session cookie, never a staff login.

Signing in clears whatever the browser's session held (a staff login included), and a portal page is
refused to a browser logged in as staff, so the two identities never share a session. The session ends
after IDLE_MINUTES without a page, and HOURS after sign-in whatever happens.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps

from flask import flash, g, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.errors import Refused

KEY = "citizen"
IDLE_MINUTES = 15
HOURS = 2


def begin(mobile: str) -> None:
    """Start a citizen session for `mobile` (any earlier session of this browser ends)."""
    session.clear()
    now = int(time.time())
    session[KEY] = {"m": mobile, "t0": now, "seen": now}
    session.permanent = False  # the cookie goes when the browser closes


def end() -> None:
    """Sign out."""
    session.pop(KEY, None)


def mobile() -> str | None:
    """The signed-in citizen's mobile, or None (no session, idle too long, or past its life)."""
    data = session.get(KEY)
    if not isinstance(data, dict) or not isinstance(data.get("m"), str):
        return None
    now = int(time.time())
    if now - int(data.get("seen", 0)) > IDLE_MINUTES * 60 or now - int(data.get("t0", 0)) > HOURS * 3600:
        session.pop(KEY, None)
        flash(_("You were signed out to keep your details safe. Please sign in again."), "info")
        return None
    if now - int(data["seen"]) > 30:  # a rolling idle timer without rewriting the cookie on every request
        session[KEY] = data | {"seen": now}
    return data["m"]


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

    guarded.citizen = True  # crm.auth.access lets it through to this check (and still checks CSRF)
    return guarded
