"""Argon2id password hashing and staff account creation."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import StaffUser
from crm.models.base import utcnow
from crm.models.staff import ROLES

_hasher = PasswordHasher()
# Verifying against this when the username is unknown keeps response times alike.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
MIN_PASSWORD_LENGTH = 10


class StaffError(ValueError):
    """A staff account could not be created or changed; the message says why."""


def hash_password(password: str) -> str:
    """Argon2id hash of `password`."""
    return _hasher.hash(password)


def create_staff(
    username: str, role: str, password: str, name: str | None = None, specialty: str | None = None
) -> StaffUser:
    """Create a staff account, checking role, specialty and password length."""
    username = username.strip().lower()
    if role not in ROLES:
        raise StaffError(f"Unknown role {role!r}; choose one of: {', '.join(ROLES)}.")
    if specialty and role != "doctor":
        raise StaffError("Only doctors have a specialty.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if db.session.scalar(select(StaffUser).where(func.lower(StaffUser.username) == username)):
        raise StaffError(f"There is already a staff member called {username!r}.")
    staff = StaffUser(
        username=username,
        name=name or username,
        role=role,
        specialty=(specialty or "general_medicine") if role == "doctor" else None,
        password_hash=hash_password(password),
    )
    db.session.add(staff)
    db.session.commit()
    return staff


def authenticate(username: str, password: str) -> StaffUser | None:
    """The active staff member with these credentials, or None; rehashes outdated hashes."""
    staff = db.session.scalar(select(StaffUser).where(func.lower(StaffUser.username) == username.strip().lower()))
    try:
        _hasher.verify(staff.password_hash if staff else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if staff is None or not staff.active:
        return None
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    staff.last_login_at = utcnow()
    db.session.commit()
    return staff
