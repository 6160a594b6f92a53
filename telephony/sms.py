"""SMS webhooks: inbound texts and delivery status callbacks."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from telephony import messages
from telephony.signature import twilio_webhook

bp = Blueprint("telephony_sms", __name__, url_prefix="/telephony")

EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'


@bp.post("/sms")
@twilio_webhook
def sms():
    """A citizen texted the helpline; replies go out as jobs, so the answer here is empty TwiML."""
    params = request.form.to_dict()
    if not params.get("MessageSid"):
        return Response(EMPTY, status=400, mimetype="text/xml")
    messages.inbound(params, current_app.config["TWILIO_PHONE_NUMBER"])
    return Response(EMPTY, mimetype="text/xml")


@bp.post("/sms/status")
@twilio_webhook
def sms_status():
    """Delivery status of an outbound SMS, possibly repeated or out of order."""
    messages.update_status(request.form.to_dict())
    return Response(status=204)
