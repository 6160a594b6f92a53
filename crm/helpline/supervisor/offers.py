"""Reading the case timeline for figures: one row per case (its milestones), then one offer per queue it entered.

A case may be offered to more than one queue: tier 1 first, then tier 2 when escalated. Each offer has
its own clock: entered (joined the queue), answered (an operator claimed it, a doctor accepted it) or
abandoned (the caller hung up first). The milestones come from case_event in one grouped query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    and_,
    any_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy import case as when
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.orm import aliased

from crm.cases.queue import EMERGENCY, TIER1
from crm.models import Call, Case, CaseEvent
from crm.platform import direct_sql, replica
from crm.platform.extensions import db

ENTRY_KINDS = ("queued", "escalated")
TIER1_OUTCOMES = ("resolved", "informed", "escalated", "callback_scheduled")
MAX_WAITING = 200_000  # contacts waiting at once: far more than any queue holds


def _detail(key: str):
    return CaseEvent.detail[key].as_string()


# Plain timestamps: PostgreSQL hands them back aware already, and skipping the per-value type hook of
# UTCDateTime is most of the cost of reading 20,000 rows.
STAMP = DateTime(timezone=True)


def _first(condition):
    return func.min(when((condition, CaseEvent.at)), type_=STAMP)


def _staff(condition):
    """The staff member of the first such event: the one who answered is credited, not who came after (a referral's
    specialist, a second claim)."""
    first = func.array_agg(aggregate_order_by(CaseEvent.staff_id, CaseEvent.at, CaseEvent.id)).filter(condition)
    return type_coerce(first, ARRAY(Integer))[1]


def _count(condition):
    return func.sum(when((condition, 1), else_=0))


_BY_DOCTOR = func.coalesce(_detail("by"), "") == "doctor"
MILESTONES = {
    "opened": _first(CaseEvent.kind == "opened"),
    "tier1_at": _first((CaseEvent.kind == "queued") & (_detail("queue") == TIER1)),
    "emergency_at": _first((CaseEvent.kind == "queued") & (_detail("queue") == EMERGENCY)),
    "escalated_at": _first(CaseEvent.kind == "escalated"),
    "escalated_emergency": _count((CaseEvent.kind == "escalated") & (_detail("urgency") == "emergency")),
    "claimed_at": _first(CaseEvent.kind == "claimed"),
    "claimed_by": _staff(CaseEvent.kind == "claimed"),
    "accepted_at": _first(CaseEvent.kind == "accepted"),
    "accepted_by": _staff(CaseEvent.kind == "accepted"),
    "abandoned_at": _first(CaseEvent.kind == "abandoned"),
    "callback_requested_at": _first(CaseEvent.kind == "callback_requested"),
    "outcome_at": _first(CaseEvent.kind.in_(TIER1_OUTCOMES) & ~_BY_DOCTOR),
    "doctor_done_at": _first((CaseEvent.kind == "resolved") & _BY_DOCTOR),
    "referrals": _count(CaseEvent.kind == "referred"),
    "appointments": _count(CaseEvent.kind == "appointment_booked"),
}
CASE_FIELDS = ("channel", "priority", "language", "caller_phone", "outcome", "disposition", "reason", "wrap_up_until",
               "specialty", "created_at", "status")
STILL_WAITING = ("queued", "callback", "escalated")  # a case in these states waits in the queue of its last offer
_LATER = aliased(Case)


@dataclass
class CaseRow:
    """One case with the milestones of its timeline."""

    id: int
    channel: str
    priority: str
    language: str
    caller_phone: str | None
    outcome: str | None
    disposition: str | None
    reason: str | None
    wrap_up_until: datetime | None
    specialty: str | None
    created_at: datetime
    status: str | None
    next_contact_at: datetime | None  # the same caller's next case, whenever it came (only for a real number)
    opened: datetime | None
    tier1_at: datetime | None
    emergency_at: datetime | None
    escalated_at: datetime | None
    escalated_emergency: int
    claimed_at: datetime | None
    claimed_by: int | None
    accepted_at: datetime | None
    accepted_by: int | None
    abandoned_at: datetime | None
    callback_requested_at: datetime | None
    outcome_at: datetime | None
    doctor_done_at: datetime | None
    referrals: int
    appointments: int
    talk: float | None = None  # seconds the claiming operator's call legs were connected (None: no leg)

    @property
    def reference(self) -> str:
        """The case reference (SMP-00042)."""
        return f"SMP-{self.id:05d}"


@dataclass
class Offer:
    """One case offered to one queue, with its clock."""

    case: CaseRow
    queue: str  # tier1 (calls), texts (tier-1 SMS), tier2, emergency
    entered: datetime
    answered: datetime | None
    answered_by: int | None
    abandoned: datetime | None
    waiting: bool = False  # still in this queue, nobody has answered yet

    @property
    def wait(self) -> float | None:
        """Seconds from joining the queue to being answered or hanging up (None while waiting)."""
        end = self.answered or self.abandoned
        return (end - self.entered).total_seconds() if end else None


def case_rows(start: datetime, end: datetime) -> list[CaseRow]:
    """Every case that joined a queue in [start, end), with its milestones, the caller's next contact and
    the tier-1 talk time (the claiming operator's call legs), in one query."""
    in_period = (CaseEvent.at >= start) & (CaseEvent.at < end) & CaseEvent.kind.in_(ENTRY_KINDS)
    return _rows(select(CaseEvent.case_id).where(in_period).distinct())


def rows_of(case_ids: list[int]) -> list[CaseRow]:
    """These cases' rows (those with a timeline), read as the figures read every case."""
    return _rows(None, case_ids) if case_ids else []


def waiting_rows() -> list[CaseRow]:
    """The rows of the cases in a state that waits in a queue (STILL_WAITING): those a contact may wait in now."""
    # The ids first (ix_case_status): as a subquery, PostgreSQL looked for their lowest id along the primary key,
    # through every case ever opened.
    return rows_of([case_id for (case_id,) in direct_sql.run_on(db.session.connection(), _WAITING_IDS, {}).all()])


def case_row(case_id: int) -> CaseRow | None:
    """One case's row, read as the figures read every case (its report says what the figures count)."""
    rows = _rows(select(CaseEvent.case_id).where(CaseEvent.case_id == case_id).distinct())
    return rows[0] if rows else None


def _rows(entered, case_ids: list[int] | None = None) -> list[CaseRow]:
    """The rows of the cases `entered` selects, or of `case_ids` (a few, named: read by the index, never in
    parallel: starting the workers cost more than the read)."""
    connection = replica.connection()  # the read replica inside a report (crm.platform.replica.reads), else the primary
    if case_ids is not None:
        # One statement built and compiled once, its ids one array: a refresh reads the changed case's and the
        # waiting cases' rows so, where building, compiling and expanding the query each time cost more CPU than
        # PostgreSQL spent answering it.
        found = direct_sql.run_on(connection, _OF_IDS, {"ids": case_ids, "lowest": min(case_ids)}).all()
        return [CaseRow(*row) for row in found]
    # Case ids grow with time: the lowest one that entered bounds the timeline read to a range of the
    # case_id index instead of the whole table, however much history there is.
    lowest = select(func.min(entered.subquery().c.case_id)).scalar_subquery()
    query = _query(CaseEvent.case_id.in_(entered), lowest)
    # Its cost estimate makes PostgreSQL compile this query with JIT, which took 1.3 s of 2.1 s
    # (bench/README.md); the plan itself runs in well under a second.
    connection.exec_driver_sql("SET LOCAL jit = off")
    result = connection.execute(query).all()  # fetchall: row by row costs a third of the read
    return [CaseRow(*row) for row in result]


def _query(ours, lowest):
    """The cases' rows: the timeline rows `ours` pivoted into milestones, joined to the cases from id `lowest` on."""
    pivot = (select(CaseEvent.case_id, *(expr.label(name) for name, expr in MILESTONES.items()))
             .where(CaseEvent.case_id >= lowest, ours).group_by(CaseEvent.case_id).subquery())
    # The caller's next case: only a real number (+...) tells one caller from another ("anonymous" does not); once
    # the retention sweep removed the number (crm/cases/retention.py), the next contact it wrote down before.
    later = (select(func.min(_LATER.created_at, type_=STAMP))
             .where(_LATER.caller_phone == Case.caller_phone, _LATER.created_at > Case.created_at)
             .correlate(Case).scalar_subquery())
    next_contact = func.coalesce(type_coerce(Case.next_contact_at, STAMP),
                                 when((Case.caller_phone.startswith("+"), later)), type_=STAMP)
    talk = (select(func.sum(func.extract("epoch", Call.ended_at - Call.answered_at)))
            .where(Call.case_id == Case.id, Call.purpose == "staff", Call.staff_id == pivot.c.claimed_by,
                   Call.answered_at.is_not(None), Call.ended_at.is_not(None))
            .correlate(Case, pivot).scalar_subquery())
    columns = [type_coerce(getattr(Case, f), STAMP) if f in ("wrap_up_until", "created_at") else getattr(Case, f)
               for f in CASE_FIELDS]
    return (select(Case.id, *columns, next_contact, *(pivot.c[name] for name in MILESTONES), talk)
            .join(pivot, pivot.c.case_id == Case.id).where(Case.id >= lowest).order_by(Case.id))


_OF_IDS = _query(CaseEvent.case_id == any_(bindparam("ids", type_=ARRAY(Integer))), bindparam("lowest", type_=Integer))


def offers(rows: list[CaseRow]) -> list[Offer]:
    """The queue offers of these cases: tier 1 (calls or texts), then tier 2 or the emergency queue; the last offer
    of a case that still waits, unanswered, is marked waiting."""
    result = []
    for row in rows:
        first = len(result)
        if row.tier1_at:
            tier1 = "tier1" if row.channel == "voice" else "texts"
            answered = row.claimed_at if row.claimed_at and row.claimed_at >= row.tier1_at else None
            result.append(Offer(row, tier1, row.tier1_at, answered, row.claimed_by if answered else None,
                                _abandoned(row, row.tier1_at, answered)))
        emergency_entry = _earliest(row.emergency_at, row.escalated_at if row.escalated_emergency else None)
        if emergency_entry:
            answered = row.accepted_at if row.accepted_at and row.accepted_at >= emergency_entry else None
            result.append(Offer(row, "emergency", emergency_entry, answered, row.accepted_by if answered else None,
                                _abandoned(row, emergency_entry, answered)))
        elif row.escalated_at:
            answered = row.accepted_at if row.accepted_at and row.accepted_at >= row.escalated_at else None
            result.append(Offer(row, "tier2", row.escalated_at, answered, row.accepted_by if answered else None,
                                _abandoned(row, row.escalated_at, answered)))
        if len(result) > first and row.status in STILL_WAITING:
            last = result[-1]
            last.waiting = last.answered is None and last.abandoned is None
    return result


def _abandoned(row: CaseRow, entered: datetime, answered: datetime | None) -> datetime | None:
    gone = row.abandoned_at
    if gone is None or gone < entered or (answered is not None and answered <= gone):
        return None
    return gone


def _earliest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return min(present) if present else None


def status_in(states) -> ColumnElement:
    """Case.status IN these states, written as constants: once psycopg prepares a statement PostgreSQL may plan it
    for any parameters, and for a parameter list that plan scanned every case ever opened instead of ix_case_status."""
    return Case.status.in_([literal_column(f"'{state}'") for state in sorted(states)])


def waiting_now() -> list[tuple]:
    """The cases waiting right now: (id, channel, queue, status, queued_at, escalated_at, language)."""
    return [tuple(row) for row in direct_sql.run_on(db.session.connection(), _WAITING_NOW, {}).all()]


# Its moments only measure waits: read as PostgreSQL gives them (STAMP), no conversion per value.
_WAITING_NOW = select(Case.id, Case.channel, Case.queue, Case.status, type_coerce(Case.queued_at, STAMP),
                      type_coerce(Case.escalated_at, STAMP), Case.language).where(
    or_(and_(status_in(("queued", "callback")), Case.queue.in_((TIER1, EMERGENCY))),
        and_(status_in(("escalated",)), Case.doctor_id.is_(None)))).limit(MAX_WAITING)
_WAITING_IDS = select(Case.id).where(status_in(STILL_WAITING))
