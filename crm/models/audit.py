"""The audit log: who saw which patient record, when, how and for which case."""

from datetime import datetime
from typing import ClassVar

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import UTCDateTime, monthly_partitions, utcnow
from crm.platform.extensions import db


class AuditLog(db.Model):
    """One access to patient data or one sensitive action; rows are never updated."""

    __tablename__ = "audit_log"
    # One partition per month of `at` (crm.platform.partitions). The access log's searches for one patient, staff
    # member or case read each month's index newest first and stop at a page; break-the-glass reads are found
    # without reading the rest.
    __table_args__ = (
        Index("ix_audit_log_patient_at", "patient_id", "at"),
        Index("ix_audit_log_staff_at", "staff_id", "at"),
        Index("ix_audit_log_case_at", "case_id", "at"),
        Index("ix_audit_log_patient_ids", "patient_ids", postgresql_using="gin"),
        Index("ix_audit_log_break_glass", "at", postgresql_where=text("action IN ('break_glass', 'break_glass_reviewed')")),
        {"postgresql_partition_by": "RANGE (at)"},
    )
    # The rows are told apart by id alone (a sequence); the table's key has `at` too, as PostgreSQL asks of a
    # partitioned table's key.
    __mapper_args__: ClassVar[dict] = {"primary_key": ["id"]}

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, primary_key=True, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    action: Mapped[str] = mapped_column(String(40))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"))
    # A read of several residents at once (a list of cases, a worklist, duplicate candidates, a print batch): each of
    # them, so that every one of them finds the read in their access log (`crm.platform.audit.about`).
    patient_ids: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    card_number: Mapped[str | None] = mapped_column(String(12))
    via: Mapped[str | None] = mapped_column(String(20))
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    # A hospital system's access through the FHIR API (crm.hospitals.fhir): which registered client it was.
    hospital_client_id: Mapped[int | None] = mapped_column(ForeignKey("hospital_client.id"), index=True)


monthly_partitions(AuditLog.__table__)
