"""The staff member's own account: their API tokens and their sessions."""

from flask import jsonify, session
from flask_login import current_user, logout_user

from crm.platform.api import bp
from crm.staff.auth import passwords, tokens
from crm.staff.auth.capabilities import allow


@bp.get("/me/tokens")
@allow("own_account")
def my_tokens():
    """The caller's API tokens: label, state, expiry and last use (never the token itself)."""
    return jsonify(tokens=[tokens.describe(t) for t in tokens.of(current_user)])


@bp.post("/me/tokens/<int:token_id>/revoke")
@allow("own_account")
def revoke_my_token(token_id: int):
    """Revoke one of the caller's tokens at once."""
    return jsonify(tokens.describe(tokens.revoke(token_id, current_user)))


@bp.post("/me/logout-everywhere")
@allow("own_account")
def logout_everywhere():
    """End every session of the caller, this one included (a lost or shared device)."""
    ended = passwords.log_out_everywhere(current_user, current_user)
    logout_user()
    session.clear()
    return jsonify(sessions_ended=ended, message="You are logged out on every device.")
