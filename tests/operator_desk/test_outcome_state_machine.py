"""No sequence of operator actions, refusals and clock ticks leaves a case or an operator in an impossible state.

Hypothesis drives claims, assessments, every outcome, wrap-up, presence changes and the passing of time
in any order, by several operators over several cases, and checks the invariants after every step.
"""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from crm.cases import assessment, lifecycle
from crm.cases.status import Status
from crm.helpline import presence
from crm.models import Case, CaseEvent, StaffUser
from crm.models.base import utcnow
from crm.models.staff import PRESENCES
from crm.platform.errors import Refused
from crm.platform.extensions import db
from tests import factories
from tests.operator_desk.conftest import make_facility

REFUSALS = (Refused,)
OPERATORS = 3


class Desk(RuleBasedStateMachine):
    """Three operators working cases against a clock the test controls."""

    def __init__(self) -> None:
        super().__init__()
        db.session.remove()
        db.drop_all()
        db.create_all()
        self.now = utcnow()
        self.operators = [factories.make_staff("operator").id for _ in range(OPERATORS)]
        self.facility = make_facility().id
        self.case_ids: list[int] = []
        self.closed: dict[int, tuple] = {}

    def staff(self, index: int) -> StaffUser:
        return db.session.get(StaffUser, self.operators[index % OPERATORS])

    def case(self, index: int) -> Case | None:
        return db.session.get(Case, self.case_ids[index % len(self.case_ids)]) if self.case_ids else None

    def pick(self, who: int, which: int) -> Case:
        """Mostly the case this operator works (as at a real desk), sometimes anyone's."""
        if which < 40:
            mine = db.session.scalar(db.select(Case).where(Case.assigned_to_id == self.staff(who).id)
                                     .order_by(Case.status != "in_progress", Case.id.desc()).limit(1))
            if mine is not None:
                return mine
        return self.case(which)

    def attempt(self, action, *args, **kwargs) -> None:
        """Run one operator action; a refusal is a fine answer, anything else is a bug."""
        try:
            action(*args, **kwargs)
            db.session.commit()  # one action, one unit of work, as a request is
        except REFUSALS:
            db.session.rollback()

    @initialize()
    def first_case(self) -> None:
        self.new_case("voice", "P3")

    @rule(channel=st.sampled_from(["voice", "sms"]), priority=st.sampled_from(["P2", "P3", "P4"]))
    def new_case(self, channel: str, priority: str) -> None:
        phone = f"+91981{len(self.case_ids):07d}"
        case = lifecycle.open_case(channel, phone, status="queued", queue="tier1", queued_at=self.now, priority=priority)
        db.session.commit()
        self.case_ids.append(case.id)

    @rule(who=st.integers(0, 2), which=st.integers(0, 50))
    def claim(self, who: int, which: int) -> None:
        self.attempt(lifecycle.claim, self.case(which).id, self.staff(who))

    @rule(who=st.integers(0, 2))
    def claim_next(self, who: int) -> None:
        self.attempt(lifecycle.claim_next, self.staff(who))

    @rule(who=st.integers(0, 2), which=st.integers(0, 50),
          flags=st.lists(st.sampled_from(["chest_pain", "high_fever", "fracture"]), max_size=2),
          reason=st.sampled_from(["", "Fever", "Chest pain"]), notes=st.sampled_from(["", "note"]))
    def assess(self, who: int, which: int, flags: list[str], reason: str, notes: str) -> None:
        self.attempt(assessment.save, self.pick(who, which), self.staff(who), reason, flags, notes, now=self.now)

    @rule(who=st.integers(0, 2), which=st.integers(0, 50),
          code=st.sampled_from(["home_care", "emergency_108", "wrong_number", "bogus"]),
          advice=st.sampled_from(["", "Rest and fluids"]))
    def resolve(self, who: int, which: int, code: str, advice: str) -> None:
        self.attempt(assessment.resolve, self.pick(who, which), self.staff(who), code, advice, now=self.now)

    @rule(who=st.integers(0, 2), which=st.integers(0, 50))
    def inform(self, who: int, which: int) -> None:
        self.attempt(assessment.inform, self.pick(who, which), self.staff(who), self.facility, "Please follow up",
                     now=self.now)

    @rule(who=st.integers(0, 2), which=st.integers(0, 50),
          urgency=st.sampled_from(["emergency", "urgent", "routine", "whenever"]))
    def escalate(self, who: int, which: int, urgency: str) -> None:
        self.attempt(assessment.escalate, self.pick(who, which), self.staff(who), "cardiology", urgency, "Summary",
                     now=self.now)

    @rule(who=st.integers(0, 2), which=st.integers(0, 50), minutes=st.sampled_from([-30, 5, 90, 60 * 24 * 9]))
    def call_back(self, who: int, which: int, minutes: int) -> None:
        self.attempt(assessment.schedule_callback, self.pick(who, which), self.staff(who),
                     self.now + timedelta(minutes=minutes), now=self.now)

    @rule(who=st.integers(0, 2))
    def ready(self, who: int) -> None:
        self.attempt(assessment.end_wrap_up, self.staff(who), now=self.now)

    @rule(who=st.integers(0, 2), choice=st.sampled_from(PRESENCES))
    def choose_presence(self, who: int, choice: str) -> None:
        self.attempt(presence.set_presence, self.staff(who), choice, now=self.now)
        db.session.commit()

    @precondition(lambda self: True)
    @rule(seconds=st.sampled_from([1, 30, 61, 600, 7200]))
    def time_passes(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)
        assessment.settle(self.now)
        db.session.commit()  # a sweep is a unit of work of its own

    @invariant()
    def every_case_is_in_a_possible_state(self) -> None:
        db.session.expire_all()
        for case in db.session.scalars(db.select(Case)):
            assert case.status in tuple(Status)
            if case.status == "in_progress":
                assert case.assigned_to_id and case.claimed_at and case.outcome is None
            if case.status == "resolved":
                assert case.outcome in ("resolved", "informed") and case.wrap_up_until is not None
                assert case.outcome == "informed" or case.disposition
            if case.status == "closed":
                assert case.outcome in ("resolved", "informed") and case.closed_at is not None
                assert case.wrap_up_until <= self.now
            if case.status == "escalated":
                assert case.outcome == "escalated" and case.queue in ("emergency", "tier2", "tier2:cardiology")
            if case.status == "callback":
                scheduled = case.queue == assessment.SCHEDULED
                assert (case.outcome == "callback") == scheduled and case.callback_due_at is not None
                assert not scheduled or case.callback_due_at > self.now
            if "chest_pain" in (case.red_flags or []) and case.status in ("resolved", "closed", "callback"):
                assert case.outcome == "resolved" and case.disposition == "emergency_108"

    @invariant()
    def closed_cases_stay_closed(self) -> None:
        for case in db.session.scalars(db.select(Case).where(Case.status == "closed")):
            snapshot = (case.status, case.outcome, case.disposition, case.closed_at)
            assert self.closed.setdefault(case.id, snapshot) == snapshot
            closes = db.session.scalar(db.select(db.func.count()).select_from(CaseEvent).where(
                CaseEvent.case_id == case.id, CaseEvent.kind == "closed"))
            assert closes == 1

    @invariant()
    def nobody_holds_two_calls_and_presence_adds_up(self) -> None:
        voice = db.session.execute(db.select(Case.assigned_to_id, db.func.count()).where(
            Case.status == "in_progress", Case.channel == "voice").group_by(Case.assigned_to_id)).all()
        assert all(n == 1 for _, n in voice)
        counts = presence.counts()
        assert sum(counts.values()) == OPERATORS
        holding = {c.assigned_to_id for c in db.session.scalars(db.select(Case).where(Case.status == "in_progress"))}
        assert counts["on_call"] >= len(holding)
        for staff_id in self.operators:
            staff = db.session.get(StaffUser, staff_id)
            assert staff.presence in PRESENCES
            assert staff.presence != "wrap_up" or staff.presence_since is not None


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_no_sequence_of_actions_reaches_an_impossible_state(app):
    run_state_machine_as_test(Desk, settings=settings(
        max_examples=50, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
