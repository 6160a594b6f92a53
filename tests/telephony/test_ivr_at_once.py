"""The IVR's menu, card, wait-choice and queue-result steps on PostgreSQL: one statement each, and the same outcome
as the ORM path (the path SQLite takes) on the same inputs: rows, their order, audit rows, answers, live events."""

import re
import threading

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select

from crm.cases import lifecycle
from crm.models import AuditLog, Call, Case, CaseEvent
from crm.platform.extensions import db, socketio
from crm.residents.cards import number as card_number
from telephony import ivr
from tests import factories
from tests.telephony import twilio_sign
from tests.telephony.conftest import call_params, sid

pytestmark = pytest.mark.pg
KNOWN_CALLER, STRANGER = "+919811100001", "+919811100002"
FAST = {"menu", "card", "choice", "queue-result"}  # one statement each on PostgreSQL (but the menu's 9)


@pytest.fixture
def cards(pg_app):
    """Card numbers to type: a known caller's issued card, a revoked one, one never issued, one mistyped."""
    patient = factories.make_patient(mobile=KNOWN_CALLER, preferred_language="en")
    issued = factories.make_card(patient).number
    revoked = factories.make_card()
    revoked.status = "revoked"
    db.session.commit()
    never = next(n for n in (f"{k:011d}" + card_number.check_digit(f"{k:011d}") for k in range(10**10, 10**11))
                 if n not in (issued, revoked.number))
    mistyped = issued[:-1] + str((int(issued[-1]) + 1) % 10)
    return {"skip": "", "issued": issued, "revoked": revoked.number, "never": never, "mistyped": mistyped}


STEPS = st.one_of(
    st.tuples(st.just("menu"), st.sampled_from(["", "1", "2", "5", "9", "12"]), st.integers(0, 2)),
    st.tuples(st.just("card"), st.sampled_from(["skip", "issued", "revoked", "never", "mistyped"])),
    st.tuples(st.just("wait"), st.integers(1, 5)),
    st.tuples(st.just("choice"), st.sampled_from(["1", "2"])),
    st.tuples(st.just("queue-result"), st.sampled_from(["hangup", "leave", "bridged", "error", "redirected", ""]),
              st.integers(0, 300)),
    st.tuples(st.just("claim")),
    st.tuples(st.just("status"), st.sampled_from(["in-progress", "completed"])),
)

# Walks a caller often takes first, so that random steps after them reach the queue, a claim, an emergency.
PREFIXES = st.sampled_from([
    [], [("menu", "2", 0)], [("menu", "1", 0), ("card", "skip")], [("menu", "2", 0), ("card", "issued"), ("wait", 2)],
    [("menu", "", 2), ("card", "skip"), ("claim",)], [("menu", "9", 0)], [("menu", "2", 0), ("card", "never")],
])


def _request(kind: str, args: tuple, case_id: int, cards: dict) -> tuple[str, dict]:
    if kind == "menu":
        return f"/telephony/voice/menu?case={case_id}&noinput={args[1]}", {"Digits": args[0]}
    if kind == "card":
        return f"/telephony/voice/card?case={case_id}", {"Digits": cards[args[0]]}
    if kind == "wait":
        return f"/telephony/voice/wait?case={case_id}", {"QueuePosition": str(args[0]), "QueueSid": "QU" + "2" * 32}
    if kind == "choice":
        return f"/telephony/voice/wait/choice?case={case_id}", {"Digits": args[0]}
    if kind == "queue-result":
        return f"/telephony/voice/queue-result?case={case_id}", {"QueueResult": args[0], "QueueTime": str(args[1])}
    return "/telephony/voice/status", {"CallStatus": args[0], "CallDuration": "30"}


@pytest.fixture
def sent(monkeypatch):
    """The live events sent, in order."""
    sent = []
    monkeypatch.setattr(socketio, "emit", lambda kind, payload, to=None, **kw: sent.append((kind, payload, to)))
    return sent


def walk(app, cards, caller, script, statuses, sent):
    """One call through `script`: the answers, the live events and the statement counts of the fast steps."""
    client, answers, rounds = app.test_client(), [], []
    call_sid = sid("CA")
    sent.clear()
    greeting = twilio_sign.post(client, "/telephony/voice", twilio_params(call_sid, caller, "ringing"))
    case_id = int(re.search(r"case=(\d+)", greeting.get_data(as_text=True)).group(1))
    for (kind, *args), status in zip(script, statuses):
        if kind == "claim":
            db.session.expire_all()
            lifecycle.claim(case_id, factories.make_staff())
            db.session.commit()
            continue
        path, extra = _request(kind, tuple(args), case_id, cards)
        with counted() as statements:
            response = twilio_sign.post(client, path, twilio_params(call_sid, caller, status) | extra)
        answers.append((response.status_code, re.sub(r"case[=-]\d+", "case=N", response.get_data(as_text=True))))
        if kind in FAST and not (kind == "menu" and args[0] == "9"):
            rounds.append(len(statements))
    announced = [(kind, _event(payload, case_id), sorted(re.sub(r"staff:\d+", "staff:S", room) for room in rooms))
                 for kind, payload, rooms in sent]
    return case_id, answers, announced, rounds


def twilio_params(call_sid: str, caller: str, status: str) -> dict:
    return call_params(call_sid, caller, CallStatus=status)


def _event(payload: dict, case_id: int) -> dict:
    assert payload["id"] == case_id
    return payload | {"id": "N", "reference": "R", "queued_at": payload["queued_at"] is not None,
                      "assigned_to": payload["assigned_to"] is not None}


class counted:
    """The statements sent to the database meanwhile."""

    def __enter__(self):
        self.statements = []
        event.listen(db.engine, "before_cursor_execute", self._note)
        return self.statements

    def _note(self, conn, cursor, statement, *args):
        self.statements.append(statement)

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._note)


def stored(case_id: int) -> dict:
    """Everything the call wrote, without ids and clock readings (only whether each was set)."""
    db.session.expire_all()
    case = db.session.get(Case, case_id)

    def plain(row, skip=("id", "case_id", "sid")):
        return {c.key: (getattr(row, c.key) is not None) if c.key.endswith("_at") else getattr(row, c.key)
                for c in row.__table__.columns if c.key not in skip}

    audits = db.session.scalars(select(AuditLog).where(AuditLog.case_id == case_id).order_by(AuditLog.id)).all()
    return {
        "case": plain(case, ("id", "assigned_to_id", "updated_at")) | {"bumped": case.updated_at != case.created_at,
                                                                     "held": case.assigned_to_id is not None},
        "calls": [plain(call) for call in db.session.scalars(select(Call).where(Call.case_id == case_id))],
        "timeline": [(e.kind, e.detail, e.staff_id is not None) for e in db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))],
        "audit": [plain(a, ("id", "case_id", "at")) for a in audits],
    }


ANSWERED = ["in-progress"] * 8
# Every branch at least once, whatever the random walks reach: a caller who left an operator, one whom Twilio dropped
# (out of order, after the status callback ended the call), repeats, the emergency key before the fast steps.
CLAIMED = [("menu", "2", 0), ("card", "skip"), ("claim",)]


@example(script=[*CLAIMED, ("queue-result", "hangup", 40), ("queue-result", "hangup", 40)], statuses=ANSWERED,
         known=False)
@example(script=[*CLAIMED, ("choice", "1"), ("queue-result", "leave", 9), ("wait", 1)], statuses=ANSWERED, known=False)
@example(script=[("menu", "1", 0), ("card", "skip"), ("status", "completed"), ("queue-result", "error", 12),
                 ("menu", "2", 0)], statuses=ANSWERED, known=True)
@example(script=[("menu", "2", 0), ("card", "mistyped"), ("card", "mistyped"), ("card", "issued"), ("choice", "1"),
                 ("choice", "1"), ("queue-result", "leave", 30)], statuses=ANSWERED, known=False)
@example(script=[("menu", "2", 0), ("card", "revoked"), ("card", "never"), ("card", "issued"), ("menu", "1", 0)],
         statuses=ANSWERED, known=False)
@example(script=[("menu", "9", 0), ("card", "issued"), ("menu", "1", 0), ("choice", "1"), ("queue-result", "hangup", 5)],
         statuses=ANSWERED, known=True)
@example(script=[("menu", "5", 0), ("menu", "", 1), ("menu", "", 2), ("menu", "2", 0), ("card", "skip")],
         statuses=["ringing", "odd", "completed", "in-progress", "busy", "ringing", "ringing", "ringing"], known=True)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.tuples(PREFIXES, st.lists(STEPS, min_size=1, max_size=5)).map(lambda parts: [*parts[0], *parts[1]]),
       statuses=st.lists(st.sampled_from(["in-progress", "ringing", "completed", "busy", "odd"]), min_size=8,
                         max_size=8),
       known=st.booleans())
def test_one_statement_steps_write_what_the_orm_writes(pg_app, cards, sent, script, statuses, known):
    caller = KNOWN_CALLER if known else STRANGER
    fast_case, fast_answers, fast_events, rounds = walk(pg_app, cards, caller, script, statuses, sent)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ivr, "at_once", lambda: False)
        orm_case, orm_answers, orm_events, _ = walk(pg_app, cards, caller, script, statuses, sent)
    assert set(rounds) <= {1}
    assert fast_answers == orm_answers
    assert fast_events == orm_events
    assert stored(fast_case) == stored(orm_case)


def test_each_step_is_one_round_trip_and_says_what_it_did(pg_app, cards, sent):
    script = [("menu", "2", 0), ("card", "revoked"), ("wait", 3), ("choice", "1"), ("queue-result", "leave", 65)]
    case_id, answers, events, rounds = walk(pg_app, cards, STRANGER, script, ["in-progress"] * 5, sent)
    assert rounds == [1, 1, 1, 1]
    assert "card number" in answers[0][1] and "<Enqueue" in answers[1][1] and "<Leave" in answers[3][1]
    assert [kind for kind, *_ in events] == ["case.opened", "case.queued", "case.callback", "case.updated"]
    assert all(e["caller"] == "+91 XXXXXX0002" for _, e, _ in events)
    held = stored(case_id)
    assert [kind for kind, *_ in held["timeline"]] == ["opened", "language", "card_revoked", "queued",
                                                       "callback_requested", "queue_result"]
    assert held["case"]["status"] == "callback" and held["case"]["patient_id"] is None
    assert [(a["action"], a["via"], a["detail"]) for a in held["audit"]] == [
        ("card_refused", "ivr", {"code": "card_revoked"})]


def test_a_repeated_or_late_menu_or_card_step_writes_nothing_but_the_leg(pg_app, cards, sent):
    script = [("menu", "2", 0), ("card", "issued"), ("card", "issued"), ("card", "revoked"), ("menu", "1", 0),
              ("claim",), ("card", "never")]
    case_id, answers, events, rounds = walk(pg_app, cards, STRANGER, script, ["in-progress"] * 7, sent)
    assert rounds == [1, 1, 1, 1, 1, 1]
    assert all("<Enqueue" in body for _, body in answers[1:4])
    held = stored(case_id)
    assert [kind for kind, *_ in held["timeline"]] == ["opened", "language", "card_entered", "queued", "claimed"]
    assert held["case"]["status"] == "in_progress" and held["case"]["language"] == "en"
    assert held["calls"][0]["card_attempts"] == 1
    assert held["audit"] == []  # the revoked card typed late was never looked at as a use
    assert [kind for kind, *_ in events].count("case.queued") == 1


def _together(app, path: str, params: dict, copies: int = 6) -> list:
    answers = []

    def send():
        answers.append(twilio_sign.post(app.test_client(), path, params).status_code)

    threads = [threading.Thread(target=send) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_copies_of_a_step_racing_each_other_write_it_once(pg_app, cards, sent):
    case_id, *_ = walk(pg_app, cards, STRANGER, [("menu", "2", 0)], ["in-progress"], sent)
    call_sid = db.session.scalar(select(Call.sid).where(Call.case_id == case_id))
    params = twilio_params(call_sid, STRANGER, "in-progress")
    assert _together(pg_app, f"/telephony/voice/card?case={case_id}", params | {"Digits": cards["mistyped"]}) == [200] * 6
    assert _together(pg_app, f"/telephony/voice/wait/choice?case={case_id}", params | {"Digits": "1"}) == [200] * 6
    assert _together(pg_app, f"/telephony/voice/queue-result?case={case_id}", params | {
        "QueueResult": "hangup", "QueueTime": "33"}) == [200] * 6
    held = stored(case_id)
    # Each attempt is counted while the caller is at the card prompt (the leg is locked while it is read); the
    # second wrong number sends them to the queue, and the copies after that are late: nothing more is written.
    assert held["calls"][0]["card_attempts"] == 2
    assert sorted(d["attempt"] for kind, d, _ in held["timeline"] if kind == "card_rejected") == [1, 2]
    kinds = [kind for kind, *_ in held["timeline"]]
    assert kinds.count("queued") == 1
    assert kinds.count("callback_requested") == 1 and kinds.count("queue_result") == 1
    assert held["case"]["status"] == "callback" and held["calls"][0]["queue_result"] == "hangup"
