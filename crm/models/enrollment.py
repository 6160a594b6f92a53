"""Merges of duplicate residents, kept with what they changed so that each can be undone exactly."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db
from crm.models.base import UTCDateTime, utcnow


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
