"""The case lifecycle: with crm.cases.voice (a call's steps), the only code that changes `Case.status`.

Each transition checks the state it starts from (crm.cases.status.TRANSITIONS), writes the change,
puts it on the case timeline and collects the live event that is sent after the commit. Races between
people (two operators, two doctors) are settled by one conditional UPDATE; a late or repeated request
is refused with a Refused error, or (for webhooks, which Twilio repeats) answered with False.
Nothing here commits: the request, job or sweep that called it does.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import Integer, bindparam, literal_column, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from crm.cases import alarms, legs, timeline
from crm.cases.queue import EMERGENCY, SCHEDULED, TIER1
from crm.cases.status import TRANSITIONS, Status
from crm.helpline.live import events
from crm.models import Case, Patient, StaffUser
from crm.models.base import UTCDateTime, utcnow
from crm.platform import unit_of_work
from crm.platform.errors import Refused
from crm.platform.extensions import db


def refuse_unless(case: Case, transition: str) -> None:
    """Refuse (409) if `transition` may not start from the case's state."""
    rule = TRANSITIONS[transition]
    if case.status not in rule.sources:
        state = str(case.status).replace("_", " ")
        raise Refused("wrong_state", f"Case {case.reference} is {state}; it cannot be {rule.verb} now.", 409)


def move(case: Case, transition: str, event: str | None = None, staff: StaffUser | None = None,
         live: str | None = None, **detail) -> Case:
    """Apply `transition` to a loaded case: check, change, log on the timeline, announce."""
    refuse_unless(case, transition)
    target = TRANSITIONS[transition].target
    if target is not None:
        case.status = target
    case.updated_at = utcnow()
    if event:
        timeline.add_event(case, event, staff_id=staff.id if staff else None,
                           **{k: v for k, v in detail.items() if v is not None})
    events.case_changed(case, live or f"case.{event or transition}")
    return case


# Bind parameters of a taking statement, filled at each execution: it can then be built once and reused.
NOW = bindparam("take_now", type_=UTCDateTime())
STAFF = bindparam("take_staff", type_=Integer())


def starts_from(transition: str):
    """The condition "the case is in a state `transition` starts from" (crm.cases.status.TRANSITIONS), the states
    written as constants: the planner can then match a partial index over the same states (ix_case_waiting)."""
    return Case.status.in_([literal_column(f"'{state}'") for state in sorted(TRANSITIONS[transition].sources,
                                                                             reverse=True)])


def taking(pick, transition: str, event: str, **values):
    """The one statement of a take (a claim, a doctor's acceptance): the case picked by `pick` (a SELECT of Case.id
    and Case.queue that locks what it picks), if in a state `transition` starts from, gets the transition's target
    state and `values` and its timeline row, and comes back whole: one round trip.

    `values` may use NOW and STAFF. Build it once where the pick's shape is fixed (claim, claim_next, accept):
    building the statement costs more than running it. The pick locks the row and rechecks its state, so the UPDATE
    of the picked row cannot miss; the timeline row is inserted from the same pick (PostgreSQL evaluates a WITH
    query once)."""
    rule = TRANSITIONS[transition]
    values = {"status": rule.target, "updated_at": NOW, **values} if rule.target else {"updated_at": NOW, **values}
    picked = pick.where(starts_from(transition)).cte("picked")
    log = timeline.add_events_for(picked, event, STAFF, NOW, queue="queue").cte("logged")
    return (update(Case).where(Case.id == picked.c.id, starts_from(transition)).values(**values)
            .returning(*Case.__table__.columns).add_cte(log, timeline.counted_for(log)))


def take(statement, staff: StaffUser, event: str, **params) -> Case | None:
    """Run a take built by `taking` for `staff` (its other parameters in `params`): the case taken, in the session
    as if loaded, or None if someone else's UPDATE landed first (or the case is no longer in a state it starts from).
    """
    try:
        row = unit_of_work.run_in(statement, {"take_now": utcnow(), "take_staff": staff.id, **params}).first()
    except IntegrityError as exc:  # the partial unique index: one live call per person
        db.session.rollback()
        raise Refused("already_on_call", f"{staff.name} already holds a live call; finish it first.", 409) from exc
    if row is None:
        return None
    case = _as_loaded(row)
    events.case_changed(case, f"case.{event}")
    return case


def _as_loaded(row) -> Case:
    """The case a take returned, in the session as if loaded (nothing to write back); a copy already there is
    refreshed from the row, as the ORM's populate_existing would."""
    found = {_ATTRIBUTE[name]: value for name, value in zip(row._fields, row, strict=True)}
    session = db.session()
    known = session.identity_map.get(identity_key(Case, found["id"]))
    if known is not None:
        for key, value in found.items():
            set_committed_value(known, key, value)
        session.expire(known, ["events"])  # the timeline has a row this session did not add
        return known
    case = Case(**found)
    make_transient_to_detached(case)
    session.add(case)
    return case


_ATTRIBUTE = {column.key: Case.__mapper__.get_property_by_column(column).key for column in Case.__table__.columns}


def open_case(channel: str, caller_phone: str | None, status: Status = Status.IVR, language: str = "hi",
              **fields) -> Case:
    """Open a case (flushed, so it has its id and reference) and log 'opened'."""
    case = Case(channel=channel, caller_phone=caller_phone, status=status, language=language, **fields)
    if caller_phone and case.patient_id is None:
        patient = match_caller(caller_phone)
        if patient is not None:
            case.patient_id = patient.id
            case.language = patient.preferred_language or language
    db.session.add(case)
    db.session.flush()
    timeline.add_event(case, "opened", channel=channel)
    events.case_changed(case, "case.opened")
    return case


def enter_queue(case: Case, queue: str) -> Case:
    """The case waits in `queue`; a case that already waited keeps its original place."""
    case.queue = queue
    if case.queued_at is None:
        case.queued_at = utcnow()
    return move(case, "enter_queue", "queued", queue=queue)


def declare_emergency(case: Case, via: str) -> bool:
    """P1: straight to the doctors' emergency queue with the alarm; False if it already is, or has ended."""
    if case.priority == "P1" and case.queue == EMERGENCY or case.status not in (
            *TRANSITIONS["declare_emergency"].sources, Status.ESCALATED, Status.WITH_DOCTOR):
        return False
    case.priority = "P1"
    if case.status == Status.WITH_DOCTOR:  # a doctor already has it: they are told, nothing moves
        move(case, "raise_priority", "emergency", via=via, live="case.emergency")
        return True
    transition = "move_queue" if case.status == Status.ESCALATED else "declare_emergency"
    refuse_unless(case, transition)
    if case.status == Status.IN_PROGRESS:
        case.assigned_to_id = None  # the doctors take it from here
    case.queue = EMERGENCY
    if case.queued_at is None:
        case.queued_at = utcnow()
    move(case, transition, "emergency", via=via, live="case.emergency")
    alarms.raise_alarm(case)
    timeline.add_event(case, "queued", queue=EMERGENCY)
    return True


def request_callback(case: Case) -> bool:
    """The caller pressed 1 while waiting: a call-back that keeps their place (False if not waiting)."""
    if case.callback_requested_at is not None or case.status != Status.QUEUED:
        return False
    case.callback_requested_at = utcnow()
    move(case, "request_callback", "callback_requested", queue=case.queue, live="case.callback")
    return True


def promise_callback(case: Case) -> bool:
    """The caller was told "we will call you back" (Twilio's fallback answered them): the case goes on the call-back
    list in its queue (tier 1 from the menu; an emergency stays the doctors'). False if it is on the list already,
    or being worked, or ended."""
    if case.status not in TRANSITIONS["promise_callback"].sources:
        return False
    case.queue = case.queue or TIER1
    case.queued_at = case.queued_at or utcnow()
    case.callback_requested_at = case.callback_requested_at or utcnow()
    move(case, "promise_callback", "callback_requested", queue=case.queue, via="fallback", live="case.callback")
    return True


def claim(case_id: int, staff: StaffUser, queues: tuple[str, ...] = (TIER1,)) -> Case | None:
    """Give case `case_id` to `staff` if it still waits in one of `queues`; None if someone won it. A call is refused
    (409 still_on_call) while a leg of theirs is still up (crm.cases.legs); a text is not a second call."""
    case = take(_claim_statement(tuple(queues)), staff, "claimed", claim_case=case_id)
    if case is None and db.session.scalar(select(Case.channel).where(Case.id == case_id)) == "voice":
        legs.ensure_free(staff)  # say why, if it was a leg of theirs that stopped it
    return case


def claim_next(staff: StaffUser, queues: tuple[str, ...] = (TIER1,)) -> Case | None:
    """Give `staff` the most urgent, longest-waiting case of `queues`; None if nothing waits. With a leg of theirs up
    only texts are given (no text waiting: refused, 409 still_on_call)."""
    case = take(_claim_next_statement(tuple(queues)), staff, "claimed")
    if case is None:
        legs.ensure_free(staff)  # calls waited, but a leg of theirs is up
    return case


@lru_cache(maxsize=64)
def _claim_statement(queues: tuple[str, ...]):
    """Take this case if it still waits in one of the queues (waiting for a claimer who holds it)."""
    pick = (select(Case.id, Case.queue).where(Case.id == bindparam("claim_case", type_=Integer()), Case.queue.in_(queues),
                                              (Case.channel != "voice") | legs.none_up(STAFF))
            .with_for_update())
    return taking(pick, "claim", "claimed", assigned_to_id=STAFF, claimed_at=NOW)


@lru_cache(maxsize=64)
def _claim_next_statement(queues: tuple[str, ...]):
    """Pick the first waiting case in the queue's order that nobody else holds (SKIP LOCKED), and take it."""
    from crm.cases.queue import QUEUE_ORDER

    # A call is never given to someone with a leg up (crm.cases.legs); a text may be.
    pick = (select(Case.id, Case.queue).where(Case.queue.in_(queues), (Case.channel != "voice") | legs.none_up(STAFF))
            .order_by(*QUEUE_ORDER).limit(1).with_for_update(skip_locked=True))
    return taking(pick, "claim", "claimed", assigned_to_id=STAFF, claimed_at=NOW)


def resolve(case: Case, staff: StaffUser, outcome: str, event: str, **detail) -> Case:
    """Tier 1 gave an outcome that ends the contact ('resolved' or 'informed')."""
    case.outcome = outcome
    return move(case, "resolve", event, staff, live=f"case.{outcome}", **detail)


def schedule_callback(case: Case, staff: StaffUser, due_at: datetime, **detail) -> Case:
    """Promise a call-back: out of the queue until due, then any operator takes it."""
    case.outcome, case.callback_due_at, case.queue = "callback", due_at, SCHEDULED
    return move(case, "schedule_callback", "callback_scheduled", staff, live="case.callback_scheduled", **detail)


def return_to_queue(case: Case, staff: StaffUser, why: str) -> Case:
    """`staff` left the floor holding the case with nobody else on the call: an operator's case goes back to tier 1 and
    a doctor's to the doctors' queue it came from (an emergency rings every doctor on duty again), each keeping its
    original place (queued_at), so the caller is the next one answered among their priority."""
    if case.status == Status.IN_PROGRESS:
        case.assigned_to_id, case.queue = None, TIER1
        case.queued_at = case.queued_at or case.claimed_at or utcnow()
        return move(case, "return_to_queue", "returned_to_queue", staff, queue=TIER1, why=why, live="case.queued")
    refuse_unless(case, "return_to_doctors")
    case.doctor_id, case.accepted_at, case.alarm_level = None, None, 0
    move(case, "return_to_doctors", "returned_to_queue", staff, queue=case.queue, why=why, live="case.queued")
    if case.priority == "P1" or case.queue == EMERGENCY:
        alarms.raise_alarm(case)
    return case


def caller_gone_before_answer(case: Case, staff: StaffUser) -> Case:
    """The caller hung up between the queue refresh and the claim: nothing to connect."""
    case.abandoned_at, case.assigned_to_id = utcnow(), None
    move(case, "caller_gone_before_answer", "abandoned", seconds_waited=None)
    timeline.add_event(case, "claim_too_late", staff_id=staff.id)
    return case


def close_due(now: datetime) -> list[Case]:
    """Close every resolved case whose wrap-up is over (conditional per case: safe to run anywhere)."""
    due = list(db.session.scalars(select(Case.id).where(Case.status == Status.RESOLVED, Case.wrap_up_until <= now)))
    closed = []
    for case_id in due:
        done = db.session.execute(update(Case).where(Case.id == case_id, Case.status == Status.RESOLVED)
                                  .values(status=Status.CLOSED, closed_at=now, updated_at=now)
                                  .execution_options(synchronize_session=False)).rowcount
        if done:
            case = db.session.get(Case, case_id, populate_existing=True)
            timeline.add_event(case, "closed")
            events.case_changed(case, "case.closed")
            closed.append(case)
    return closed


def release_due_callbacks(now: datetime) -> list[Case]:
    """Scheduled call-backs that are due go back into tier 1, placed by their due time."""
    due = list(db.session.scalars(select(Case.id).where(
        Case.status == Status.CALLBACK, Case.queue == SCHEDULED, Case.callback_due_at <= now)))
    released = []
    for case_id in due:
        done = db.session.execute(update(Case).where(Case.id == case_id, Case.queue == SCHEDULED,
                                                     Case.status.in_(TRANSITIONS["release_callback"].sources))
                                  .values(queue=TIER1, queued_at=Case.callback_due_at, outcome=None,
                                          wrap_up_until=None, updated_at=now)
                                  .execution_options(synchronize_session=False)).rowcount
        if done:
            case = db.session.get(Case, case_id, populate_existing=True)
            timeline.add_event(case, "callback_due", queue=TIER1)
            events.case_changed(case, "case.callback_due")
            released.append(case)
    return released


def match_caller(e164: str) -> Patient | None:
    """The resident registered with this phone (the registered person before family sharing it)."""
    rows = db.session.scalars(select(Patient).where(Patient.mobile == e164, Patient.merged_into_id.is_(None))
                              .order_by(Patient.id).limit(10)).all()
    for patient in rows:
        if patient.relation == "self":
            return patient
    return rows[0] if rows else None
