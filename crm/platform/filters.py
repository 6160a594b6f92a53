"""Jinja filters staff pages share (an area adds its own in its register(app): `can`, `event_text`)."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Flask, current_app
from markupsafe import Markup, escape

from crm.models.base import local
from crm.platform.phones import can_receive_sms, display, masked


def delhi(moment: datetime | str | None, fmt: str = "%d %b %Y %H:%M") -> str:
    """A stored timestamp (or its ISO 8601 text, as the JSON rows carry it) as Delhi wall-clock time."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment) if moment else None
    return local(moment).strftime(fmt) if moment else ""


# A caller's language as staff read it: Delhi's four, in the Act's order (static/js/sampark.js has the same names).
LANGUAGE_NAMES = {"hi": "Hindi · हिंदी", "en": "English", "pa": "Punjabi · ਪੰਜਾਬੀ", "ur": "Urdu · اردو"}


def language_name(code: str | None) -> str:
    """A case's language by name (its code if not one of the four; 'not known' if none)."""
    return LANGUAGE_NAMES.get(code or "", code or "not known")


def helpline_link() -> Markup:
    """The helpline's number as a tel: link that never wraps inside the number (class helpline-number: nowrap)."""
    number = current_app.config["HELPLINE_DISPLAY_NUMBER"]
    dial = re.sub(r"[^\d+]", "", number)
    return Markup('<a class="helpline-number" dir="ltr" href="tel:{}">{}</a>').format(dial, escape(number))


def init_app(app: Flask) -> None:
    """Register the filters."""
    app.add_template_filter(delhi, "delhi")
    app.add_template_global(helpline_link, "helpline_link")
    app.add_template_filter(language_name, "language_name")
    app.add_template_filter(lambda phone: masked(phone) or "unknown", "masked_phone")
    app.add_template_filter(display, "phone_display")
    app.add_template_filter(lambda phone: bool(phone) and not can_receive_sms(phone), "landline")
