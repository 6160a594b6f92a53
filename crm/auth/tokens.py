"""Personal API tokens: random, shown once, stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.extensions import db
from crm.models import ApiToken, StaffUser
from crm.models.base import utcnow

PREFIX = "smp_"
LAST_USED_PRECISION = timedelta(minutes=5)


def _digest(token: str) -> str:
    # A 256-bit random token needs no slow hash: SHA-256 lets us look it up by value.
    return hashlib.sha256(token.encode()).hexdigest()


def issue(staff: StaffUser, label: str = "") -> str:
    """Create a token for `staff`, store its hash, and return the token itself (shown once)."""
    token = PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(staff=staff, token_hash=_digest(token), label=label))
    db.session.commit()
    return token


def staff_for_token(token: str) -> StaffUser | None:
    """The active staff member a live token belongs to, or None."""
    if not token.startswith(PREFIX):
        return None
    # The token and its staff member in one query: every API call with a token starts here.
    row = db.session.scalar(
        select(ApiToken).options(joinedload(ApiToken.staff, innerjoin=True)).where(ApiToken.token_hash == _digest(token))
    )
    if row is None or row.revoked_at is not None or not row.staff.active:
        return None
    staff = row.staff
    now = utcnow()
    # Writing on every request would double the cost of an API call; a few minutes' precision is enough.
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
        row.last_used_at = now
        db.session.commit()
    return staff


def revoke_all(staff: StaffUser) -> int:
    """Revoke every live token of `staff`; returns how many."""
    rows = [t for t in staff.tokens if t.revoked_at is None]
    for row in rows:
        row.revoked_at = utcnow()
    db.session.commit()
    return len(rows)
