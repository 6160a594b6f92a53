"""Jinja filters staff pages share."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_login import current_user

from crm.models.base import local
from crm.platform.phones import masked
from crm.staff.auth.capabilities import can


def delhi(moment: datetime | None, fmt: str = "%d %b %Y %H:%M") -> str:
    """A stored timestamp as Delhi wall-clock time."""
    return local(moment).strftime(fmt) if moment else ""


def event_text(event) -> str:
    """A timeline entry in words (the report's wording; never the content of a clinical note)."""
    from crm.helpline.case_report import describe

    return describe(event.kind, event.detail)


def init_app(app: Flask) -> None:
    """Register the filters."""
    app.add_template_filter(event_text, "event_text")
    app.add_template_filter(delhi, "delhi")
    app.add_template_filter(lambda phone: masked(phone) or "unknown", "masked_phone")
    app.add_template_global(lambda capability: can(current_user, capability), "can")
