"""Calls and messages as Twilio reports them, and citizens' SMS opt-outs."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import JSON, ForeignKey, Index, String, Text, case, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import UTCDateTime, monthly_partitions, utcnow
from crm.platform.extensions import db
from crm.platform.security.bounds import ADDRESS, ERROR_CODE, ERROR_MESSAGE, OPT_OUT_KEYWORD, SID, STATUS_WORD

# Twilio's call statuses in the order a call moves through them; terminal ones share the last rank.
# Every place that keeps a call's status "only moving forward" reads it from here (in SQL: call_rank_sql).
CALL_STATUS_RANK = {
    "queued": 0, "initiated": 1, "ringing": 2, "in-progress": 3,
    "completed": 4, "busy": 4, "failed": 4, "no-answer": 4, "canceled": 4,
}
CALL_ENDS = 4  # the rank of the statuses that end a call
CALL_ENDED = frozenset(status for status, rank in CALL_STATUS_RANK.items() if rank >= CALL_ENDS)


def call_rank(status: str | None) -> int:
    """Where `status` stands in a call's life; -1 for a word Twilio never sends."""
    return CALL_STATUS_RANK.get(status or "", -1)


def call_rank_sql(column):
    """call_rank() as a SQL expression over `column`."""
    return case(*((column == status, rank) for status, rank in CALL_STATUS_RANK.items()), else_=-1)
MESSAGE_STATUS_RANK = {
    "pending": 0, "accepted": 1, "scheduled": 1, "queued": 2, "sending": 3, "sent": 4,
    "delivered": 5, "undelivered": 5, "failed": 5, "read": 6, "received": 5, "blocked": 5,
}


class Call(db.Model):
    """One call leg: the citizen's call in or a call-back out, or a staff member's leg."""

    __tablename__ = "call"
    # Every webhook of a call updates its leg (status, last heard, the queue's position) and none of those columns
    # is indexed: with room left on each page the new version stays on the page and no index gains an entry (a HOT
    # update). Packed full, 2,021 of 2,040 updates in a benchmark run moved the row and wrote three index entries.
    # Who is on the phone now (crm.cases.legs: every board refresh asks it of 500 agents): the legs not yet ended, a
    # handful, instead of a scan of every leg ever placed (no parameter in its condition: a prepared statement's
    # generic plan can use it too).
    __table_args__ = (Index("ix_call_leg_open", "staff_id", postgresql_where=text(
                          "ended_at IS NULL")),
                      {"postgresql_with": {"fillfactor": 70}})

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(SID), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    purpose: Mapped[str] = mapped_column(String(12), default="citizen")  # citizen, callback, staff
    direction: Mapped[str] = mapped_column(String(10), default="inbound")
    from_number: Mapped[str] = mapped_column(String(ADDRESS), default="")
    to_number: Mapped[str] = mapped_column(String(ADDRESS), default="")
    status: Mapped[str] = mapped_column(String(STATUS_WORD), default="ringing")
    last_sequence: Mapped[int] = mapped_column(default=-1)
    queue_name: Mapped[str | None] = mapped_column(String(40))
    queue_sid: Mapped[str | None] = mapped_column(String(SID))
    queue_position: Mapped[int | None] = mapped_column()
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queue_result: Mapped[str | None] = mapped_column(String(STATUS_WORD))
    queue_seconds: Mapped[int | None] = mapped_column()
    card_attempts: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration: Mapped[int | None] = mapped_column()
    last_heard_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # Twilio's last webhook for this leg

    case = relationship("Case", back_populates="calls")


class Message(db.Model):
    """One SMS or WhatsApp message in or out; outbound ones are sent by a job, exactly once."""

    __tablename__ = "message"
    # One partition per month of `created_at` (crm.platform.partitions). A provider's id is not unique here (a
    # partitioned table's unique index must hold the month, and a provider's retry may fall in the next one): an
    # inbound text is kept once per provider id by its claim (MessageClaim, crm.cases.texts); `ix_message_sid` finds
    # the message a delivery report names.
    __table_args__ = (Index("ix_message_status_sending_since", "status", "sending_since"),
                      # The retention sweep walks the bodies not yet redacted, oldest first (crm/cases/retention.py).
                      Index("ix_message_to_redact", "created_at", postgresql_where=text("redacted_at IS NULL")),
                      Index("ix_message_sid", "sid"),
                      {"postgresql_partition_by": "RANGE (created_at)"})
    # A message is its id (a sequence); the table's key has `created_at` too, as PostgreSQL asks of a partitioned
    # table's key.
    __mapper_args__: ClassVar[dict] = {"primary_key": ["id"]}

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    sid: Mapped[str | None] = mapped_column(String(SID))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    direction: Mapped[str] = mapped_column(String(10))  # inbound, outbound
    kind: Mapped[str] = mapped_column(String(30), default="reply")  # ack, advice, reply, appointment_cancelled, ...
    # "sms" or "whatsapp"; numbers are stored in E.164 either way (the gateway adds "whatsapp:").
    channel: Mapped[str] = mapped_column(String(10), default="sms", server_default="sms")
    # A WhatsApp template message (outside the 24-hour window): Twilio's ContentSid and its variables.
    content_sid: Mapped[str | None] = mapped_column(String(SID))
    content_variables: Mapped[dict | None] = mapped_column(JSON)
    from_number: Mapped[str] = mapped_column(String(ADDRESS))
    to_number: Mapped[str] = mapped_column(String(ADDRESS))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(10))
    segments: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(STATUS_WORD), default="pending")
    error_code: Mapped[str | None] = mapped_column(String(ERROR_CODE))
    error_message: Mapped[str | None] = mapped_column(String(ERROR_MESSAGE))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, primary_key=True, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sending_since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # claimed by a job; settled by a sweep if stuck
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # body removed by the retention sweep

    case = relationship("Case", back_populates="messages")


monthly_partitions(Message.__table__)


class MessageClaim(db.Model):
    """A provider's id of an inbound text, claimed by the one request that stores it (crm.cases.texts).

    Not partitioned, so its key is unique across months: a retry of a webhook minutes after midnight on the 1st
    finds the claim its first copy made in the month before. Kept only for the retry window (texts.CLAIM_DAYS),
    then forgotten by a sweep: a small table, whatever the months of `message`.
    """

    __tablename__ = "message_claim"

    sid: Mapped[str] = mapped_column(String(SID), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # when it was claimed


class MessageSecret(db.Model):
    """The secret an outbound message carries (a sign-in code), sealed, from its queueing until its send job claims it.

    The message's own body holds `crm.platform.outbox.SECRET_MASK` where the secret goes, so no reader of messages (a desk,
    FHIR, a report, the access log) can reach the secret; the send job fills it in and deletes this row as it
    claims the message. Sealed with a key derived from SECRET_KEY and bound to the message id.
    """

    __tablename__ = "message_secret"

    # No foreign key: `message` is partitioned and its key is (id, created_at). A secret lives from its queueing to its
    # send (at most RETENTION_MESSAGE_SECRETS_DAYS past its expiry, crm.platform.retention), years before its message's
    # month can be dropped, and no message row is deleted on its own.
    message_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    sealed: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OptOut(db.Model):
    """A number that texted STOP (or similar); nothing is sent to it until it texts START."""

    __tablename__ = "opt_out"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(ADDRESS), unique=True)
    keyword: Mapped[str] = mapped_column(String(OPT_OUT_KEYWORD))
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
