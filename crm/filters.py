"""Jinja filters staff pages share."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from crm.models.base import local
from crm.phones import masked


def delhi(moment: datetime | None, fmt: str = "%d %b %Y %H:%M") -> str:
    """A stored timestamp as Delhi wall-clock time."""
    return local(moment).strftime(fmt) if moment else ""


EVENT_TEXT = {
    "conference": lambda d: f"{d.get('leg') or 'conference'} {d.get('event', '').replace('conference-', 'call ')}",
    "queue_result": lambda d: f"left the queue: {d.get('result')} after {d.get('seconds')} s",
    "alarm": lambda d: f"alarm level {d.get('level')}: {d.get('to')}",
    "queued": lambda d: f"queued for {d.get('queue')}",
    "escalated": lambda d: f"escalated ({d.get('urgency')}) to {(d.get('specialty') or 'general').replace('_', ' ')}",
    "referred": lambda d: f"referred to {(d.get('specialty') or '').replace('_', ' ')}: {d.get('note', '')}",
    "call_ended": lambda d: f"{d.get('leg')} call ended ({d.get('status')})",
    "sms_in": lambda d: f"SMS received ({d.get('priority')})",
    "sms_out": lambda d: f"SMS sent: {(d.get('purpose') or '').replace('_', ' ')}",
    "language": lambda d: f"language: {'Hindi' if d.get('language') == 'hi' else 'English'}",
}


def event_text(event) -> str:
    """A timeline entry in words (never the content of a clinical note)."""
    render = EVENT_TEXT.get(event.kind)
    return render(event.detail or {}) if render else event.kind.replace("_", " ")


def init_app(app: Flask) -> None:
    """Register the filters."""
    app.add_template_filter(event_text, "event_text")
    app.add_template_filter(delhi, "delhi")
    app.add_template_filter(lambda phone: masked(phone) or "unknown", "masked_phone")
