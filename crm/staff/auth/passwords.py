"""Argon2id password hashing and staff account creation."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from crm.models import StaffUser
from crm.models.base import utcnow
from crm.models.staff import ROLES
from crm.platform import audit
from crm.platform.extensions import db
from crm.staff.auth import lockout, policy, sessions, tokens
from crm.staff.auth.lockout import AccountLocked

_hasher = PasswordHasher()
# Verifying against this when the username is unknown keeps response times alike.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
MIN_PASSWORD_LENGTH = policy.MIN_LENGTH


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
    refusal = policy.problem(password, username, name or "")
    if refusal:
        raise StaffError(refusal)
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
    db.session.flush()
    return staff


def _by_username(username: str) -> StaffUser | None:
    return db.session.scalar(select(StaffUser).where(func.lower(StaffUser.username) == username.strip().lower()))


def authenticate(username: str, password: str) -> StaffUser | None:
    """The active staff member with these credentials, or None; raises AccountLocked.

    Every attempt is audited and counted toward the account's lockout; flushed, the caller commits.
    """
    staff = _by_username(username)
    attempted = username.strip().lower()[:64]
    lock = None
    if staff is not None:
        try:
            lock = lockout.take_try(staff)
        except AccountLocked:
            # No verification during a lock: the right password must not be learnable by guessing through it.
            audit.record("login_locked", staff_id=staff.id, username=attempted)
            raise
    try:
        _hasher.verify(staff.password_hash if staff else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        audit.record("login_failed", staff_id=staff.id if staff else None, username=attempted,
                     locked_minutes=lockout.minutes(lock) if lock else None)
        db.session.flush()
        return None
    if staff is not None:
        lockout.record_success(staff)  # the try was no wrong password, whether or not the account may log in
    if staff is None or not staff.active:
        audit.record("login_failed", staff_id=staff.id if staff else None, username=attempted, inactive=True)
        return None
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    staff.last_login_at = utcnow()
    audit.record("login", staff_id=staff.id)
    return staff


def set_password(staff: StaffUser, password: str, actor: StaffUser | None = None) -> int:
    """Change (or reset) a password under the policy; every session of `staff` ends. Returns sessions ended."""
    refusal = policy.problem(password, staff.username, staff.name)
    if refusal:
        raise StaffError(refusal)
    staff.password_hash = hash_password(password)
    lockout.record_success(staff)
    ended = sessions.end_all(staff, "password_reset")
    audit.record("password_reset", staff_id=actor.id if actor else None, target_staff_id=staff.id,
                 sessions_ended=ended)
    return ended


def disable(staff: StaffUser, actor: StaffUser | None = None) -> None:
    """Disable an account: it cannot log in, its sessions end and its API tokens are revoked (flushed)."""
    staff.active = False
    ended = sessions.end_all(staff, "disabled")
    revoked = tokens.revoke_live(staff)
    audit.record("staff_disable", staff_id=actor.id if actor else None, target_staff_id=staff.id,
                 sessions_ended=ended, tokens_revoked=revoked)


def log_out_everywhere(staff: StaffUser, actor: StaffUser | None = None) -> int:
    """End every session of `staff` (they or an administrator asked); returns how many ended."""
    ended = sessions.end_all(staff, "everywhere")
    audit.record("logout_everywhere", staff_id=actor.id if actor else staff.id, target_staff_id=staff.id,
                 sessions_ended=ended)
    return ended
