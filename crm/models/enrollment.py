"""Merges of duplicate residents, kept with what they changed so that each can be undone exactly; and requests
to join an existing household, which wait for the card office."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import UTCDateTime, utcnow
from crm.platform.extensions import db

JOIN_STATUSES = ("pending", "approved", "refused")


class PatientMerge(db.Model):
    """The duplicate was folded into the survivor; `changes` holds every value it overwrote."""

    __tablename__ = "patient_merge"

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    duplicate_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    reason: Mapped[str] = mapped_column(String(300), default="")
    score: Mapped[float | None] = mapped_column(Float)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))


class HouseholdJoin(db.Model):
    """A resident enrolled as a member of an existing household. Until the card office approves, the resident is
    not linked to it: their mobile sees none of the family's cards or contacts. The household's adults are told."""

    __tablename__ = "household_join"
    __table_args__ = (
        # One undecided request per resident.
        Index("uq_household_join_pending_patient", "patient_id", unique=True,
              postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    place: Mapped[str] = mapped_column(String(200), default="")  # where the enrolment was made
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    note: Mapped[str | None] = mapped_column(String(300))  # how it was verified, or why refused

    patient = relationship("Patient")
    household = relationship("Household")
    decided_by = relationship("StaffUser", foreign_keys=[decided_by_id])

    @property
    def reference(self) -> str | None:
        """What the household is told (HJ-00042)."""
        return f"HJ-{self.id:05d}" if self.id is not None else None


PAIR_STATUSES = ("open", "merged", "dismissed")
PAIR_SOURCES = ("import", "enrolment", "record")


class DuplicatePair(db.Model):
    """Two records that may be one resident, waiting for the card office's decision. One row per pair of records
    (the lower id first), so a re-import never queues it again and a dismissed pair stays dismissed."""

    __tablename__ = "duplicate_pair"
    __table_args__ = (
        Index("uq_duplicate_pair", "low_id", "high_id", unique=True),
        CheckConstraint("low_id < high_id", name="ck_duplicate_pair_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    low_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    high_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(10))  # PAIR_SOURCES: what found it
    job_id: Mapped[int | None] = mapped_column(ForeignKey("office_job.id"))  # the import that found it
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    note: Mapped[str | None] = mapped_column(String(300))  # why merged or dismissed
    merge_id: Mapped[int | None] = mapped_column(ForeignKey("patient_merge.id"))

    low = relationship("Patient", foreign_keys=[low_id])
    high = relationship("Patient", foreign_keys=[high_id])
    decided_by = relationship("StaffUser", foreign_keys=[decided_by_id])
