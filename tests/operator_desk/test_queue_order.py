"""Every queue is served in one order: priority (P1 first), then who waited longest, then who came first.

The list an operator sees, "answer next", the doctors' list (emergencies first) and the supervisor's board
all follow crm.cases.queue.QUEUE_ORDER; these properties hold them to the order a person would expect.
"""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update

from crm.cases import lifecycle, queue
from crm.cases.status import Status
from crm.helpline.supervisor.floor_board import waiting_cases
from crm.models import Case, CaseEvent, StaffUser
from crm.models.base import utcnow
from crm.platform.extensions import db
from tests import factories

T0 = utcnow()
waiting_case = st.tuples(
    st.sampled_from(("P1", "P2", "P3", "P4")),
    st.integers(min_value=0, max_value=5),  # seconds after T0: equal times are common, the id then decides
    st.sampled_from((Status.QUEUED, Status.CALLBACK)),
    st.sampled_from((queue.TIER1, queue.EMERGENCY, "tier2")),
)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _fill(cases) -> list[Case]:
    db.session.execute(delete(CaseEvent))
    db.session.execute(update(Case).values(assigned_to_id=None))
    db.session.execute(delete(Case))
    made = []
    for priority, seconds, status, name in cases:
        case = Case(channel="voice", status=status, priority=priority, queue=name, language="hi",
                    queued_at=T0 + timedelta(seconds=seconds))
        db.session.add(case)
        made.append(case)
    db.session.commit()
    return made


def expected(cases, name: str) -> list[int]:
    """The order a person expects: P1 before P2 .. P4, then the longest wait, then the first to arrive."""
    mine = [c for c in cases if c.queue == name]
    return [c.id for c in sorted(mine, key=lambda c: (int(c.priority[1]), c.queued_at, c.id))]


@SETTINGS
@given(st.lists(waiting_case, max_size=12))
def test_the_list_and_answer_next_serve_the_same_order(app, cases):
    made = _fill(cases)
    want = expected(made, queue.TIER1)
    assert [c.id for c in queue.waiting(queue.TIER1)] == want
    operators = db.session.query(StaffUser).filter(StaffUser.role == "operator").all()
    while len(operators) < len(want) + 1:
        operators.append(factories.make_staff("operator"))
    served = []
    for operator in operators:
        case = lifecycle.claim_next(operator)
        db.session.commit()
        if case is None:
            break
        served.append(case.id)
    assert served == want  # then nothing is left to answer
    assert queue.waiting(queue.TIER1) == []


@SETTINGS
@given(st.lists(waiting_case, max_size=12))
def test_doctors_see_emergencies_first_then_the_queue_order(app, cases):
    made = _fill(cases)
    doctor = db.session.query(StaffUser).filter(StaffUser.role == "doctor").first() or factories.make_staff("doctor")
    want = expected(made, queue.EMERGENCY) + expected(made, "tier2")
    assert [c.id for c in queue.waiting_for(doctor)] == want


@SETTINGS
@given(st.lists(waiting_case, max_size=12))
def test_the_supervisor_board_lists_waiting_cases_in_the_queue_order(app, cases):
    made = _fill(cases)
    shown = [row["id"] for row in waiting_cases(utcnow())]
    assert shown == [c.id for c in sorted(made, key=lambda c: (int(c.priority[1]), c.queued_at, c.id))]
