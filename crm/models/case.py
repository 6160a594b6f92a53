"""Cases (one per contact) and their timeline of events."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import UTCDateTime, monthly_partitions, utcnow
from crm.platform.extensions import db
from crm.platform.security.bounds import PHONE
from triage.rules import PRIORITIES  # the case's priority is triage's scale, P1 (emergency) to P4

__all__ = ["CHANNELS", "ENDED_SQL", "PRIORITIES", "SUMMARY_COLUMNS", "Case", "CaseEvent", "ClinicalNote", "reference_sql"]
CHANNELS = ("voice", "sms", "whatsapp", "desk")
# What a case's live event and a webhook's answer are built from (crm.helpline.live.events.case_summary reads exactly these,
# with the reference made from the id): a statement that changes a case returns these columns and no others.
SUMMARY_COLUMNS = ("id", "status", "priority", "channel", "language", "queue", "specialty", "caller_phone", "patient_id",
                   "queued_at", "callback_requested_at", "assigned_to_id", "doctor_id", "alarm_level")


def reference_sql(id_column: str) -> str:
    """Case.reference as a PostgreSQL expression over `id_column`, for a statement that opens a case and
    texts its reference in the same round trip (lpad would cut ids past five digits; Python's :05d does not)."""
    return f"('SMP-' || CASE WHEN {id_column} < 100000 THEN lpad({id_column}::text, 5, '0') ELSE {id_column}::text END)"


# When a case ended, for the retention sweep: closed (or resolved by a doctor, which sets closed_at), or abandoned
# (its abandoned_at, else its opening: a caller gone before anyone answered ended within minutes). NULL while open.
ENDED_SQL = ("(CASE WHEN status IN ('closed', 'resolved') THEN closed_at "
             "WHEN status = 'abandoned' THEN coalesce(abandoned_at, created_at) END)")


class Case(db.Model):
    """One contact with the helpline, from the first ring or text to its report."""

    __tablename__ = "case"
    __table_args__ = (
        # Nobody holds two live calls: the database refuses a second one, whatever the race.
        Index(
            "uq_case_one_live_call_per_staff",
            "assigned_to_id",
            unique=True,
            postgresql_where=text("status = 'in_progress' AND channel = 'voice'"),
        ),
        # "Answer next" walks the waiting cases in the order they are served (crm.cases.queue.QUEUE_ORDER)
        # and stops at the first it can lock, however deep the queue.
        Index(
            "ix_case_waiting",
            "queue",
            "priority",
            "queued_at",
            "id",
            postgresql_where=text("status IN ('queued', 'callback')"),
        ),
        # The retention sweep finds the ended cases not yet anonymised (crm/cases/retention.py): closed ones by
        # closed_at, abandoned ones by their opening (an abandoned case ends after it opens).
        Index("ix_case_closed_to_anonymise", "closed_at", postgresql_where=text("anonymised_at IS NULL")),
        Index("ix_case_abandoned_to_anonymise", "created_at",
              postgresql_where=text("anonymised_at IS NULL AND status = 'abandoned'")),
        # Room on each page for a row's next version: an update that changes no indexed column (the language,
        # a call-back time) then stays on its page with no new index entries (a HOT update); see crm.models.telephony.
        {"postgresql_with": {"fillfactor": 80}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    # Written only by crm.cases.lifecycle; the states and transitions are in crm.cases.status.
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    priority: Mapped[str] = mapped_column(String(2), default="P4")
    specialty: Mapped[str | None] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(2), default="hi")
    caller_phone: Mapped[str | None] = mapped_column(String(PHONE), index=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"), index=True)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    summary: Mapped[str | None] = mapped_column(Text)
    queue: Mapped[str | None] = mapped_column(String(40), index=True)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    callback_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    abandoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The assessment and its outcome (tier 1), then the doctor's side (tier 2).
    reason: Mapped[str | None] = mapped_column(String(300))
    red_flags: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    outcome: Mapped[str | None] = mapped_column(String(20))  # resolved, informed, escalated, callback
    disposition: Mapped[str | None] = mapped_column(String(40))
    advice: Mapped[str | None] = mapped_column(Text)
    escalation_summary: Mapped[str | None] = mapped_column(Text)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    doctor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    alarm_level: Mapped[int] = mapped_column(default=0, server_default="0")  # 0 none, 1 doctors on duty, 2 supervisors and all doctors
    alarm_raised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    callback_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wrap_up_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The retention sweep (crm/cases/retention.py): when the case's words and numbers were removed, and the caller's
    # next contact as it stood then (first-contact resolution reads it once the number is gone).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")

    @property
    def reference(self) -> str | None:
        """What citizens are told (SMP-00042): derived from the id, so opening a case is one INSERT."""
        return f"SMP-{self.id:05d}" if self.id is not None else None
    calls = relationship("Call", back_populates="case", order_by="Call.id")
    messages = relationship("Message", back_populates="case", order_by="Message.id")


class ClinicalNote(db.Model):
    """A doctor's note on a case; operators see the outcome, never the notes."""

    __tablename__ = "clinical_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"), index=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseEvent(db.Model):
    """One entry of a case's timeline: state change, note, claim, escalation, message."""

    __tablename__ = "case_event"
    # The supervisor's board and reports find a period's queue entries by kind and time. One partition per month of
    # `at` (crm.platform.partitions).
    __table_args__ = (Index("ix_case_event_kind_at", "kind", "at"), {"postgresql_partition_by": "RANGE (at)"})
    __mapper_args__: ClassVar[dict] = {"primary_key": ["id"]}  # an entry is its id (a sequence); the table's key has `at` too

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


monthly_partitions(CaseEvent.__table__)
