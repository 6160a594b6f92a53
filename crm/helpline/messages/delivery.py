"""A provider's report on an outbound message: delivered, failed, read... applied only if it moves the message forward.

Reports may repeat or arrive out of order (Twilio says so of its status callbacks); the order of statuses is
crm.models.telephony.MESSAGE_STATUS_RANK, in Twilio's words, to which each provider's edge maps its own.
"""

from __future__ import annotations

from sqlalchemy import select

from crm.helpline.live import events
from crm.models import Message
from crm.models.telephony import MESSAGE_STATUS_RANK
from crm.platform.extensions import db
from crm.platform.security import bounds


def record_status(provider_id: str, status: str, error_code: str | None = None,
                  error_message: str | None = None) -> Message | None:
    """Apply a delivery report to the message the provider knows as `provider_id`; None if unknown or not forward."""
    message = db.session.scalar(select(Message).where(Message.sid == provider_id))
    if message is None or status not in MESSAGE_STATUS_RANK:
        return None
    if MESSAGE_STATUS_RANK[status] <= MESSAGE_STATUS_RANK.get(message.status, -1):
        return None
    message.status = status
    if error_code:
        message.error_code = error_code[:bounds.ERROR_CODE]
        message.error_message = error_message or message.error_message
    if message.case is not None:
        events.case_changed(message.case, "case.message")
    return message
