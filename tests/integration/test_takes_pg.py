"""Claims and a doctor's acceptance (crm.cases.lifecycle.take) on PostgreSQL: served in queue order, a case taken
once, a second live call refused, and the case the caller gets back is the row the database holds."""

from unittest import mock

import pytest
from sqlalchemy import select

from crm.cases import lifecycle, tier2
from crm.helpline.live import events
from crm.models import Case, CaseEvent
from crm.models.base import utcnow
from crm.platform.errors import Refused
from crm.platform.extensions import db
from tests import factories

pytestmark = pytest.mark.pg
COLUMNS = [c.key for c in Case.__mapper__.column_attrs]
MOMENTS = ("queued_at", "claimed_at", "accepted_at", "created_at", "updated_at")


def _queue(priorities: list[str]) -> list[int]:
    ids = [lifecycle.open_case("voice", f"+91981{i:07d}", status="queued", queue="tier1", queued_at=utcnow(),
                               priority=priority).id for i, priority in enumerate(priorities)]
    db.session.commit()
    return ids


def _as_returned(case: Case) -> dict:
    """What the caller of a take sees on the case it got, before anything reads the database again."""
    seen = {key: getattr(case, key) for key in COLUMNS}
    for key in MOMENTS:
        assert seen[key] is None or seen[key].utcoffset().total_seconds() == 0, key  # aware, in UTC
    return seen


def _fresh(case_id: int) -> dict:
    db.session.expire_all()
    return {key: getattr(db.session.get(Case, case_id), key) for key in COLUMNS}


@pytest.fixture
def sent():
    """The live events sent after each commit."""
    out = []
    with mock.patch.object(events, "_send", side_effect=lambda ready: out.extend(ready)):
        yield out


def test_answer_next_serves_the_most_urgent_and_returns_the_row_as_stored(pg_app, sent):
    ids = _queue(["P4", "P1", "P3", "P2"])
    operators = [factories.make_staff("operator") for _ in range(2)]
    preloaded = db.session.get(Case, ids[1])  # a copy already in the session is refreshed by the claim
    served = []
    for operator in operators:
        case = lifecycle.claim_next(operator, ("tier1",))
        returned = _as_returned(case)
        db.session.commit()
        assert returned == _fresh(case.id)
        served.append(ids.index(case.id))
    assert served == [1, 3]  # P1, then P2
    assert preloaded.status == "in_progress" and preloaded.assigned_to_id == operators[0].id
    claimed = [(kind, payload) for kind, payload, _ in sent if kind == "case.claimed"]
    # which case and its state, nothing more on the wire (no number, no name)
    assert claimed == [("case.claimed", {"id": ids[i], "status": "in_progress"}) for i in (1, 3)]
    assert [e.kind for e in db.session.get(Case, ids[1]).events] == ["opened", "claimed"]


def test_a_chosen_case_is_taken_once_and_a_second_live_call_is_refused(pg_app):
    first, second, third = _queue(["P3", "P3", "P3"])
    alice, bob = factories.make_staff("operator"), factories.make_staff("operator")
    assert lifecycle.claim(first, alice).assigned_to_id == alice.id
    db.session.commit()
    assert lifecycle.claim(first, bob) is None  # already taken: lost, nothing written
    case = lifecycle.claim(second, bob)
    returned = _as_returned(case)
    db.session.commit()
    assert returned == _fresh(second)
    with pytest.raises(Refused) as refused:
        lifecycle.claim(third, bob)
    assert refused.value.code == "already_on_call"
    db.session.rollback()
    assert db.session.get(Case, third).status == "queued"
    timeline = db.session.execute(select(CaseEvent.case_id, CaseEvent.staff_id).where(CaseEvent.kind == "claimed")
                                  .order_by(CaseEvent.id)).all()
    assert [tuple(row) for row in timeline] == [(first, alice.id), (second, bob.id)]


def test_a_case_not_waiting_cannot_be_claimed(pg_app):
    (case_id,) = _queue(["P3"])
    db.session.get(Case, case_id).status = "resolved"
    db.session.commit()
    assert lifecycle.claim(case_id, factories.make_staff("operator")) is None
    assert db.session.get(Case, case_id).status == "resolved"


def test_one_doctor_accepts_an_escalation_the_second_loses(pg_app, sent):
    (case_id,) = _queue(["P3"])
    operator = factories.make_staff("operator")
    doctors = [factories.make_staff("doctor", specialty="cardiology") for _ in range(2)]
    lifecycle.claim(case_id, operator)
    db.session.commit()
    tier2.escalate(db.session.get(Case, case_id), operator, "cardiology", "urgent", "Chest pain on exertion")
    db.session.commit()
    accepted = tier2.accept(case_id, doctors[0])
    returned = _as_returned(accepted)
    db.session.commit()
    assert returned == _fresh(case_id) and returned["doctor_id"] == doctors[0].id
    assert returned["status"] == "with_doctor" and returned["alarm_level"] == 0
    assert tier2.accept(case_id, doctors[1]) is None
    db.session.rollback()
    assert [(kind, payload) for kind, payload, _ in sent
            if kind == "case.accepted"] == [("case.accepted", {"id": case_id, "status": "with_doctor"})]
    assert [e.kind for e in db.session.get(Case, case_id).events][-1] == "accepted"
