"""Telephony for staff: the browser's Twilio Voice access token."""

from flask import jsonify
from flask_login import current_user

from crm.platform import phone
from crm.platform.api import bp
from crm.staff.auth.capabilities import allow


@bp.get("/telephony/token")
@allow("take_calls")
def voice_token():
    """A short-lived Voice SDK token for this staff member's browser."""
    return jsonify(phone.system().access_token(current_user))
