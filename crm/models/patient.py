"""Residents from the population registry, their households and health cards."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import UTCDateTime, utcnow
from crm.platform.extensions import db

SEXES = ("M", "F", "O")
CARD_STATUSES = ("issued", "verified", "delivered", "superseded", "revoked")
CARD_REASONS = ("original", "revised", "duplicate")


class Household(db.Model):
    """A family as the registry maps it: residents sharing a registry household id."""

    __tablename__ = "household"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    address: Mapped[str] = mapped_column(String(400), default="")
    ward: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # A record merged into another is no member of any household list (crm/residents/enrollment/merge.py).
    members: Mapped[list[Patient]] = relationship(
        primaryjoin="and_(Household.id == Patient.household_id, Patient.merged_into_id.is_(None))",
        order_by="Patient.id", viewonly=True)


class Patient(db.Model):
    """A resident: identity from the registry plus the basic clinical record."""

    __tablename__ = "patient"
    __table_args__ = (
        # The joins that find likely duplicates after an import (crm/residents/duplicates/finding.py).
        Index("ix_patient_dob", "dob"),
        Index("ix_patient_address_lower", text("lower(address)")),
        Index("ix_patient_updated_at", "updated_at"),  # the residents an import wrote
        # Duplicate search at enrolment blocks on these (crm/residents/enrollment/matching.py); the field worklist
        # walks a ward's residents by household (crm/residents/field/worklist.py).
        # The search's columns included (the id too): its block is read from the index alone, not from rows all over
        # the table; by date of birth within a year, so it reads the namesakes born nearest first and stops at its
        # limit.
        Index("ix_patient_name_fold_birth_dob", "name_fold", "birth_year", "dob",
              postgresql_include=["id", "name", "sex", "mobile", "ward", "merged_into_id"]),
        Index("ix_patient_ward_dob", "ward", "dob"),
        Index("ix_patient_ward_household", "ward", "household_id", "id", postgresql_include=["merged_into_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registry_id: Mapped[str] = mapped_column(String(40), unique=True)
    epic: Mapped[str | None] = mapped_column(String(20), index=True)
    epic_valid: Mapped[bool | None] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    name_hi: Mapped[str | None] = mapped_column(String(200))
    # The name with its romanised spellings folded (crm.residents.enrollment.matching.fold_name, which keeps it in
    # step on every ORM write; bulk paths set it themselves).
    name_fold: Mapped[str | None] = mapped_column(String(200))
    dob: Mapped[date | None] = mapped_column(Date)
    birth_year: Mapped[int | None] = mapped_column()
    dob_estimated: Mapped[bool] = mapped_column(default=False)
    sex: Mapped[str] = mapped_column(String(1))
    mobile: Mapped[str | None] = mapped_column(String(20), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    relation: Mapped[str] = mapped_column(String(30), default="self")
    address: Mapped[str] = mapped_column(String(400), default="")
    ward: Mapped[str] = mapped_column(String(80), default="")
    preferred_language: Mapped[str] = mapped_column(String(2), default="hi")
    abha_number: Mapped[str | None] = mapped_column(String(14), index=True)  # 14 digits, no hyphens
    abha_address: Mapped[str | None] = mapped_column(String(80), index=True)  # lower case, e.g. asha.devi@abdm
    blood_group: Mapped[str | None] = mapped_column(String(4))
    allergies: Mapped[list] = mapped_column(JSON, default=list)
    chronic_conditions: Mapped[list] = mapped_column(JSON, default=list)
    current_medications: Mapped[list] = mapped_column(JSON, default=list)
    emergency_contact_name: Mapped[str | None] = mapped_column(String(200))
    emergency_contact_phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Enrolled at a hospital or designated place (not from the registry): where, and by whom.
    enrolled_where: Mapped[str | None] = mapped_column(String(200))
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # A duplicate folded into another record (crm/residents/enrollment/merge.py); None again once undone.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"), index=True)

    household: Mapped[Household | None] = relationship()
    cards: Mapped[list[HealthCard]] = relationship(
        back_populates="patient", order_by="HealthCard.version", foreign_keys="HealthCard.patient_id"
    )

    @property
    def survivor(self) -> Patient:
        """The record this one was merged into (through any chain of merges), or this one: links follow it."""
        record = self
        for _ in range(50):  # merges never form a cycle (merge refuses a merged record); bounded all the same
            if record.merged_into_id is None:
                break
            record = db.session.get(Patient, record.merged_into_id)
        return record

    @property
    def current_card(self) -> HealthCard | None:
        """The card that is neither superseded nor revoked, if any."""
        live = [c for c in self.cards if c.status not in ("superseded", "revoked")]
        return live[-1] if live else None


class HealthCard(db.Model):
    """One printed card: number, version and the signed QR it carries."""

    __tablename__ = "health_card"
    __table_args__ = (
        # At most one live card per resident, enforced by the database itself.
        Index(
            "uq_health_card_live_patient",
            "patient_id",
            unique=True,
            postgresql_where=text("status IN ('issued', 'verified', 'delivered')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(12), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    reason: Mapped[str] = mapped_column(String(12), default="original")
    status: Mapped[str] = mapped_column(String(12), default="issued")
    qr_token: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    verified_where: Mapped[str | None] = mapped_column(String(300))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    delivered_note: Mapped[str | None] = mapped_column(String(300))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("health_card.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(300))
    issue_job_id: Mapped[int | None] = mapped_column(ForeignKey("office_job.id"), index=True)  # the bulk issue, if any
    print_batch_id: Mapped[int | None] = mapped_column(ForeignKey("card_print_batch.id"), index=True)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # sent to the print vendor in that batch

    patient: Mapped[Patient] = relationship(back_populates="cards", foreign_keys=[patient_id])
    superseded_by: Mapped[HealthCard | None] = relationship(remote_side=[id])
