"""How long the short-lived secrets and sessions are kept, enforced by a sweep (README "Operations", retention).

Each rule names a table, the moment its row stops being needed, and the days it is kept after that (a setting,
RETENTION_<NAME>_DAYS). A pass deletes at most BATCH rows per rule, oldest first, so it never holds the sweep up;
a backlog goes in the next passes. Only rows past their period are touched: a live session or an unexpired code
never is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import ColumnElement, delete, func, select

from crm.models import CitizenSession, MessageSecret, PortalCode, StaffSession
from crm.platform import sweeps
from crm.platform.extensions import db

BATCH = 5000


@dataclass(frozen=True)
class Rule:
    """Rows of `model` whose `ended` moment is more than RETENTION_<name>_DAYS (default `days`) ago are deleted."""

    name: str
    model: type
    ended: ColumnElement
    days: int
    why: str


RULES = (
    Rule("portal_codes", PortalCode, PortalCode.expires_at, 1,
         "a citizen's sign-in code: useless once expired; the hour's send limit reads only the last hour"),
    Rule("message_secrets", MessageSecret, MessageSecret.expires_at, 1,
         "the sealed code of a sign-in text, kept only until the text is sent or the code expires"),
    Rule("citizen_sessions", CitizenSession, func.coalesce(CitizenSession.ended_at, CitizenSession.last_seen_at), 30,
         "a portal session (ip, times): kept a month after its end to look into misuse, then deleted"),
    Rule("staff_sessions", StaffSession, func.coalesce(StaffSession.ended_at, StaffSession.last_seen_at), 90,
         "a desk session (ip, times, why it ended): kept three months after its end for security review"),
)


def init_app(app: Flask) -> None:
    """Enforce every rule in each pass of the sweeps."""
    sweeps.register(app, "retention", purge)


def days(rule: Rule) -> int:
    """The period in force for `rule` (its setting, else its default)."""
    return int(current_app.config.get(f"RETENTION_{rule.name.upper()}_DAYS", rule.days))


def purge(now: datetime) -> dict[str, int]:
    """Delete the rows past their period, at most BATCH per rule; returns how many per rule."""
    done = {}
    for rule in RULES:
        key = rule.model.__mapper__.primary_key[0]
        expired = (select(key).where(rule.ended < now - timedelta(days=days(rule)))
                   .order_by(rule.ended).limit(BATCH).scalar_subquery())
        result = db.session.execute(delete(rule.model).where(key.in_(expired)).execution_options(
            synchronize_session=False))
        done[f"purged_{rule.name}"] = result.rowcount or 0
    return done
