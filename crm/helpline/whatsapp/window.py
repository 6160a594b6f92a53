"""WhatsApp's 24-hour rule: free-form messages only within 24 h of the citizen's last message to us.

Outside the window WhatsApp (and so Twilio, error 63016) accepts only approved templates. The window
is measured from the last inbound WhatsApp message from that number that we stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from crm.models import Message
from crm.platform.extensions import db

WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Window:
    """Whether free-form messages may go to a WhatsApp number now, and until when."""

    open: bool
    last_inbound_at: datetime | None
    closes_at: datetime | None


def last_inbound(phone: str) -> datetime | None:
    """When `phone` last wrote to us on WhatsApp."""
    return db.session.scalar(select(func.max(Message.created_at)).where(
        Message.channel == "whatsapp", Message.direction == "inbound", Message.from_number == phone))


def window(phone: str | None, now: datetime) -> Window:
    """The 24-hour window of `phone` at `now`."""
    last = last_inbound(phone) if phone else None
    closes = last + WINDOW if last else None
    return Window(bool(closes and now < closes), last, closes)
