"""Background jobs of the Twilio edge (run by rq or in-process; given ids only)."""

from __future__ import annotations

import logging

from twilio.base.exceptions import TwilioException, TwilioRestException

from crm.models.base import utcnow
from crm.platform import outbox, unit_of_work
from crm.platform.security import bounds
from telephony import gateway, messages

log = logging.getLogger(__name__)


def send_message(message_id: int) -> None:
    """Send one outbound SMS, at most once: a message leaves 'pending' exactly one time."""
    message = messages.claim_for_sending(message_id)
    # A secret in the text (a sign-in code) leaves the store with the claim: it is needed for this one send only.
    text = outbox.take_text(message) if message is not None else None
    unit_of_work.commit()  # the claim is durable before Twilio is asked: a rerun never sends twice
    if message is None:
        return  # already sent (or being sent) by another run of this job
    if text is None:
        message.status, message.error_message = "failed", "Its one-time code expired before it could be sent."
        unit_of_work.commit()
        return
    if messages.is_opted_out(message.to_number):
        message.status, message.error_message = "blocked", "The recipient texted STOP."
        unit_of_work.commit()
        return
    try:
        message.sid = gateway.send_message(message, text)
        message.status = "queued" if message.status == "sending" else message.status
        message.sent_at = utcnow()
    except TwilioRestException as exc:
        message.status = "failed"
        message.error_code, message.error_message = str(exc.code)[:bounds.ERROR_CODE], str(exc.msg)[:bounds.ERROR_MESSAGE]
    except (TwilioException, OSError) as exc:
        # The request may or may not have reached Twilio: never send again blindly. The message stays
        # 'sending'; the sweep (telephony.reconcile) asks Twilio later and marks it sent or failed.
        log.warning("SMS %s not confirmed by Twilio, left for the sweep: %s", message_id, exc)
        return
    unit_of_work.commit()
