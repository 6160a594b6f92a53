"""Door-to-door verification: which verifier walks which ward, and the marks they bring back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from crm.models.base import UTCDateTime, utcnow
from crm.platform.extensions import db

OUTCOMES = ("verified", "delivered", "not_found", "moved")
RESULTS = ("applied", "recorded", "conflict")  # card changed / visit noted (no card change) / refused


class FieldAssignment(db.Model):
    """A ward given to a field verifier by the card office; one verifier per ward."""

    __tablename__ = "field_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    ward: Mapped[str] = mapped_column(String(80), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff = relationship("StaffUser", foreign_keys=[staff_id])


class FieldMark(db.Model):
    """One visit's outcome for one card, as recorded on the verifier's phone (maybe offline)."""

    __tablename__ = "field_mark"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Made on the phone when the mark is recorded: a resent mark is recognised, never applied twice.
    client_id: Mapped[str] = mapped_column(String(40), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    card_id: Mapped[int | None] = mapped_column(ForeignKey("health_card.id"), index=True)
    card_number: Mapped[str] = mapped_column(String(12))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"), index=True)
    ward: Mapped[str] = mapped_column(String(80), default="", index=True)
    outcome: Mapped[str] = mapped_column(String(12))
    via: Mapped[str] = mapped_column(String(8), default="manual")  # qr or manual
    note: Mapped[str] = mapped_column(String(500), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the phone's clock, when the mark was made
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    result: Mapped[str] = mapped_column(String(10))
    conflict: Mapped[str | None] = mapped_column(String(300))
    photo_type: Mapped[str | None] = mapped_column(String(20))
    photo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    staff = relationship("StaffUser", foreign_keys=[staff_id])
