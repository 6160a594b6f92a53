"""Hospital systems that use the FHIR API, and the medical history they send.

A registered client authenticates with a JWT signed by its own key (SMART Backend Services); each
assertion's `jti` is kept until it expires so a replayed assertion is refused. What a hospital sends
is stored resource by resource, with the hospital and the date, keyed by the hospital's own
identifiers so a resent Bundle changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import UTCDateTime, utcnow
from crm.platform.extensions import db

HISTORY_KINDS = ("encounter", "condition", "allergy", "medication", "observation", "report")


class HospitalClient(db.Model):
    """A hospital system given access by an interoperability officer (created_by): its public key and what it may do."""

    __tablename__ = "hospital_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))
    jwk: Mapped[dict] = mapped_column(JSON)  # the public key as a JWK, or a JWK Set {"keys": [...]}; {} with a jwks_url
    jwks_url: Mapped[str | None] = mapped_column(String(500))  # where the hospital publishes its keys (fetched, cached)
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    last_token_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    facility = relationship("Facility")
    created_by = relationship("StaffUser", foreign_keys=[created_by_id])


class ClientAssertion(db.Model):
    """An assertion id already used by a client; kept until the assertion expires (replay guard)."""

    __tablename__ = "client_assertion"
    __table_args__ = (UniqueConstraint("client_id", "jti", name="uq_client_assertion_jti"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("hospital_client.id"), index=True)
    jti: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class HospitalBundle(db.Model):
    """A transaction Bundle a hospital posted: its identifier and the answer given (a resend gets it again)."""

    __tablename__ = "hospital_bundle"
    __table_args__ = (UniqueConstraint("client_id", "identifier", name="uq_hospital_bundle_identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("hospital_client.id"), index=True)
    identifier: Mapped[str] = mapped_column(String(300))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    response: Mapped[dict] = mapped_column(JSON)
    # What the Bundle said (crm.hospitals.fhir.ingest): a resend is only a resend when it says the same again; a
    # different Bundle under a reused identifier is stored, never answered with the first one's reply.
    content_hash: Mapped[str | None] = mapped_column(String(80))


class HospitalMatch(db.Model):
    """A Bundle that names no resident by identifier while its name, sex and birth date fit some: held, unfiled,
    until a member of the card office confirms which resident it is about (or that it is none of them)."""

    __tablename__ = "hospital_match"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("hospital_client.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    document: Mapped[bool] = mapped_column(default=False)  # a document Bundle (POST [base]/Bundle) or a transaction
    bundle: Mapped[dict] = mapped_column(JSON)  # as posted, validated; filed as it is once confirmed
    scopes: Mapped[list] = mapped_column(JSON, default=list)  # the client's scopes when it posted
    content_hash: Mapped[str] = mapped_column(String(80), index=True)  # a resend of a held Bundle is not held twice
    sent: Mapped[dict] = mapped_column(JSON)  # the Patient as the hospital describes it: names, sex, birth date, ids
    candidate_ids: Mapped[list] = mapped_column(JSON)  # the residents whose name, sex and birth date fit
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending, confirmed, rejected
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"))  # the resident confirmed
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client = relationship("HospitalClient")
    decided_by = relationship("StaffUser", foreign_keys=[decided_by_id])


class HospitalRecord(db.Model):
    """One resource of a patient's history from a hospital (condition, allergy, medication, ...)."""

    __tablename__ = "hospital_record"
    __table_args__ = (UniqueConstraint("client_id", "resource_type", "source_key", name="uq_hospital_record_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for the context a hospital sends around a patient's records (its Organization, Practitioner ...)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("hospital_client.id"), index=True)
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("hospital_bundle.id"))
    resource_type: Mapped[str] = mapped_column(String(40))
    source_key: Mapped[str] = mapped_column(String(300))  # the hospital's identifier (system|value) of the resource
    kind: Mapped[str] = mapped_column(String(20))  # one of HISTORY_KINDS
    summary: Mapped[str] = mapped_column(Text)  # what a person reads: "BP 150/95 mmHg", "Metformin 500 mg"
    status: Mapped[str | None] = mapped_column(String(40))  # active, stopped, refuted, final, ...
    recorded_for: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when it happened, as the hospital says
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    resource: Mapped[dict] = mapped_column(JSON)  # the validated resource as stored (references rewritten)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # grows when the content changes

    client = relationship("HospitalClient")
