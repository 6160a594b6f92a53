"""Jinja filters staff pages share (an area adds its own in its register(app): `can`, `event_text`)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from crm.models.base import local
from crm.platform.phones import can_receive_sms, display, masked


def delhi(moment: datetime | None, fmt: str = "%d %b %Y %H:%M") -> str:
    """A stored timestamp as Delhi wall-clock time."""
    return local(moment).strftime(fmt) if moment else ""


def init_app(app: Flask) -> None:
    """Register the filters."""
    app.add_template_filter(delhi, "delhi")
    app.add_template_filter(lambda phone: masked(phone) or "unknown", "masked_phone")
    app.add_template_filter(display, "phone_display")
    app.add_template_filter(lambda phone: bool(phone) and not can_receive_sms(phone), "landline")
