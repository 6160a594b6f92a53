"""Login and logout pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from crm.cases import leaving
from crm.models.base import utcnow
from crm.platform.errors import Refused
from crm.platform.extensions import db, limiter
from crm.staff.auth import passwords, sessions, tokens
from crm.staff.auth.access import SESSION_KEY, public
from crm.staff.auth.capabilities import allow
from crm.staff.auth.passwords import AccountLocked, authenticate

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _failed(response) -> bool:
    return response.status_code in (401, 423)


@bp.route("/login", methods=["GET", "POST"])
@public
# Per IP (the client's, through TRUSTED_PROXY_HOPS proxies), counting only failures: colleagues at one desk
# who type their passwords right are not locked out by one who does not. Per account: crm.staff.auth.lockout.
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
def login():
    """Show the login form; log the staff member in."""
    form = LoginForm()
    status = 200 if request.method == "GET" else 401
    if form.validate_on_submit():
        try:
            staff = authenticate(form.username.data, form.password.data)
        except AccountLocked as exc:
            db.session.commit()
            flash(f"This account is locked for {exc.minutes} more minute{'s' if exc.minutes != 1 else ''} after "
                  "repeated wrong passwords. Try again then, or ask an administrator to unlock it.", "error")
            return render_template("login.html", form=form), 423
        if staff is not None:
            session.clear()  # a fresh session on login: no fixation
            session.permanent = True
            session[SESSION_KEY] = sessions.start(staff)
            db.session.commit()
            login_user(staff)
            return redirect(_safe_next(request.args.get("next")) or url_for("pages.home"))
        db.session.commit()
        flash("Wrong username or password.", "error")
    return render_template("login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@allow("own_account")
def logout():
    """End the session; a logged-out operator is no longer counted as available, and no phone leg of theirs stays up
    (crm.cases.leaving.sign_off: a finished case's call ends, one others are on is left to them, a caller they held
    alone goes back to the queue with their case)."""
    leaving.sign_off(current_user, "logout")
    current_user.presence, current_user.presence_since = "offline", utcnow()
    sessions.end(session.get(SESSION_KEY), "logout")
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: never redirect a login to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.get("/account")
@allow("own_account")
def account():
    """The staff member's own sessions and API tokens, with revoke and "log out everywhere"."""
    mine = sessions.live(current_user)
    here = sessions.key_hash(session.get(SESSION_KEY))
    return render_template("auth/account.html", sessions=mine, here=here,
                           tokens=[tokens.describe(t) for t in tokens.of(current_user)])


@bp.post("/account/tokens/<int:token_id>/revoke")
@allow("own_account")
def revoke_token(token_id: int):
    """Revoke one of my API tokens."""
    try:
        tokens.revoke(token_id, current_user)
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("auth.account"))
    db.session.commit()
    flash("The token is revoked: it no longer works anywhere.", "info")
    return redirect(url_for("auth.account"))


@bp.post("/account/logout-everywhere")
@allow("own_account")
def logout_everywhere():
    """End every session of mine, this one included."""
    passwords.log_out_everywhere(current_user, current_user)
    leaving.sign_off(current_user, "logout")
    current_user.presence, current_user.presence_since = "offline", utcnow()
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out on every device.", "info")
    return redirect(url_for("auth.login"))
