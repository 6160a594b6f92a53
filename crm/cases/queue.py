"""The queues: tier 1, the emergency queue, general tier 2 and one per specialty, and who waits in them.

Claiming a case out of a queue is a lifecycle transition (crm.cases.lifecycle.claim / claim_next):
one conditional UPDATE, with FOR UPDATE SKIP LOCKED on PostgreSQL for "answer next", so exactly one
person wins a case, and a partial unique index refuses a second live call to the same person.
"""

from __future__ import annotations

from sqlalchemy import literal_column, select

from crm.cases.lifecycle import EMERGENCY, SCHEDULED, TIER1
from crm.cases.status import WAITING, WAITING_FOR_DOCTOR
from crm.models import Case, StaffUser
from crm.platform.extensions import db
from triage.specialties import GENERAL

__all__ = [
    "EMERGENCY",
    "IS_WAITING",
    "PRIORITY_ORDER",
    "QUEUE_ORDER",
    "SCHEDULED",
    "TIER1",
    "queues_of",
    "tier2_queue",
    "waiting",
    "waiting_for",
    "waiting_for_any_doctor",
]
# The order every queue is served and shown in, defined once: priority, then who waited longest.
# The priority text itself sorts P1 < P2 < P3 < P4 (crm.models.case.PRIORITIES, the only values written),
# so the partial index ix_case_waiting serves "answer next" without reading the whole queue.
PRIORITY_ORDER = Case.priority
QUEUE_ORDER = (PRIORITY_ORDER, Case.queued_at, Case.id)
# Waiting (claimable) cases, the states written out as constants, not bound parameters: the planner can then
# see that a query over them may use the partial index ix_case_waiting, whose predicate is the same list.
IS_WAITING = Case.status.in_([literal_column(f"'{state}'") for state in sorted(WAITING, reverse=True)])
MAX_LISTED = 200


def waiting(queue: str, limit: int = MAX_LISTED) -> list[Case]:
    """Cases waiting in `queue`: priority first, then who waited longest."""
    query = (
        select(Case)
        .where(Case.queue == queue, IS_WAITING)
        .order_by(*QUEUE_ORDER)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def tier2_queue(specialty: str | None) -> str:
    """The queue of a specialty ('tier2' for general medicine or none)."""
    return f"tier2:{specialty}" if specialty and specialty != GENERAL else "tier2"


def queues_of(doctor: StaffUser) -> tuple[str, ...]:
    """The queues a doctor takes cases from: emergencies, general, their specialty."""
    return (EMERGENCY, "tier2", tier2_queue(doctor.specialty))


def _for_doctors(queues) -> list[Case]:
    query = (select(Case).where(queues, Case.doctor_id.is_(None), Case.status.in_(WAITING_FOR_DOCTOR))
             .order_by((Case.queue != EMERGENCY), *QUEUE_ORDER).limit(MAX_LISTED))
    return list(db.session.scalars(query))


def waiting_for(doctor: StaffUser) -> list[Case]:
    """Cases waiting for this doctor: emergencies first, then by priority and wait."""
    return _for_doctors(Case.queue.in_(queues_of(doctor)))


def waiting_for_any_doctor() -> list[Case]:
    """Every case waiting in the emergency or a tier-2 queue (what a supervisor watches)."""
    return _for_doctors(Case.queue.like("tier2%") | (Case.queue == EMERGENCY))
