"""Outbound SMS: a pending Message row now, the send job once the unit of work commits.

Any part of the app can text a citizen through here without knowing how sending works; the job (`send`,
below) sends it exactly once and respects opt-outs. A rolled-back request queues nothing. The provider is a
port: the telephony edge installs its `Carrier` when the app is built (`install`), as it installs the phone
system (crm.platform.phone), so crm never names the edge; a further provider (an Indian DLT gateway) is another Carrier.

A secret (a sign-in code) never enters the message store: the stored body says SECRET_MASK where it goes, the
secret waits sealed in its own table (MessageSecret) and the send job puts it into the text it hands the provider.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, current_app
from sqlalchemy import select, update

from crm.models import Case, Message, MessageSecret, OptOut
from crm.models.base import utcnow
from crm.platform import sms_templates, unit_of_work
from crm.platform.extensions import db
from crm.platform.jobs import enqueue_after_answer
from crm.platform.phones import can_receive_sms
from crm.platform.security import bounds
from crm.platform.sms_parts import segments

log = logging.getLogger(__name__)
PENDING = "sampark_send"
CARRIER = "sampark_carrier"  # app.extensions: the installed Carrier
LANDLINE = "Not sent: this number cannot receive SMS (a landline). Call them back, or use WhatsApp if they have it."
SECRET_MASK = "******"  # where a message's secret goes; what every reader of the message store sees instead


class SendRefused(Exception):
    """The provider refused the message (it will not be sent): its code and words, kept on the message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class SendUnconfirmed(Exception):
    """The request may or may not have reached the provider: never sent again blindly (a sweep asks it later)."""


class Carrier(Protocol):
    """What sending asks of the provider that carries texts (installed by its edge at start)."""

    def send(self, message: Message, text: str) -> str:
        """Hand `message` over with `text` as its body; the provider's id for it. Raises SendRefused or
        SendUnconfirmed."""


def install(app: Flask, carrier: Carrier) -> None:
    """Make `carrier` the provider that sends this app's texts (the edge calls this when the app is built)."""
    app.extensions[CARRIER] = carrier


def carrier() -> Carrier:
    """This app's installed Carrier."""
    return current_app.extensions[CARRIER]


def registered_only() -> bool:
    """Whether the installed carrier sends an SMS only as a registered text (an Indian gateway under DLT: carriers drop
    any other), so staff may text only the registered words there, free text going by WhatsApp or a call."""
    return bool(getattr(carrier(), "registered_only", False))


def is_sendable_sms(text: str) -> bool:
    """Whether `text` may go by SMS through the installed carrier: anything, or under DLT a registered text."""
    return not registered_only() or sms_templates.match(text) is not None


def sender_for(channel: str) -> str:
    """The helpline's own address on `channel` ('sms' or 'whatsapp'): the From of what it sends."""
    return current_app.config["TWILIO_WHATSAPP_NUMBER" if channel == "whatsapp" else "SMS_NUMBER"]
def _unannounced(case: Case, **entry) -> None:
    raise RuntimeError("no case timeline installed (the case domain installs it: crm.cases.timeline)")


# Where a text sent about a case is written on the case's timeline: a port the case domain installs at start
# (crm.cases.timeline), so that the outbox, which any area uses, depends on no area.
record_on_case: Callable[..., None] = _unannounced


def install_case_timeline(record: Callable[..., None]) -> None:
    """Write the `sms_out` entry of a case's text with `record(case, kind, **detail)` (the case timeline's add_event)."""
    global record_on_case
    record_on_case = record


def queue_sms(to: str, body: str, case: Case | None = None, kind: str = "reply", staff_id: int | None = None,
              channel: str = "sms", content_sid: str | None = None, content_variables: dict | None = None,
              secret: str | None = None, secret_expires: datetime | None = None) -> Message:
    """Add a pending outbound SMS or WhatsApp message (flushed); its send job is queued after the commit.

    A WhatsApp template message carries its ContentSid and variables; `body` is then what it renders to.
    A `secret` (valid until `secret_expires`) is sent in place of the one SECRET_MASK in `body` and stored only sealed.
    """
    if secret is not None and (body.count(SECRET_MASK) != 1 or content_sid or secret_expires is None):
        raise ValueError("a secret goes into a plain text with one SECRET_MASK, and expires")
    message = Message(case=case, direction="outbound", kind=kind, from_number=sender_for(channel), to_number=to, body=body,
                      status="pending", staff_id=staff_id, segments=segments(body), channel=channel,
                      content_sid=content_sid, content_variables=content_variables)
    if channel == "sms" and not can_receive_sms(to):
        # Never sent, never silently dropped: the message stays on the record as failed, with why.
        message.status, message.error_code, message.error_message = "failed", "landline", LANDLINE
    db.session.add(message)
    db.session.flush()
    if secret is not None:
        db.session.add(MessageSecret(message_id=message.id, sealed=_seal(secret, message.id), expires_at=secret_expires))
    if case is not None:
        detail = {"channel": channel} if channel != "sms" else {}
        record_on_case(case, "sms_out", staff_id=staff_id, message_id=message.id, purpose=kind, **detail)
    if message.status == "pending":
        send_after_commit([message.id])
    return message


def send_after_commit(message_ids: list[int]) -> None:
    """Queue the send jobs of these messages once the current unit of work commits."""
    session = db.session()
    pending = session.info.get(PENDING)
    if pending is None:
        pending = session.info[PENDING] = []
        unit_of_work.after_commit(session, lambda: _enqueue(session.info.pop(PENDING, [])))
    pending.extend(message_ids)


def job_id(message_id: int) -> str:
    """The id of the send job of this message (one job per message)."""
    return f"sms-{message_id}"


def _enqueue(message_ids: list[int]) -> None:
    # No job of these ids waits: each message was written by this unit of work, or the sweep that queues a lost one
    # has just asked. A copy queued by a race anyway sends nothing twice (claim_for_sending).
    for message_id in message_ids:
        enqueue_after_answer(SEND_JOB, message_id, job_id=job_id(message_id))


def send(message_id: int) -> None:
    """The send job: one outbound message through the installed Carrier, at most once (it leaves 'pending' one time)."""
    message = claim_for_sending(message_id)
    # A secret in the text (a sign-in code) leaves the store with the claim: it is needed for this one send only.
    text = take_text(message) if message is not None else None
    unit_of_work.commit()  # the claim is durable before the provider is asked: a rerun never sends twice
    if message is None:
        return  # already sent (or being sent) by another run of this job
    if text is None:
        message.status, message.error_message = "failed", "Its one-time code expired before it could be sent."
        unit_of_work.commit()
        return
    if is_opted_out(message.to_number):
        message.status, message.error_message = "blocked", "The recipient texted STOP."
        unit_of_work.commit()
        return
    try:
        message.sid = carrier().send(message, text)
        message.status = "queued" if message.status == "sending" else message.status
        message.sent_at = utcnow()
    except SendRefused as refused:
        message.status = "failed"
        message.error_code, message.error_message = refused.code[:bounds.ERROR_CODE], refused.message[:bounds.ERROR_MESSAGE]
    except SendUnconfirmed as exc:
        # The message stays 'sending'; the edge's sweep (telephony.reconcile for Twilio) asks the provider later
        # and marks it sent or failed.
        log.warning("SMS %s not confirmed by the provider, left for the sweep: %s", message_id, exc)
        return
    unit_of_work.commit()


SEND_JOB = f"{__name__}.{send.__name__}"  # the job by path, as rq imports it (the path moves with this module)


def claim_for_sending(message_id: int) -> Message | None:
    """Move a message from pending to sending in one conditional UPDATE: only one sender ever wins."""
    now = utcnow()
    won = db.session.execute(
        update(Message).where(Message.id == message_id, Message.status == "pending")
        .values(status="sending", sending_since=now, updated_at=now).returning(Message.id)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    return db.session.get(Message, won, populate_existing=True) if won else None


def is_opted_out(phone: str) -> bool:
    """Whether `phone` asked us to stop texting."""
    return db.session.scalar(select(OptOut.id).where(OptOut.phone == phone)) is not None


def text_to_send(message: Message) -> str | None:
    """What the provider is given for `message`: its body with its secret in place; None if the secret expired."""
    return _filled(message, db.session.get(MessageSecret, message.id))


def take_text(message: Message) -> str | None:
    """`text_to_send(message)`, and its secret leaves the store (the send job's claim: no second send needs it)."""
    secret = db.session.get(MessageSecret, message.id)
    if secret is not None:
        db.session.delete(secret)
    return _filled(message, secret)


def _filled(message: Message, secret: MessageSecret | None) -> str | None:
    if secret is None:
        return message.body
    if secret.expires_at <= utcnow():
        return None
    try:
        return message.body.replace(SECRET_MASK, _unseal(secret.sealed, message.id), 1)
    except (InvalidTag, ValueError):
        return None  # sealed under another SECRET_KEY: it cannot be sent, and a new code can be asked for


def same_text(stored: str, sent: str) -> bool:
    """Whether the provider's copy `sent` is the message whose stored body is `stored` (a secret shows as its mask)."""
    if SECRET_MASK not in stored:
        return stored == sent
    return re.fullmatch(".+?".join(re.escape(part) for part in stored.split(SECRET_MASK, 1)), sent, re.DOTALL) is not None


def _key() -> bytes:
    # Its own key, derived from SECRET_KEY, distinct from the session cookie's and the FHIR tokens'.
    return hashlib.sha256(b"sampark-message-secret:" + current_app.config["SECRET_KEY"].encode()).digest()


def _seal(secret: str, message_id: int) -> str:
    nonce = os.urandom(12)
    return base64.urlsafe_b64encode(nonce + AESGCM(_key()).encrypt(nonce, secret.encode(), str(message_id).encode())).decode()


def _unseal(sealed: str, message_id: int) -> str:
    raw = base64.urlsafe_b64decode(sealed.encode())
    return AESGCM(_key()).decrypt(raw[:12], raw[12:], str(message_id).encode()).decode()
