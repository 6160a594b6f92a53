"""Twilio's SMS and WhatsApp edge: its webhooks parsed into crm's terms, and crm's texts handed to Twilio.

Inbound: signature checked (telephony.signature), the form parsed into a crm.helpline.messages.inbound.InboundText, one
call to crm, and Twilio's answer (empty TwiML: replies go out as send jobs, exactly once, after the commit).
Delivery reports: Twilio's status callback parsed for crm.helpline.messages.delivery. Outbound: `TwilioTexts` is the
crm.platform.outbox.Carrier installed at start. Twilio delivers WhatsApp to the same webhook with `whatsapp:+91...`
addresses: the number is taken like any caller's (the same person as their SMS and calls), the channel kept.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from twilio.base.exceptions import TwilioException, TwilioRestException

from crm.helpline.messages import delivery, inbound
from crm.models import Message
from crm.platform.outbox import SendRefused, SendUnconfirmed
from telephony import calls, gateway
from telephony.signature import twilio_webhook

bp = Blueprint("telephony_sms", __name__, url_prefix="/telephony")

EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'
WHATSAPP_PREFIX = "whatsapp:"
OPT_OUT_TYPES = {"STOP": "stop", "START": "start"}  # Twilio's own handling of the keywords on long codes
# Twilio's error codes the desk should read in words.
KNOWN_ERRORS = {
    "63016": "WhatsApp refused it: outside the 24-hour window only an approved template may be sent.",
    "21610": "The citizen texted STOP.",
}


@bp.post("/sms")
@twilio_webhook
def sms():
    """A citizen texted the helpline; replies go out as jobs, so the answer here is empty TwiML."""
    params = request.form.to_dict()
    if not params.get("MessageSid"):
        return Response(EMPTY, status=400, mimetype="text/xml")
    inbound.receive(inbound_text(params))
    return Response(EMPTY, mimetype="text/xml")


@bp.post("/sms/status")
@twilio_webhook
def sms_status():
    """Delivery status of an outbound SMS, possibly repeated or out of order."""
    record_status(request.form.to_dict())
    return Response(status=204)


def channel_of(address: str) -> tuple[str, str]:
    """('whatsapp', '+91...') for a `whatsapp:+91...` address, else ('sms', address)."""
    if address.lower().startswith(WHATSAPP_PREFIX):
        return "whatsapp", address[len(WHATSAPP_PREFIX):]
    return "sms", address


def inbound_text(params: dict) -> inbound.InboundText:
    """Twilio's inbound message webhook (MessageSid, From, To, Body, NumMedia, NumSegments, OptOutType) in crm's terms."""
    channel, address = channel_of(params.get("From", ""))
    helpline = current_app.config["TWILIO_WHATSAPP_NUMBER" if channel == "whatsapp" else "TWILIO_PHONE_NUMBER"]
    return inbound.InboundText(
        provider_id=params.get("MessageSid", ""), sender=calls.caller_number(address), helpline=helpline,
        body=params.get("Body", ""), channel=channel, segments=calls.param_int(params.get("NumSegments")) or None,
        attachments=calls.param_int(params.get("NumMedia")), opt_out=OPT_OUT_TYPES.get(params.get("OptOutType", "")))


def record_status(params: dict) -> Message | None:
    """Twilio's status callback (MessageSid, MessageStatus or SmsStatus, ErrorCode) applied by crm."""
    code = str(params.get("ErrorCode") or "") or None
    return delivery.record_status(params.get("MessageSid", ""), params.get("MessageStatus") or params.get("SmsStatus") or "",
                                  code, KNOWN_ERRORS.get(code or ""))


class TwilioTexts:
    """crm.platform.outbox.Carrier on Twilio (or the emulator): Twilio's errors become SendRefused or SendUnconfirmed."""

    def send(self, message: Message, text: str) -> str:
        """Hand the message to Twilio's Messages resource; its MessageSid."""
        try:
            return gateway.send_message(message, text)
        except TwilioRestException as exc:
            raise SendRefused(str(exc.code), str(exc.msg)) from exc
        except (TwilioException, OSError) as exc:
            raise SendUnconfirmed(str(exc)) from exc
