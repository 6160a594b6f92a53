"""Per-account lockout: wrong passwords in a row lock the account for longer and longer.

The per-IP limit (LOGIN_RATE_LIMIT, on the login view) stops one machine guessing many accounts; this
stops many machines guessing one account, without locking colleagues who share the desk's IP.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm.attributes import set_committed_value

from crm.models import StaffUser
from crm.models.base import utcnow
from crm.platform import audit
from crm.platform.extensions import db

LOCK_AFTER = 5  # wrong passwords in a row before the first lock
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(minutes=60)


class AccountLocked(Exception):
    """Too many wrong passwords in a row: the account is locked for `minutes` more."""

    def __init__(self, minutes: int) -> None:
        super().__init__(f"locked for {minutes} min")
        self.minutes = minutes


def locked_for(staff: StaffUser) -> timedelta | None:
    """How much longer `staff` is locked out, or None."""
    if staff.locked_until is None:
        return None
    left = staff.locked_until - utcnow()
    return left if left > timedelta(0) else None


def lock_length(failures: int) -> timedelta | None:
    """The lock after this many wrong passwords in a row: 1 minute at LOCK_AFTER, doubling, at most an hour."""
    if failures < LOCK_AFTER:
        return None
    return min(FIRST_LOCK * 2 ** min(failures - LOCK_AFTER, 12), LONGEST_LOCK)


def take_try(staff: StaffUser) -> timedelta | None:
    """Count this password try before it is checked; refuses it (AccountLocked) while `staff` is locked.

    One conditional UPDATE ... SET failed_logins = failed_logins + 1 WHERE not locked decides whether the
    password is checked at all. Guesses sent in parallel queue on the row's lock until the one before them
    commits, so the try that reaches LOCK_AFTER locks the account for all that follow it: at most LOCK_AFTER
    are ever checked. A right password then clears the count (record_success). Returns the lock this try
    leaves if the password is wrong.
    """
    now = utcnow()
    failures = db.session.execute(
        update(StaffUser).where(StaffUser.id == staff.id,
                                or_(StaffUser.locked_until.is_(None), StaffUser.locked_until <= now))
        .values(failed_logins=StaffUser.failed_logins + 1)
        .returning(StaffUser.failed_logins).execution_options(synchronize_session=False)).scalar_one_or_none()
    if failures is None:
        db.session.refresh(staff)  # the lock another try has just committed
        raise AccountLocked(minutes(locked_for(staff) or timedelta(0)))
    set_committed_value(staff, "failed_logins", failures)
    length = lock_length(failures)
    if length is not None:
        staff.locked_until = now + length
    return length


def record_success(staff: StaffUser) -> None:
    """A right password outside a lock clears the count."""
    staff.failed_logins, staff.locked_until = 0, None


def unlock(staff: StaffUser, actor: StaffUser | None = None) -> bool:
    """Clear `staff`'s lock and count (an administrator's action, audited); returns whether it was locked."""
    was_locked = locked_for(staff) is not None
    record_success(staff)
    audit.record("staff_unlock", staff_id=actor.id if actor else None, target_staff_id=staff.id,
                 was_locked=was_locked)
    return was_locked


def minutes(left: timedelta) -> int:
    """Whole minutes, rounded up, for the message a person reads."""
    return max(1, -(-int(left.total_seconds()) // 60))
