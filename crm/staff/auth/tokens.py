"""Personal API tokens: random, shown once, stored as SHA-256; they expire and can be revoked."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import CTE, Update, and_, bindparam, func, inspect, literal_column, or_, select, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from crm.models import ApiToken, StaffUser
from crm.models.base import iso, utcnow
from crm.platform import audit, unit_of_work
from crm.platform.errors import Refused
from crm.platform.extensions import db

PREFIX = "smp_"
TOKEN_LENGTH = 47  # PREFIX + 43 characters of token_urlsafe(32)
LAST_USED_MINUTES = 5
LAST_USED_PRECISION = timedelta(minutes=LAST_USED_MINUTES)
DEFAULT_DAYS = 90
MAX_DAYS = 366


def live(now) -> object:
    """Whether a token (api_token joined to its staff_user) works at `now`: not revoked, not expired (a token from
    before expiry existed lives DEFAULT_DAYS from its creation), its staff member active. The one statement of the
    rule, in SQL, for every statement that checks a token."""
    return and_(ApiToken.revoked_at.is_(None), StaffUser.active.is_(True),
                func.coalesce(ApiToken.expires_at,
                              ApiToken.created_at + literal_column(f"interval '{DEFAULT_DAYS} days'")) > now)


_STAFF = [(prop.key, prop.columns[0].name) for prop in inspect(StaffUser).column_attrs]
_NOW = bindparam("now", type_=ApiToken.__table__.c.created_at.type)
# The live token's staff member and whether its last use is due to be written, in one round trip, built once and
# sent by the one runner: every API call with a token starts here (through the ORM it cost a third of a lookup).
_BY_HASH = (select(*StaffUser.__table__.c, ApiToken.id.label("token_id"),
                   or_(ApiToken.last_used_at.is_(None),
                       ApiToken.last_used_at < _NOW - literal_column(f"interval '{LAST_USED_MINUTES} minutes'"))
                   .label("use_due"))
            .join(StaffUser, StaffUser.id == ApiToken.staff_id)
            .where(ApiToken.token_hash == bindparam("token_hash"), live(_NOW)))


def _used(which) -> Update:
    """The token's last use written (`which`: a condition on api_token.id), returning its id."""
    return update(ApiToken).where(which).values(last_used_at=_NOW).returning(ApiToken.id)


_USED = _used(ApiToken.id == bindparam("token_id"))


def checked_in(roles: frozenset[str]) -> tuple[CTE, CTE]:
    """The token check as part of the statement that does a request's work (one round trip for a whole API call,
    crm.staff.auth.access.answers_token_in_one_statement): `viewer`, the live token's staff member when their role is
    one of `roles` (the columns of the one query of a token, `_BY_HASH`: staff_user's, token_id, use_due), and `used`,
    which writes the token's last use when due (add it to the statement with add_cte). Bind parameters token_hash
    and now. No row in `viewer`: a token that is not live, or a role not among `roles`."""
    viewer = _BY_HASH.where(StaffUser.role.in_(sorted(roles))).cte("viewer")
    used = _used(ApiToken.id.in_(select(viewer.c.token_id).where(viewer.c.use_due))).cte("used")
    return viewer, used


def _digest(token: str) -> str:
    # A 256-bit random token needs no slow hash: SHA-256 lets us look it up by value.
    return hashlib.sha256(token.encode()).hexdigest()


def hash_of(token: str) -> str | None:
    """The stored form of `token`, or None for text that cannot be a token (no query needed to refuse it)."""
    if not token.startswith(PREFIX) or len(token) > TOKEN_LENGTH:
        return None
    return _digest(token)


def default_days() -> int:
    """How long a new token lives unless told otherwise (API_TOKEN_DAYS, 90 by default)."""
    return int(current_app.config.get("API_TOKEN_DAYS", DEFAULT_DAYS)) if has_app_context() else DEFAULT_DAYS


def issue(staff: StaffUser, label: str = "", days: int | None = None) -> str:
    """Create a token for `staff` valid for `days`, store its hash, and return the token itself (shown once)."""
    days = default_days() if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise Refused("bad_days", f"A token lives between 1 and {MAX_DAYS} days.", 422)
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(staff=staff, token_hash=_digest(token), label=label[:100], expires_at=utcnow() + timedelta(days=days))
    db.session.add(row)
    db.session.flush()
    audit.record("token_issue", staff_id=staff.id, token_id=row.id, days=days)
    db.session.commit()
    return token


def expires_at(row: ApiToken):
    """When the token stops working; tokens from before expiry existed get the default life from creation."""
    return row.expires_at or row.created_at + timedelta(days=DEFAULT_DAYS)


def staff_for_token(token: str) -> StaffUser | None:
    """The active staff member a live, unexpired token belongs to (`live`), or None."""
    token_hash = hash_of(token)
    if token_hash is None:
        return None
    now = utcnow()
    found = unit_of_work.run_in(_BY_HASH, {"token_hash": token_hash, "now": now}).first()
    if found is None:
        return None
    # Writing on every request would double the cost of an API call; a few minutes' precision is enough.
    if found.use_due:
        unit_of_work.run_in(_USED, {"token_id": found.token_id, "now": now})
        db.session.commit()
    return _attached(found)


def _attached(row) -> StaffUser:
    """The staff member of `row` (all of staff_user's columns) as the session's own, as a query would have loaded
    them: the instance the session already holds, else one made from the row without asking the database again."""
    session = db.session()
    held = session.identity_map.get(identity_key(StaffUser, row.id))
    if held is not None:
        return held
    staff = StaffUser(**{key: getattr(row, column) for key, column in _STAFF})
    make_transient_to_detached(staff)
    session.add(staff)
    return staff


def of(staff: StaffUser) -> list[ApiToken]:
    """Every token of `staff`, newest first, live or not (what the staff member and admins are shown)."""
    query = select(ApiToken).where(ApiToken.staff_id == staff.id).order_by(ApiToken.id.desc()).limit(200)
    return list(db.session.scalars(query))


def describe(row: ApiToken) -> dict:
    """A token as shown to people: never the token itself, which is not stored."""
    state = "revoked" if row.revoked_at else ("expired" if expires_at(row) <= utcnow() else "live")
    return {"id": row.id, "label": row.label, "state": state, "created_at": iso(row.created_at),
            "expires_at": iso(expires_at(row)), "last_used_at": iso(row.last_used_at), "revoked_at": iso(row.revoked_at)}


def revoke(token_id: int, actor: StaffUser | None) -> ApiToken:
    """Revoke one token: its owner, an administrator or the server's CLI (actor None) may; flushed, audited."""
    row = db.session.get(ApiToken, token_id)
    if row is None or (actor is not None and row.staff_id != actor.id and actor.role != "admin"):
        # The same answer for someone else's token as for none: token ids reveal nothing.
        raise Refused("not_found", "You have no such token.", 404)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record("token_revoke", staff_id=actor.id if actor else None, via="web" if actor else "cli",
                     token_id=row.id, owner_id=row.staff_id)
    db.session.flush()
    return row


def revoke_live(staff: StaffUser) -> int:
    """Revoke every live token of `staff` (flushed); returns how many."""
    rows = [t for t in staff.tokens if t.revoked_at is None]
    for row in rows:
        row.revoked_at = utcnow()
    db.session.flush()
    return len(rows)


def revoke_all(staff: StaffUser) -> int:
    """Revoke every live token of `staff` and commit; returns how many."""
    count = revoke_live(staff)
    db.session.commit()
    return count
