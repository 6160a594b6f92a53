"""How long each kind of personal data is kept, enforced by a sweep (README "Personal data: what is kept").

Each rule names the data, the moment its period counts from, the days it is kept after that (a setting,
RETENTION_<NAME>_DAYS, checked at start), what happens then (deleted, a body replaced, a case anonymised) and why
the period is what it is. The platform's own rules are here (secrets and sessions); an area registers the rules of
its data (crm/cases/retention.py: message bodies, closed cases). A pass applies each rule to at most BATCH rows,
oldest first, so it never holds the sweep up; a backlog goes in the next passes. Only rows past their period are
touched, and doing a rule twice changes nothing the second time.

The README's table is checked against these rules (tests/ops/test_retention_readme.py): `table_rows(app)` is what
its "sweep" rows must say, word for word.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from crm.config import ConfigError
from crm.models import CitizenSession, MessageSecret, PortalCode, StaffSession
from crm.platform import sweeps
from crm.platform.extensions import db

log = logging.getLogger(__name__)
BATCH = 5000
RULES_KEY = "sampark_retention_rules"


@dataclass(frozen=True)
class Rule:
    """One kind of personal data: kept `days` (RETENTION_<name>_DAYS) `after` a moment, then `apply`d."""

    name: str
    days: int
    data: str  # what it is, as the README's table names it
    purpose: str
    after: str  # the moment the period counts from: "after the code expires"
    outcome: str  # what happens then: "deleted"
    why: str  # why this period: the rule of law or the need behind it, and what was assumed
    verb: str  # the word a pass reports its count under: purged_<name>, redacted_<name>, anonymised_<name>
    apply: Callable[[datetime, datetime, int], int]  # (cutoff, now, batch) -> rows done; rows ended before cutoff
    least: int = 1  # the shortest period this rule can keep its promises with

    @property
    def setting(self) -> str:
        """The setting that overrides the period."""
        return f"RETENTION_{self.name.upper()}_DAYS"


def deleting(model: type, ended: ColumnElement) -> Callable[[datetime, datetime, int], int]:
    """A rule's action: delete the rows of `model` whose `ended` moment is before the cutoff, oldest first."""

    def apply(cutoff: datetime, now: datetime, batch: int) -> int:
        key = model.__mapper__.primary_key[0]
        expired = select(key).where(ended < cutoff).order_by(ended).limit(batch).scalar_subquery()
        result = db.session.execute(delete(model).where(key.in_(expired)).execution_options(synchronize_session=False))
        return result.rowcount or 0

    return apply


# DPDP Rules 2025, rule 8(3) (in force from 13 May 2027): the logs of processing personal data (who signed in, from
# which address, when) are kept at least one year; CERT-In's directions of 28 April 2022 ask for 180 days of logs.
LOG_YEAR = "a log of processing: DPDP Rules 2025 r. 8(3) keeps such logs at least a year (CERT-In: 180 days)"
RULES = (
    Rule("portal_codes", 1, "citizens' sign-in codes (`portal_code`: hashed code, mobile, ip, times)",
         "signing in to the portal; the hourly send limit", "after the code expires", "deleted",
         "a secret, useless once expired; the sign-in it allowed is logged by the session and the text by its message",
         "purged", deleting(PortalCode, PortalCode.expires_at)),
    Rule("message_secrets", 1, "sealed codes of sign-in texts (`message_secret`)", "sending the code by SMS",
         "after the code expires", "deleted",
         "a secret, kept only until its text is sent; the text's own row stays with the message rules",
         "purged", deleting(MessageSecret, MessageSecret.expires_at)),
    Rule("citizen_sessions", 365, "citizen portal sessions (`citizen_session`: mobile, ip, times)",
         "keeping a resident signed in; looking into misuse", "after the session ends", "deleted",
         LOG_YEAR, "purged",
         deleting(CitizenSession, func.coalesce(CitizenSession.ended_at, CitizenSession.last_seen_at))),
    Rule("staff_sessions", 365, "staff desk sessions (`staff_session`: ip, times, how it ended)",
         "signing staff in; security review", "after the session ends", "deleted",
         LOG_YEAR, "purged",
         deleting(StaffSession, func.coalesce(StaffSession.ended_at, StaffSession.last_seen_at))),
)


def init_app(app: Flask) -> None:
    """The platform's rules, and every registered rule applied in each pass of the sweeps."""
    for rule in RULES:
        register(app, rule)
    sweeps.register(app, "retention", purge)


def register(app: Flask, rule: Rule) -> None:
    """Enforce `rule` in this app's sweeps; a period set below what the rule allows stops the start, naming it."""
    days_in_force(app.config, rule)
    app.extensions.setdefault(RULES_KEY, {})[rule.name] = rule


def rules(app: Flask) -> list[Rule]:
    """Every rule this app enforces, in the order registered."""
    return list(app.extensions.get(RULES_KEY, {}).values())


def days_in_force(config, rule: Rule) -> int:
    """The period of `rule` in force: its setting, else its default."""
    value = config.get(rule.setting, rule.days)
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{rule.setting} must be a whole number of days, not {value!r}") from None
    if days < rule.least:
        raise ConfigError(f"{rule.setting} must be at least {rule.least} days ({rule.data})")
    return days


def days(rule: Rule) -> int:
    """The period in force for `rule` in the current app."""
    return days_in_force(current_app.config, rule)


def purge(now: datetime, batch: int = BATCH) -> dict[str, int]:
    """Apply every rule to at most `batch` rows past its period; returns how many per rule."""
    done = {}
    for rule in rules(current_app):
        try:
            with db.session.begin_nested():  # a rule that fails is undone alone: the alarms in this pass still go
                done[f"{rule.verb}_{rule.name}"] = rule.apply(now - timedelta(days=days(rule)), now, batch)
        except SQLAlchemyError:
            log.exception("retention rule %s failed; it is tried again in the next pass", rule.name)
            done[f"{rule.verb}_{rule.name}"] = 0
    return done


def table_row(rule: Rule, app: Flask) -> str:
    """The README table's row for `rule`, with the period in force in `app`."""
    return (f"| {rule.data} | {rule.purpose} | {period(days_in_force(app.config, rule))} {rule.after}, then "
            f"{rule.outcome} | {rule.why} | sweep, `{rule.setting}` |")


def period(days: int) -> str:
    """A period as people say it: "1 day", "365 days (1 year)"."""
    said = f"{days} day{'' if days == 1 else 's'}"
    years = days // 365
    return f"{said} ({years} year{'' if years == 1 else 's'})" if days % 365 == 0 else said


def table_rows(app: Flask) -> list[str]:
    """The README table's rows for every rule `app` enforces."""
    return [table_row(rule, app) for rule in rules(app)]
