"""Doctors' schedules (slots at facilities) and the appointments booked into them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import UTCDateTime, utcnow
from crm.platform.extensions import db
from crm.platform.security.bounds import PHONE


class Slot(db.Model):
    """A bookable time of one doctor at one facility."""

    __tablename__ = "slot"
    __table_args__ = (UniqueConstraint("doctor_id", "starts_at", name="uq_slot_doctor_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    specialty: Mapped[str] = mapped_column(String(60))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    minutes: Mapped[int] = mapped_column(default=15)

    doctor = relationship("StaffUser")
    facility = relationship("Facility")


class Appointment(db.Model):
    """A patient booked into a slot; a slot holds at most one live booking."""

    __tablename__ = "appointment"
    __table_args__ = (
        Index("uq_appointment_live_slot", "slot_id", unique=True,
              sqlite_where=text("status = 'booked'"), postgresql_where=text("status = 'booked'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id"), index=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(PHONE))
    language: Mapped[str] = mapped_column(String(10), default="hi")
    status: Mapped[str] = mapped_column(String(12), default="booked")  # booked, cancelled, moved
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moved_to_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"))

    slot = relationship("Slot")
    patient = relationship("Patient")
