"""Long card-office work started in the browser: a registry import or a bulk card issue, with its progress."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import UTCDateTime, utcnow
from crm.platform.extensions import db

OFFICE_JOB_KINDS = ("registry_import", "card_issue")
OFFICE_JOB_STATES = ("queued", "running", "done", "failed")


class OfficeJob(db.Model):
    """One import or bulk issue: who started it, how far it is, what it did (a page reload asks for this row)."""

    __tablename__ = "office_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    stage: Mapped[str] = mapped_column(String(20), default="queued")
    started_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    file_name: Mapped[str | None] = mapped_column(String(200))  # as the registrar's PC named it
    stored_name: Mapped[str | None] = mapped_column(String(80))  # the upload's name in REGISTRY_UPLOAD_DIR
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last progress written


class CardPrintBatch(db.Model):
    """Cards sent to the print vendor together (PB-00012): who exported them and when; the cards point here."""

    __tablename__ = "card_print_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    issue_job_id: Mapped[int | None] = mapped_column(ForeignKey("office_job.id"))  # only that bulk issue's cards
    cards: Mapped[int] = mapped_column(default=0)

    @property
    def reference(self) -> str:
        """How the card office and the vendor name the batch."""
        return f"PB-{self.id:05d}"
