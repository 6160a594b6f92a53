"""WhatsApp conversations on a case: the 24-hour window, free-form replies inside it, templates outside it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from crm.cases.assessment import ensure_editable
from crm.helpline.live import events
from crm.helpline.whatsapp import approved
from crm.helpline.whatsapp.window import Window, window
from crm.models import Case, Message, OptOut, StaffUser
from crm.models.base import iso, utcnow
from crm.platform import outbox
from crm.platform.errors import Refused
from crm.platform.extensions import db

CHANNEL = "whatsapp"


def is_whatsapp(case: Case) -> bool:
    """Whether replies on this case go by WhatsApp."""
    return case.channel == CHANNEL


def ensure_free_form_allowed(case: Case, now: datetime | None = None) -> Window:
    """Refuse (409 whatsapp_window_closed) a free-form reply outside the 24-hour window."""
    state = window(case.caller_phone, now or utcnow())
    if not state.open:
        since = "never wrote to us on WhatsApp" if state.last_inbound_at is None else "last wrote more than 24 hours ago"
        raise Refused("whatsapp_window_closed", f"The citizen {since}: WhatsApp allows only an approved template "
                      "now. Choose one below; their reply opens the window again.", 409)
    return state


def conversation(case: Case, now: datetime | None = None) -> dict:
    """What the reply box needs: the channel, the window and the templates (the case's language first)."""
    if not is_whatsapp(case):
        # An SMS case: under DLT only registered texts go by SMS, so the desk offers WhatsApp for free text when the
        # caller's number has written on WhatsApp within 24 hours.
        state = window(case.caller_phone, now or utcnow()) if (case.caller_phone or "").startswith("+") else None
        return {"channel": "sms", "window": None, "templates": [], "sms_registered_only": outbox.registered_only(),
                "whatsapp": {"open": bool(state and state.open), "closes_at": iso(state.closes_at) if state else None}}
    state = window(case.caller_phone, now or utcnow())
    ordered = sorted(approved.all_templates(), key=lambda t: (t.name, t.language != case.language))
    return {"channel": CHANNEL,
            "window": {"open": state.open, "last_inbound_at": iso(state.last_inbound_at),
                       "closes_at": iso(state.closes_at)},
            "templates_version": approved.version(),
            "templates": [{"name": t.name, "language": t.language, "body": t.body, "variables": list(t.variables),
                           "purpose": t.purpose} for t in ordered]}


def send_template(case: Case, staff: StaffUser, name: str, language: str, values: list) -> Message:
    """Send an approved template to the case's WhatsApp (allowed in or out of the window)."""
    ensure_editable(case, staff)
    if not is_whatsapp(case):
        raise Refused("not_whatsapp", f"Case {case.reference} is not a WhatsApp conversation.", 409)
    if not (case.caller_phone or "").startswith("+"):
        raise Refused("no_number", "The citizen's number is not known: there is nobody to write to.")
    if db.session.scalar(select(OptOut.id).where(OptOut.phone == case.caller_phone)) is not None:
        raise Refused("opted_out", "The citizen asked us to stop writing: Sampark does not write to them any more.")
    template = approved.find(str(name or ""), str(language or ""))
    filled = approved.fill(template, values)
    message = outbox.queue_sms(case.caller_phone, template.render(filled), case=case, kind="template",
                               staff_id=staff.id, channel=CHANNEL, content_sid=template.sid, content_variables=filled)
    events.case_changed(case, "case.message")
    return message
