"""The audit log: who saw which patient record, when, how and for which case."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import UTCDateTime, utcnow
from crm.platform.extensions import db


class AuditLog(db.Model):
    """One access to patient data or one sensitive action; rows are never updated."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    card_number: Mapped[str | None] = mapped_column(String(12))
    via: Mapped[str | None] = mapped_column(String(20))
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    # A hospital system's access through the FHIR API (crm.hospitals.fhir): which registered client it was.
    hospital_client_id: Mapped[int | None] = mapped_column(ForeignKey("hospital_client.id"), index=True)
