"""Queues and claims: exactly one staff member wins a case, whatever the race.

A claim is one conditional UPDATE. On PostgreSQL "answer next" picks its row with
FOR UPDATE SKIP LOCKED, so concurrent claimers never wait on each other or get the same case; a
partial unique index refuses a second live call to the same person.
"""

from __future__ import annotations

from sqlalchemy import case as sql_case
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from crm.cases import timeline
from crm.extensions import db
from crm.models import Case, StaffUser
from crm.models.base import utcnow

CLAIMABLE = ("queued", "callback")
PRIORITY_ORDER = sql_case({"P1": 1, "P2": 2, "P3": 3, "P4": 4}, value=Case.priority, else_=5)


class AlreadyOnCall(Exception):
    """The staff member already holds a live call; finish it first."""


def waiting(queue: str, limit: int = 200) -> list[Case]:
    """Cases waiting in `queue`: priority first, then who waited longest."""
    query = (
        select(Case)
        .where(Case.queue == queue, Case.status.in_(CLAIMABLE))
        .order_by(PRIORITY_ORDER, Case.queued_at, Case.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def claim(case_id: int, staff: StaffUser, queues: tuple[str, ...] = ("tier1",)) -> Case | None:
    """Give case `case_id` to `staff` if it is still waiting in one of `queues`; None if someone won it."""
    condition = (Case.id == case_id) & Case.status.in_(CLAIMABLE) & Case.queue.in_(queues)
    return _take(condition, staff)


def claim_next(staff: StaffUser, queues: tuple[str, ...] = ("tier1",)) -> Case | None:
    """Give `staff` the most urgent, longest-waiting case of `queues`; None if nothing waits."""
    pick = (
        select(Case.id)
        .where(Case.status.in_(CLAIMABLE), Case.queue.in_(queues))
        .order_by(PRIORITY_ORDER, Case.queued_at, Case.id)
        .limit(1)
    )
    if db.engine.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    return _take(Case.id == pick.scalar_subquery(), staff)


def _take(condition, staff: StaffUser) -> Case | None:
    now = utcnow()
    statement = (
        update(Case)
        .where(condition)
        .values(status="in_progress", assigned_to_id=staff.id, claimed_at=now, updated_at=now)
        .returning(Case.id)
        .execution_options(synchronize_session=False)
    )
    try:
        won = db.session.execute(statement).scalar_one_or_none()
    except IntegrityError as exc:
        db.session.rollback()
        raise AlreadyOnCall(f"{staff.name} already holds a live call.") from exc
    if won is None:
        db.session.rollback()
        return None
    case = db.session.get(Case, won, populate_existing=True)
    timeline.add_event(case, "claimed", staff_id=staff.id, queue=case.queue)
    db.session.commit()
    return case

