"""The citizen side: one-time sign-in codes, card requests and grievances filed by residents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import UTCDateTime, utcnow
from crm.platform.extensions import db
from crm.platform.security.bounds import PHONE

CARD_REQUEST_KINDS = ("revised", "duplicate")
CARD_REQUEST_STATUSES = ("submitted", "in_progress", "reissued", "rejected", "delivered")
GRIEVANCE_CATEGORIES = ("facility", "staff", "card_delivery", "helpline")
GRIEVANCE_STATUSES = ("open", "in_progress", "resolved", "closed")
GRIEVANCE_CHANNELS = ("portal", "sms", "whatsapp", "operator")
# What a grievance's history records: its filing, internal notes, replies to the citizen, moves, transfers,
# escalations, a reopening and a rating (crm.citizens.grievances).
GRIEVANCE_EVENTS = ("filed", "note", "reply", "status", "transfer", "escalated", "reopened", "rated")
DATA_REQUEST_KINDS = ("correction", "erasure")
DATA_REQUEST_STATUSES = ("open", "done", "refused")
# What a resident may ask to have corrected: the registry's fields about them, in their words ("other" for the rest).
CORRECTABLE_FIELDS = ("name", "name_hi", "dob", "sex", "address", "ward", "mobile", "epic", "abha", "blood_group",
                      "emergency_contact", "household", "other")
DATA_REQUEST_VALUE = 200  # the correct value, as typed
DATA_REQUEST_REASON = 500  # why: the resident's words
DATA_REQUEST_ANSWER = 300  # the card office's answer, which the resident reads


class CitizenSession(db.Model):
    """One portal sign-in, revocable from the server: the cookie carries a random key whose SHA-256 is here, so
    signing out ends it for a copy of the cookie too, and "sign out everywhere" ends the citizen's other devices."""

    __tablename__ = "citizen_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    mobile: Mapped[str] = mapped_column(String(20), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(30))


class PortalCode(db.Model):
    """One sign-in code sent (or, for a number not on the registry, pretended sent) to a mobile.

    Only an HMAC of the code is kept. A row is written for every request, registered number or not, so
    the per-number and per-IP limits count the same way and answer the same way for both.
    """

    __tablename__ = "portal_code"
    __table_args__ = (Index("ix_portal_code_mobile_created", "mobile", "created_at"),
                      Index("ix_portal_code_ip_created", "ip", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    mobile: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64))
    registered: Mapped[bool] = mapped_column(default=False)
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CardRequest(db.Model):
    """A resident's request for a revised or duplicate card: the card office's worklist."""

    __tablename__ = "card_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("health_card.id"))
    kind: Mapped[str] = mapped_column(String(12))  # revised, duplicate
    detail: Mapped[str] = mapped_column(Text, default="")  # what is wrong, or lost / damaged
    status: Mapped[str] = mapped_column(String(12), default="submitted", index=True)
    channel: Mapped[str] = mapped_column(String(12), default="portal")
    phone: Mapped[str | None] = mapped_column(String(PHONE))  # who is told of each change
    language: Mapped[str] = mapped_column(String(2), default="hi")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    note: Mapped[str | None] = mapped_column(String(300))  # the card office's answer (why rejected)
    new_card_id: Mapped[int | None] = mapped_column(ForeignKey("health_card.id"))
    # Asked from the portal by another adult of the household, not the card holder: the holder is told, and the
    # card office confirms with the holder before the old card is superseded (who confirmed, and when).
    for_another_adult: Mapped[bool] = mapped_column(default=False, server_default=false())
    holder_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    holder_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    patient = relationship("Patient")
    card = relationship("HealthCard", foreign_keys=[card_id])
    new_card = relationship("HealthCard", foreign_keys=[new_card_id])
    holder_confirmed_by = relationship("StaffUser", foreign_keys=[holder_confirmed_by_id])

    @property
    def reference(self) -> str | None:
        """What the citizen is told (CR-00042)."""
        return f"CR-{self.id:05d}" if self.id is not None else None


class Grievance(db.Model):
    """A complaint about a facility, staff, card delivery or the helpline, routed to an officer."""

    __tablename__ = "grievance"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(PHONE), index=True)
    language: Mapped[str] = mapped_column(String(2), default="hi")
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"), index=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    routed_to: Mapped[str] = mapped_column(String(40), index=True)  # an officer's section or facility code
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The desk's work after filing (crm.citizens.grievances): when it last went up to a senior desk, how often the
    # citizen reopened it, and the citizen's rating of the answer (1 to 5).
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened: Mapped[int] = mapped_column(default=0, server_default="0")
    rating: Mapped[int | None] = mapped_column()
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    facility = relationship("Facility")

    @property
    def reference(self) -> str | None:
        """What the citizen is told (GRV-00042)."""
        return f"GRV-{self.id:05d}" if self.id is not None else None


class GrievanceEvent(db.Model):
    """One step in a grievance's history: a note (staff only), a reply (the citizen reads it), a move, a transfer or
    escalation between desks, the citizen's reopening or rating."""

    __tablename__ = "grievance_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    grievance_id: Mapped[int] = mapped_column(ForeignKey("grievance.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # GRIEVANCE_EVENTS
    body: Mapped[str | None] = mapped_column(Text)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    from_desk: Mapped[str | None] = mapped_column(String(40))
    to_desk: Mapped[str | None] = mapped_column(String(40))
    channel: Mapped[str | None] = mapped_column(String(10))  # how a reply reached the citizen
    status: Mapped[str | None] = mapped_column(String(12))  # the grievance's status after a move
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff = relationship("StaffUser")


class DataRequest(db.Model):
    """A resident's request under the DPDP Act, 2023 to correct or erase their data. It changes nothing by itself: the
    card office decides it (done or refused, with an answer the resident reads) and makes any change through its
    ordinary tools, since health records and the card registry have legal retention duties."""

    __tablename__ = "data_request"
    __table_args__ = (
        # One undecided erasure request per resident; the rate limit counts a mobile's requests by time.
        Index("uq_data_request_open_erasure", "patient_id", unique=True,
              postgresql_where=text("kind = 'erasure' AND status = 'open'")),
        Index("ix_data_request_mobile_created", "mobile", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # correction, erasure
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    mobile: Mapped[str] = mapped_column(String(PHONE))  # the signed-in mobile that asked; told of the decision
    language: Mapped[str] = mapped_column(String(2), default="hi")
    field: Mapped[str | None] = mapped_column(String(20))  # a correction: one of CORRECTABLE_FIELDS
    correct_value: Mapped[str | None] = mapped_column(String(DATA_REQUEST_VALUE))
    reason: Mapped[str] = mapped_column(String(DATA_REQUEST_REASON), default="")
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    answer: Mapped[str | None] = mapped_column(String(DATA_REQUEST_ANSWER))

    patient = relationship("Patient")
    decided_by = relationship("StaffUser", foreign_keys=[decided_by_id])

    @property
    def reference(self) -> str | None:
        """What the resident is told (DR-00042)."""
        return f"DR-{self.id:05d}" if self.id is not None else None
