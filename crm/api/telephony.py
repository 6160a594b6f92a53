"""Telephony for staff: the browser's Twilio Voice access token."""

from flask import jsonify
from flask_login import current_user

from crm.api import bp
from crm.auth.access import roles
from telephony import gateway


@bp.get("/telephony/token")
@roles("operator", "doctor", "supervisor")
def voice_token():
    """A short-lived Voice SDK token for this staff member's browser."""
    return jsonify(gateway.access_token(current_user))
