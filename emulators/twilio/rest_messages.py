"""REST handlers for Messages."""

from __future__ import annotations

from emulators.twilio.messaging import MessagingError
from emulators.twilio.resources import message_json, page
from emulators.twilio.rest import RestCall, RestError, handles, not_found
from emulators.twilio.rest_calls import check_url


@handles("CreateMessage")
def create_message(rc: RestCall):
    """Queue an SMS or WhatsApp message; its status callbacks follow (sending, sent, delivered, or failed)."""
    form = rc.form
    if not (form.get("From") or form.get("MessagingServiceSid")):
        raise RestError(400, 21603, "A 'From' phone number is required.", invalid=True)
    if not (form.get("Body") or form.get("MediaUrl") or form.get("ContentSid")):
        raise RestError(400, 21602, "Message body is required.", invalid=True)
    check_url(form, "StatusCallback", 21609)
    if form.get("MediaUrl") or (form.get("ContentSid") and not form.get("To", "").startswith("whatsapp:")):
        raise RestError(400, 21620, "The emulator sends text messages only (no MediaUrl; ContentSid on WhatsApp only).")
    try:
        message = rc.emulator.messaging.send(form["To"], form.get("From"), form.get("Body", ""),
                                             form.get("StatusCallback"), service_sid=form.get("MessagingServiceSid"),
                                             content_sid=form.get("ContentSid"),
                                             content_variables=form.get("ContentVariables"))
    except MessagingError as error:
        raise RestError(error.status, error.code, error.message) from None
    return 201, message_json(rc.emulator.settings, message)


@handles("FetchMessage")
def fetch_message(rc: RestCall):
    """One message."""
    message = rc.emulator.store.messages.get(rc.path["Sid"])
    if message is None:
        raise not_found(f"Message {rc.path['Sid']}")
    return 200, message_json(rc.emulator.settings, message)


@handles("ListMessage")
def list_messages(rc: RestCall):
    """Messages, newest first, filtered by To and From."""
    with rc.emulator.store.lock:
        found = sorted(rc.emulator.store.messages.values(), key=lambda m: m.created, reverse=True)
    for field, attribute in (("To", "to"), ("From", "from_")):
        if rc.query.get(field):
            found = [m for m in found if getattr(m, attribute) == rc.query[field]]
    items = [message_json(rc.emulator.settings, m) for m in found]
    return 200, page("messages", items, rc.path_text, rc.query)
