"""The staff member's own account: their API tokens and their sessions."""

from flask import jsonify, session
from flask_login import current_user, logout_user

from crm.api import bp, error
from crm.auth import passwords, tokens
from crm.auth.access import roles
from crm.extensions import db
from crm.models.staff import ROLES


@bp.get("/me/tokens")
@roles(*ROLES)
def my_tokens():
    """The caller's API tokens: label, state, expiry and last use (never the token itself)."""
    return jsonify(tokens=[tokens.describe(t) for t in tokens.of(current_user)])


@bp.post("/me/tokens/<int:token_id>/revoke")
@roles(*ROLES)
def revoke_my_token(token_id: int):
    """Revoke one of the caller's tokens at once."""
    try:
        row = tokens.revoke(token_id, current_user)
    except tokens.TokenError as exc:
        db.session.rollback()
        return error(exc.code, exc.message, exc.status)
    db.session.commit()
    return jsonify(tokens.describe(row))


@bp.post("/me/logout-everywhere")
@roles(*ROLES)
def logout_everywhere():
    """End every session of the caller, this one included (a lost or shared device)."""
    ended = passwords.log_out_everywhere(current_user, current_user)
    db.session.commit()
    logout_user()
    session.clear()
    return jsonify(sessions_ended=ended, message="You are logged out on every device.")
