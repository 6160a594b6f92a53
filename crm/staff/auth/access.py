"""Access control for every endpoint, failing closed.

Each view declares who may use it with `@allow(capability)` (crm.staff.auth.capabilities), `@public`, or is a citizen
portal page (`crm.citizens.portal.session.citizen_page`, marked `citizen`, which demands a citizen session itself and refuses
a staff login). A view that declares none is
refused with 403, so a forgotten decorator can never expose patient data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, Response, current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_login import current_user

from crm.models import StaffUser
from crm.platform import unit_of_work
from crm.platform.extensions import csrf, login_manager
from crm.staff.auth import sessions, tokens

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SESSION_KEY = "sampark_session"  # the cookie's key to the server-side session row (crm.staff.auth.sessions)
OFFERED = "sampark_token_offered"  # g's key: the hash of a bearer token a view's own statement checks first


def public(view: Callable) -> Callable:
    """Allow the decorated view without login (login page, JWKS, signed Twilio webhooks)."""
    view.public = True
    return view


def csrf_exempt(view: Callable) -> Callable:
    """Skip the CSRF check for a view authenticated another way (Twilio signature)."""
    view.csrf_exempt = True
    return view


def answers_token_in_one_statement(answer: Callable[[str, frozenset[str]], Response | None]) -> Callable:
    """Let the decorated view answer a request that carries only a bearer token (no staff login in its cookie) with
    `answer(token_hash, roles)`: one statement that checks the token itself (crm.staff.auth.tokens.checked_in: live,
    its staff member's role one of the view's `roles`) and does the view's work, one round trip in all. It returns the
    response, or None having written nothing but the token's last use; then the gate's usual checks run, and the
    view as always. A token that statement cannot vouch for is never let through: the usual check decides it."""

    def mark(view: Callable) -> Callable:
        @wraps(view)
        def offered(*args, **kwargs):
            token_hash = g.pop(OFFERED, None)
            if token_hash is not None:
                answered = answer(token_hash, offered.allowed_roles)
                if answered is not None:
                    return answered
                refused = _admit(offered)
                if refused is not None:
                    return refused
            return view(*args, **kwargs)

        offered.answers_token = True
        return offered

    return mark


def init_app(app: Flask) -> None:
    """Install the user loaders and the before-request gate."""
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    app.before_request(_gate)


@login_manager.user_loader
def _load_user(user_id: str) -> StaffUser | None:
    # A cookie alone is not enough: its session must still be live on the server (not logged out, reset,
    # disabled, ended everywhere or idle).
    if not str(user_id).isdigit() or len(str(user_id)) > 18:
        return None
    key = session.get(SESSION_KEY)
    staff = sessions.staff_for(key, int(user_id))
    if staff is None and key:
        session.pop(SESSION_KEY, None)  # said once, on the login page that follows
        flash(f"Your session has ended: after {current_app.config['SESSION_IDLE_MINUTES']} minutes without use, "
              "at the end of a shift, or from another device or the administrator. Log in again.", "info")
    return staff


@login_manager.request_loader
def _load_bearer(req) -> StaffUser | None:
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    staff = tokens.staff_for_token(header[len("Bearer "):].strip())
    g.token_authenticated = staff is not None
    return staff


def _gate():
    if request.endpoint is None:
        return None  # 404/405 handled by Flask
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "answers_token", False) and getattr(view, "allowed_roles", None) is not None:
        token_hash = tokens.hash_of(_bearer_alone() or "")
        if token_hash is not None:  # the view's own statement checks it first (answers_token_in_one_statement)
            g.setdefault(OFFERED, token_hash)
            return None
    return _admit(view)


def _admit(view: Callable | None):
    """The gate's checks of a request to `view`: None to let it through, else the refusal."""
    unit_of_work.begin_for(view)  # before the login is checked: that is the unit's first statement
    if request.endpoint == "static" or getattr(view, "public", False) or getattr(view, "citizen", False):
        if request.method in UNSAFE_METHODS and not getattr(view, "csrf_exempt", False):
            _check_csrf()
        return None
    _bearer_without_session()
    if not current_user.is_authenticated:
        return _refuse(401, "login_required", "Log in to use Sampark.")
    allowed = getattr(view, "allowed_roles", None)
    if allowed is None or current_user.role not in allowed:
        return _refuse(403, "forbidden", "Your role does not allow this.")
    # Only a request authenticated by a valid token skips CSRF; a junk Bearer header beside a cookie does not.
    by_token = g.get("token_authenticated", False)
    if request.method in UNSAFE_METHODS and not by_token and not getattr(view, "csrf_exempt", False):
        _check_csrf()
    return None


def _bearer_without_session() -> None:
    """A token request with no staff login in its cookie: the token decides, as Flask-Login would end up deciding,
    without its session work (the session-protection hash of address and browser, signals) on every API call.

    A cookie that holds no login (the CSRF token the field worklist hands out, a flashed message) is no session to
    protect: through Flask-Login, its strong protection would discard it and the token with it (a 401 for a script
    that keeps cookies, as HTTP libraries do)."""
    if _bearer_alone() is None:
        return  # a login cookie beside the token, or a junk header, goes through Flask-Login as before
    g._login_user = _load_bearer(request) or login_manager.anonymous_user()  # where Flask-Login keeps current_user


def _bearer_alone() -> str | None:
    """The bearer token of a request with no staff login beside it (in its cookie, or loaded already), else None."""
    header = request.headers.get("Authorization", "")
    if "_login_user" in g or _staff_login_cookie() or not header.startswith("Bearer "):
        return None
    return header[len("Bearer "):].strip()


def _staff_login_cookie() -> bool:
    """Whether this request's session cookie carries a staff login."""
    return "_user_id" in session


def _check_csrf() -> None:
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


def _refuse(status: int, code: str, message: str):
    if _wants_json():
        return jsonify(error=code, message=message), status
    if status == 401:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    from flask import render_template

    return render_template("error.html", status=status, message=message), status


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"
