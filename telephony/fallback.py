"""Twilio's fallback URLs: what a caller or texter gets when the helpline's webhook failed or timed out.

Set on the number as VoiceFallbackUrl and SmsFallbackUrl. The answer is static TwiML that needs no
database (emergency numbers 112/108 and a call-back promise in Hindi and English); the contact is
kept for the call-back when the database answers, and logged when it does not.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request
from sqlalchemy.exc import SQLAlchemyError
from twilio.twiml.messaging_response import MessagingResponse

from crm import unit_of_work
from crm.extensions import db
from telephony import calls, messages, prompts
from telephony.signature import twilio_webhook

bp = Blueprint("telephony_fallback", __name__, url_prefix="/telephony")
log = logging.getLogger(__name__)

SMS_FALLBACK = ("सम्पर्क: आपका संदेश अभी नहीं पढ़ा जा सका। आपातकाल: 112/108 पर कॉल करें। "
                "Sampark: please text again soon. Emergency: call 112 or 108.")


@bp.post("/voice/fallback")
@twilio_webhook
def voice_fallback():
    """The voice webhook failed: tell the caller what to do now, and keep their number for a call-back."""
    params = request.form.to_dict()
    _keep(params, "call", _keep_call)
    return Response(prompts.fallback(), mimetype="text/xml")


@bp.post("/sms/fallback")
@twilio_webhook
def sms_fallback():
    """The SMS webhook failed: store the text if the database answers (the usual reply follows), else advise."""
    params = request.form.to_dict()
    if params.get("MessageSid") and _keep(params, "text", _keep_text):
        return Response(str(MessagingResponse()), mimetype="text/xml")
    reply = MessagingResponse()
    reply.message(SMS_FALLBACK)
    return Response(str(reply), mimetype="text/xml")


def _keep_call(params: dict) -> None:
    # The case (opened now if the voice webhook never stored it) is settled by the call sweep once the
    # call ends: abandoned with a call-back SMS, or kept with the doctors if the caller pressed 9.
    call, case = calls.incoming(params)
    calls.observe(call, params.get("CallStatus", ""))
    if params.get("Digits") == "9" and calls.is_live(case):
        calls.choose(case, "9")


def _keep_text(params: dict) -> None:
    messages.inbound(params, current_app.config["TWILIO_PHONE_NUMBER"])


def _keep(params: dict, what: str, keep) -> bool:
    """Store the contact in its own unit of work; on a database failure log it for a person to follow up."""
    try:
        keep(params)
        unit_of_work.commit()
        return True
    except SQLAlchemyError as exc:
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass  # the connection is gone; the pool reconnects on the next request
        log.error("FALLBACK %s from %s (sid %s) not stored, call back by hand: %s", what, params.get("From"),
                  params.get("CallSid") or params.get("MessageSid"), exc.__class__.__name__)
        return False
