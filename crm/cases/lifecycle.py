"""The case lifecycle: the only code that changes `Case.status`.

Each transition checks the state it starts from (crm.cases.status.TRANSITIONS), writes the change,
puts it on the case timeline and collects the live event that is sent after the commit. Races between
people (two operators, two doctors) are settled by one conditional UPDATE; a late or repeated request
is refused with a Refused error, or (for webhooks, which Twilio repeats) answered with False.
Nothing here commits: the request, job or sweep that called it does.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import Integer, bindparam, select, text, update
from sqlalchemy.exc import IntegrityError

from crm.cases import alarms, timeline
from crm.cases.status import TRANSITIONS, Status
from crm.cases.take_sql import Prebuilt
from crm.helpline.live import events
from crm.models import Case, Patient, StaffUser
from crm.models.base import UTCDateTime, utcnow
from crm.platform.errors import Refused
from crm.platform.extensions import db

EMERGENCY = "emergency"
TIER1 = "tier1"
SCHEDULED = "tier1:callbacks"  # call-backs not due yet: not claimable until moved back to tier1
PRIORITIES = ("P1", "P2", "P3", "P4")


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


def taking(pick, transition: str, event: str, postgresql: bool, **values):
    """The statement of a take: UPDATE ... RETURNING the case picked by `pick` (a SELECT of Case.id and
    Case.queue that locks what it picks); on PostgreSQL the same statement writes the timeline row.

    `values` may use NOW and STAFF. Build it once where the pick's shape is fixed (claim, claim_next):
    building the statement costs more than running it.
    """
    rule = TRANSITIONS[transition]
    values = {"status": rule.target, "updated_at": NOW, **values} if rule.target else {"updated_at": NOW, **values}
    waiting_here = Case.status.in_(sorted(rule.sources))
    if postgresql:
        # The pick locks the row and rechecks its state, so the UPDATE of the picked row cannot miss; the
        # timeline row is inserted from the same pick. PostgreSQL evaluates a WITH query once.
        picked = pick.cte("picked")
        log = timeline.add_events_for(picked, event, STAFF, NOW, queue="queue").cte("logged")
        statement = (update(Case).where(Case.id == picked.c.id, waiting_here).values(**values).returning(Case)
                     .add_cte(log))
    else:
        statement = (update(Case).where(Case.id.in_(pick.with_only_columns(Case.id)), waiting_here)
                     .values(**values).returning(Case))
    return statement.execution_options(synchronize_session=False, populate_existing=True)


def take(condition, transition: str, staff: StaffUser, event: str, statement=None, **values) -> Case | None:
    """Apply `transition` to the case matching `condition` if its state allows (whoever's UPDATE lands
    first wins); None if lost.

    The UPDATE returns the whole row, so the winner's case is loaded without reading it again. On
    PostgreSQL the same statement also writes the timeline row: one round trip, nothing left to flush.
    `statement` is prebuilt (`prebuilt_take(...)`, with `condition` None); its parameters go in `values`.
    """
    postgresql = db.engine.dialect.name == "postgresql"
    params = {"take_now": utcnow(), "take_staff": staff.id}
    if statement is None:
        pick = select(Case.id, Case.queue).where(condition, Case.status.in_(sorted(TRANSITIONS[transition].sources)))
        statement = taking(pick.with_for_update(), transition, event, postgresql, **values)
    else:
        params |= values
    try:
        if isinstance(statement, Prebuilt):
            case = statement.run(params)
        else:
            case = db.session.execute(statement, params).scalar_one_or_none()
    except IntegrityError as exc:  # the partial unique index: one live call per person
        db.session.rollback()
        raise Refused("already_on_call", f"{staff.name} already holds a live call; finish it first.", 409) from exc
    if case is None:
        return None
    if postgresql:
        if not isinstance(statement, Prebuilt):
            db.session.expire(case, ["events"])  # the timeline has a row this session did not add
    else:
        timeline.add_event(case, event, staff_id=staff.id, queue=case.queue)
    events.case_changed(case, f"case.{event}")
    return case


def prebuilt_take(pick, transition: str, event: str, dialect, **values):
    """A take's statement built once (see `taking`); on PostgreSQL also compiled once (crm.cases.take_sql)."""
    statement = taking(pick, transition, event, dialect.name == "postgresql", **values)
    return Prebuilt(statement, dialect) if dialect.name == "postgresql" else statement


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


# A citizen's call on PostgreSQL: its call leg, its case and the case's first timeline entry in one
# statement (one round trip; the same rows and values as incoming() + open_case() write through the ORM).
# The leg goes first, ON CONFLICT DO NOTHING, so a CallSid already stored (a repeat, or a copy racing this
# one) opens nothing; the foreign key to the case is checked at the end of the statement.
_OPEN_CALL = text("""
WITH known AS (
    SELECT case_id FROM call WHERE sid = :sid
), holder AS (
    SELECT id, preferred_language FROM (
        SELECT id, preferred_language, relation FROM patient WHERE mobile = :caller ORDER BY id LIMIT 10
    ) AS first_ten ORDER BY relation IS DISTINCT FROM 'self', id LIMIT 1
), new_id AS (
    SELECT nextval(pg_get_serial_sequence('"case"', 'id')) AS id WHERE NOT EXISTS (SELECT 1 FROM known)
), leg AS (
    INSERT INTO call (sid, case_id, purpose, direction, from_number, to_number, status, last_sequence,
                      card_attempts, started_at, last_heard_at)
    SELECT :sid, id, 'citizen', 'inbound', :caller, :called, :call_status, -1, 0, :now, :now FROM new_id
    ON CONFLICT (sid) DO NOTHING
    RETURNING case_id
), opened AS (
    INSERT INTO "case" (id, channel, status, priority, language, caller_phone, patient_id, red_flags,
                        alarm_level, created_at, updated_at)
    SELECT case_id, 'voice', :status, 'P4', COALESCE((SELECT preferred_language FROM holder), 'hi'), :caller,
           (SELECT id FROM holder), CAST('[]' AS JSON), 0, :now, :now FROM leg
    RETURNING id, language, patient_id
), logged AS (
    INSERT INTO case_event (case_id, at, kind, detail)
    SELECT id, :now, 'opened', CAST('{"channel": "voice"}' AS JSON) FROM opened
)
SELECT id, language, patient_id, true AS opened FROM opened
UNION ALL
SELECT c.id, c.language, c.patient_id, false FROM known JOIN "case" AS c ON c.id = known.case_id
""")


def open_call(sid: str, caller: str, called: str, call_status: str) -> tuple[Case, bool] | None:
    """PostgreSQL: open the case of citizen's call `sid` in one statement that commits as it runs.

    Returns the case (a detached copy holding what was written, for the answer and the live event) and
    whether this request opened it; None when a racing copy of the same CallSid stored it first.
    Must be the first statement of its unit of work and the only write (crm.platform.unit_of_work.run_alone).
    """
    from crm.platform import unit_of_work

    row = unit_of_work.run_alone(_OPEN_CALL, {"sid": sid, "caller": caller, "called": called,
                                              "call_status": call_status, "status": Status.IVR.value,
                                              "now": utcnow()}).first()
    if row is None:
        return None
    case = Case(id=row.id, channel="voice", status=Status.IVR, priority="P4", language=row.language,
                caller_phone=caller, patient_id=row.patient_id, alarm_level=0)
    if row.opened:
        events.case_changed(case, "case.opened")
    return case, row.opened


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
    """Give case `case_id` to `staff` if it still waits in one of `queues`; None if someone won it."""
    return take(None, "claim", staff, "claimed", statement=_claim_statement(tuple(queues), db.engine.dialect),
                claim_case=case_id)


def claim_next(staff: StaffUser, queues: tuple[str, ...] = (TIER1,)) -> Case | None:
    """Give `staff` the most urgent, longest-waiting case of `queues`; None if nothing waits."""
    return take(None, "claim", staff, "claimed", statement=_claim_next_statement(tuple(queues), db.engine.dialect))


@lru_cache(maxsize=64)
def _claim_statement(queues: tuple[str, ...], dialect):
    """Take this case if it still waits in one of the queues (waiting for a claimer who holds it)."""
    from crm.cases.queue import IS_WAITING

    pick = select(Case.id, Case.queue).where(Case.id == bindparam("claim_case", type_=Integer()), IS_WAITING,
                                             Case.queue.in_(queues)).with_for_update()
    return prebuilt_take(pick, "claim", "claimed", dialect, assigned_to_id=STAFF, claimed_at=NOW)


@lru_cache(maxsize=64)
def _claim_next_statement(queues: tuple[str, ...], dialect):
    """Pick the first waiting case in the queue's order that nobody else holds (SKIP LOCKED), and take it."""
    from crm.cases.queue import IS_WAITING, QUEUE_ORDER

    pick = select(Case.id, Case.queue).where(IS_WAITING, Case.queue.in_(queues)).order_by(*QUEUE_ORDER).limit(1)
    if dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    return prebuilt_take(pick, "claim", "claimed", dialect, assigned_to_id=STAFF, claimed_at=NOW)


def resolve(case: Case, staff: StaffUser, outcome: str, event: str, **detail) -> Case:
    """Tier 1 gave an outcome that ends the contact ('resolved' or 'informed')."""
    case.outcome = outcome
    return move(case, "resolve", event, staff, live=f"case.{outcome}", **detail)


def schedule_callback(case: Case, staff: StaffUser, due_at: datetime, **detail) -> Case:
    """Promise a call-back: out of the queue until due, then any operator takes it."""
    case.outcome, case.callback_due_at, case.queue = "callback", due_at, SCHEDULED
    return move(case, "schedule_callback", "callback_scheduled", staff, live="case.callback_scheduled", **detail)


def abandon(case: Case, seconds: int | None) -> bool:
    """The caller hung up before anyone answered (False if the case had moved on)."""
    if case.status not in TRANSITIONS["abandon"].sources:
        return False
    case.abandoned_at = utcnow()
    move(case, "abandon", "abandoned", seconds_waited=seconds)
    return True


def abandon_at_once(case_ids, now: datetime):
    """PostgreSQL: the abandon transition as an UPDATE ... RETURNING for a data-modifying CTE (its caller logs the
    'abandoned' event and announces it), for the cases `case_ids` (a subquery) still in a state abandon starts from."""
    return (update(Case).where(Case.id.in_(case_ids), Case.status.in_(TRANSITIONS["abandon"].sources))
            .values(status=TRANSITIONS["abandon"].target, abandoned_at=now, updated_at=now).returning(Case.id))


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
    rows = db.session.scalars(select(Patient).where(Patient.mobile == e164).order_by(Patient.id).limit(10)).all()
    for patient in rows:
        if patient.relation == "self":
            return patient
    return rows[0] if rows else None
