"""Staff accounts and their personal API tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import UTCDateTime, utcnow
from crm.platform.extensions import db

ROLES = ("operator", "doctor", "supervisor", "admin", "registrar", "officer", "field_verifier", "interop_officer")
# Each role in words, as every page and the API description name it (never the code with its underscore).
ROLE_LABELS = {"operator": "Operator", "doctor": "Doctor", "supervisor": "Supervisor", "admin": "Administrator",
               "registrar": "Registrar (card office)", "officer": "Grievance officer", "field_verifier": "Field verifier",
               "interop_officer": "Interoperability officer"}


def role_label(role: str | None) -> str:
    """A role in words."""
    return ROLE_LABELS.get(role or "", (role or "").replace("_", " ").capitalize())
PRESENCES = ("available", "on_call", "wrap_up", "break", "offline")
LANGUAGES = ("hi", "en", "pa", "ur")  # Delhi's four: Hindi, English, Punjabi (Gurmukhi), Urdu (Persian script)


class StaffUser(UserMixin, db.Model):
    """A person who logs in: operator, doctor, supervisor, admin or registrar."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    specialty: Mapped[str | None] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(200))
    desk_phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # available, on_call, wrap_up, break, offline: what the queue page shows and who gets alarmed.
    presence: Mapped[str] = mapped_column(String(12), default="offline", server_default="offline")
    presence_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_duty: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Wrong passwords in a row; from LOCK_AFTER on, each one locks the account for longer (crm.staff.auth.lockout).
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Whether the doctor's Tier 2 page last said its alarm can sound (the browser needs a click first).
    sound_on: Mapped[bool] = mapped_column(default=False, server_default=false())
    sound_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A grievance officer's desk: a facility code (HS-GTB) or a section (card_office, helpline).
    section: Mapped[str | None] = mapped_column(String(40))
    # Routing skills: the languages they speak (crm.models.staff.LANGUAGES), whether they interpret (offered a
    # caller of any language first once that caller has waited past LANGUAGE_WAIT_SECONDS), how many texts at once.
    languages: Mapped[list] = mapped_column(JSON, default=lambda: ["hi", "en"], server_default='["hi", "en"]')
    interpreter: Mapped[bool] = mapped_column(default=False, server_default=false())
    text_capacity: Mapped[int] = mapped_column(default=3, server_default="3")
    # Offers rung to them that ran out unanswered: the supervisor sees who misses calls.
    offers_missed: Mapped[int] = mapped_column(default=0, server_default="0")
    last_missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="staff")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def __repr__(self) -> str:
        return f"<StaffUser {self.username} {self.role}>"


class ApiToken(db.Model):
    """A personal bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None on tokens made before expiry existed

    staff: Mapped[StaffUser] = relationship(back_populates="tokens")


class StaffSession(db.Model):
    """One browser login, revocable from the server; the cookie holds only a random key whose SHA-256 is here."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(30))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class CaseOffer(db.Model):
    """A waiting case rung to one agent (automatic call distribution): accept takes it, reject or the timeout frees it.

    One row per case and one per agent, both unique: the database itself refuses a second offer of the same case or
    to the same agent, whatever the race (crm.helpline.distribution)."""

    __tablename__ = "case_offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), unique=True)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
