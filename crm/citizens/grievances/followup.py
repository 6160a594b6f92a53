"""After the deadline and after the answer: overdue grievances go up to the senior desk (a sweep), and the citizen
may reopen an answer within GRIEVANCE_REOPEN_DAYS or rate it."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from crm.citizens.grievances import desks, services
from crm.models import Grievance
from crm.models.base import utcnow
from crm.platform import audit
from crm.platform.errors import Refused
from crm.platform.extensions import db

DEFAULT_REOPEN_DAYS = 14
DEFAULT_ESCALATION_DAYS = 3
ANSWERED = ("resolved", "closed")
BATCH = 200


def reopen_days() -> int:
    """How long after its answer a citizen may reopen a grievance (GRIEVANCE_REOPEN_DAYS)."""
    return int(current_app.config.get("GRIEVANCE_REOPEN_DAYS", DEFAULT_REOPEN_DAYS))


def escalation_days() -> int:
    """How long a desk has an escalated grievance before it goes up again (GRIEVANCE_ESCALATION_DAYS)."""
    return int(current_app.config.get("GRIEVANCE_ESCALATION_DAYS", DEFAULT_ESCALATION_DAYS))


def escalate_overdue(now: datetime) -> int:
    """The sweep: every open grievance past its deadline goes up to the desk above its own, and again after
    GRIEVANCE_ESCALATION_DAYS more on that desk, until the senior desk. Its deadline stays the one the citizen was
    given, so it stays overdue (red) on the desk it reaches. Rows another process holds are skipped, so running in
    every process moves each grievance once."""
    waited = Grievance.escalated_at.is_(None) | (Grievance.escalated_at <= now - timedelta(days=escalation_days()))
    rows = db.session.scalars(select(Grievance).where(
        Grievance.status.in_(services.OPEN), Grievance.due_at < now, Grievance.routed_to != desks.senior_desk(), waited)
        .order_by(Grievance.due_at, Grievance.id).limit(BATCH).with_for_update(skip_locked=True)).all()
    for grievance in rows:
        before, up = grievance.routed_to, desks.senior_of(grievance.routed_to)
        grievance.routed_to, grievance.escalated_at, grievance.updated_at = up, now, now
        services.record(grievance, "escalated", at=now, from_desk=before, to_desk=up)
        audit.record("grievance_escalated", patient_id=grievance.patient_id, grievance=grievance.id,
                     from_desk=before, to_desk=up)
    return len(rows)


def can_reopen(grievance: Grievance, now: datetime | None = None) -> bool:
    """Answered, and answered no longer than GRIEVANCE_REOPEN_DAYS ago."""
    return (grievance.status in ANSWERED and grievance.resolved_at is not None
            and (now or utcnow()) <= grievance.resolved_at + timedelta(days=reopen_days()))


def reopen(grievance: Grievance, reason: str, via: str = "portal", now: datetime | None = None) -> Grievance:
    """The citizen is not satisfied: the grievance is open again on its desk with a fresh deadline, and texted."""
    now = now or utcnow()
    if not can_reopen(grievance, now):
        raise Refused("reopen_closed", _("This complaint can be reopened only within %(days)s days of its answer.",
                                         days=reopen_days()), 409)
    reason = str(reason or "").strip()
    if not 3 <= len(reason) <= services.MAX_BODY:
        raise Refused("reason_required", _("Please write why the answer did not help."), 422)
    grievance.status, grievance.reopened, grievance.rating = "open", grievance.reopened + 1, None
    grievance.due_at, grievance.updated_at = now + timedelta(days=services.days_for(grievance.category)), now
    services.record(grievance, "reopened", reason, at=now, status="open")
    audit.record("grievance_reopened", patient_id=grievance.patient_id, via=via, grievance=grievance.id)
    services.tell(grievance, "reopened")
    return grievance


def rate(grievance: Grievance, stars: object, via: str = "portal") -> Grievance:
    """The citizen rates the answer, 1 (poor) to 5 (very good), once per answer."""
    if grievance.status not in ANSWERED:
        raise Refused("not_answered", _("A complaint can be rated once it is answered."), 409)
    if grievance.rating is not None:
        raise Refused("rated", _("You have rated this answer already."), 409)
    if str(stars) not in ("1", "2", "3", "4", "5"):
        raise Refused("bad_rating", _("Choose from 1 to 5."), 422)
    grievance.rating, grievance.rated_at = int(str(stars)), utcnow()
    services.record(grievance, "rated", str(grievance.rating))
    audit.record("grievance_rated", patient_id=grievance.patient_id, via=via, grievance=grievance.id,
                 rating=grievance.rating)
    return grievance
