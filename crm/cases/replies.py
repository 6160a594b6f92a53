"""SMS and WhatsApp conversations in the operator desk: the thread of a caller and the operator's replies."""

from __future__ import annotations

from sqlalchemy import or_, select, update

from crm.cases import channels, timeline
from crm.cases.assessment import ensure_editable
from crm.helpline.live import events
from crm.models import Case, Message, OptOut, StaffUser
from crm.platform import outbox
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.platform.sms_parts import segments

THREAD_LIMIT = 60
MAX_REPLY = 480  # a few SMS parts; longer advice belongs in a call


def thread(case: Case, limit: int = THREAD_LIMIT) -> list[Message]:
    """This case's messages and the caller's earlier ones (same number), oldest first."""
    same = [Message.case_id == case.id]
    if (case.caller_phone or "").startswith("+"):
        same += [Message.from_number == case.caller_phone, Message.to_number == case.caller_phone]
    query = select(Message).where(or_(*same)).order_by(Message.id.desc()).limit(limit)
    return list(reversed(db.session.scalars(query).all()))


VIA = ("sms", "whatsapp")


def reply(case: Case, staff: StaffUser, body: str, via: str | None = None) -> Message:
    """Text the caller from a desk, by SMS or WhatsApp (a WhatsApp case's channel, or `via`, within WhatsApp's 24 h);
    sent once after the commit; opt-outs respected. Under India's DLT rules an SMS must be a registered text (a canned
    reply, word for word): free text is refused with what to do instead, never sent to fail."""
    ensure_editable(case, staff)
    text = (body or "").strip()
    if not text:
        raise Refused("empty", "Write the reply.", 422)
    if len(text) > MAX_REPLY:
        raise Refused("too_long", f"Keep replies under {MAX_REPLY} characters ({segments(text)} SMS parts).",
                              422)
    if via is not None and via not in VIA:
        raise Refused("bad_channel", "Reply by 'sms' or 'whatsapp'.", 422)
    _ensure_textable(case)
    channel = via or channels.reply_channel(case)
    channels.ensure_free_form_allowed(case, channel)  # WhatsApp: outside 24 h only a template (crm.helpline.whatsapp)
    if channel == "sms":
        ensure_sms_registered(case, text)
    message = outbox.queue_sms(case.caller_phone, text, case=case, kind="reply", staff_id=staff.id, channel=channel)
    events.case_changed(case, "case.message")
    return message


def ensure_sms_registered(case: Case, text: str) -> None:
    """Refuse (422 sms_not_registered) an SMS the carrier would not send: under DLT only registered words go out."""
    if outbox.is_sendable_sms(text):
        return
    try:
        channels.ensure_free_form_allowed(case, "whatsapp")
        instead = "or send it on WhatsApp: they wrote on WhatsApp in the last 24 hours (Send on WhatsApp)."
    except Refused:
        instead = "or call them: they have not written on WhatsApp in the last 24 hours, so free text cannot go there."
    raise Refused("sms_not_registered", "Not sent: in India an SMS must be one of the registered texts (DLT), word "
                  f"for word. Choose a canned reply and leave its words as they are, {instead}", 422)


FAILED = ("failed", "undelivered")


def send_again(case: Case, staff: StaffUser, message_id: int) -> Message:
    """Send a text of this case that failed once more (one press in the thread): the same message back in line."""
    ensure_editable(case, staff)
    message = db.session.get(Message, message_id)
    if message is None or message.case_id != case.id or message.direction != "outbound":
        raise Refused("not_found", "There is no such text on this case.", 404)
    _ensure_textable(case)
    if message.content_sid is None:  # it would fail again at WhatsApp outside the 24-hour window
        channels.ensure_free_form_allowed(case, message.channel)
    if message.channel == "sms":
        ensure_sms_registered(case, message.body)  # a text the DLT scrubber refused would only fail again
    error = message.error_message
    # Conditional: a second press (or a colleague's) while it is already back in line sends nothing more.
    done = db.session.execute(update(Message).where(Message.id == message.id, Message.status.in_(FAILED))
                              .values(status="pending", sid=None, error_code=None, error_message=None,
                                      sending_since=None)
                              .execution_options(synchronize_session=False)).rowcount
    if not done:
        raise Refused("not_failed", "This text has not failed (it is already being sent again, or was sent).", 409)
    db.session.refresh(message)
    timeline.add_event(case, "sms_retried", staff_id=staff.id, message_id=message.id, purpose=message.kind,
                       error=(error or "")[:200])
    outbox.send_after_commit([message.id])
    events.case_changed(case, "case.message")
    return message


def _ensure_textable(case: Case) -> None:
    if not (case.caller_phone or "").startswith("+"):
        raise Refused("no_number", "The caller's number is withheld: there is nobody to text.")
    if db.session.scalar(select(OptOut.id).where(OptOut.phone == case.caller_phone)) is not None:
        raise Refused("opted_out", "The citizen texted STOP: Sampark does not text them any more.")
