"""Message bodies and ended cases after their retention period (crm/cases/retention.py), on PostgreSQL: a row just
inside its period is untouched, one just past it is redacted or anonymised, an open case never is, a pass takes the
oldest first and a second pass changes nothing; the figures of a past day are the same before and after."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from crm.cases import assessment, retention
from crm.config import ConfigError
from crm.helpline.supervisor import alarm_burden, kpis
from crm.models import AuditLog, Call, Case, CaseEvent, ClinicalNote, Message
from crm.models.base import utcnow
from crm.platform import retention as platform_retention
from crm.platform import sweeps
from crm.platform.extensions import db
from tests import factories
from tests.conftest import make_app
from tests.supervisor.scripted_day import END_OF_DAY, play

PERIOD = timedelta(days=retention.CLOSED_CASES.days)
CALLER = "+919810012345"
WORDS = "Sunita ko teen din se bukhar hai, gali number 4"


def _ended_case(ended, status="closed", phone=CALLER, doctor=None):
    """A case that ended at `ended`, with everything a person wrote or a number on it, as the desks leave it."""
    doctor = doctor or factories.make_staff("doctor")
    patient = factories.make_patient()
    opened = ended - timedelta(minutes=20)
    case = Case(channel="sms", status=status, priority="P3", language="hi", caller_phone=phone, patient_id=patient.id,
                summary="Caller Sunita, fever", reason="fever three days", advice="Paracetamol, fluids",
                escalation_summary="Fever for a week, now confused", queue="tier1", specialty="general_medicine",
                disposition="home_care", outcome="resolved", red_flags=["high_fever"], created_at=opened,
                queued_at=opened, claimed_at=opened + timedelta(minutes=2),
                closed_at=ended if status == "closed" else None, abandoned_at=ended if status == "abandoned" else None)
    db.session.add(case)
    db.session.flush()
    db.session.add_all([
        CaseEvent(case_id=case.id, at=opened, kind="opened", detail={"channel": "sms"}),
        CaseEvent(case_id=case.id, at=opened, kind="speech", detail={"text": WORDS, "priority": "P3", "rules": ["fever"]}),
        CaseEvent(case_id=case.id, at=opened, kind="missed_call", detail={"number": "+91•••••345"}),
        CaseEvent(case_id=case.id, at=ended, kind="resolved", staff_id=doctor.id, detail={"by": "doctor"}),
        ClinicalNote(case_id=case.id, patient_id=patient.id, doctor_id=doctor.id, body="Known diabetic", created_at=ended),
        Call(sid=f"CA{case.id:032x}", case_id=case.id, from_number=phone, to_number="+911800112233",
             status="completed", started_at=opened),
        Message(sid=f"SM{case.id:032x}", case_id=case.id, direction="inbound", from_number=phone,
                to_number="+911800112233", body=WORDS, status="received", created_at=opened),
        Message(case_id=case.id, direction="outbound", from_number="+911800112233", to_number=phone,
                body="Take paracetamol", status="delivered", created_at=ended, content_variables={"1": "Sunita"}),
    ])
    db.session.commit()
    return case.id


def _words_left(case_id: int) -> list[str]:
    """Every place a person's words or the caller's number is still readable on the case."""
    case = db.session.get(Case, case_id)
    found = [name for name in ("caller_phone", "summary", "reason", "advice", "escalation_summary", "patient_id")
             if getattr(case, name) not in (None, retention.REMOVED)]
    found += [f"note {n.id}" for n in case_notes(case_id) if n.body != retention.REMOVED or n.patient_id]
    found += [f"event {e.kind}" for e in case.events if {"text", "number"} & set(e.detail)
              and any(e.detail[k] != retention.REMOVED for k in ("text", "number") if k in e.detail)]
    found += [f"call {c.sid}" for c in case.calls if c.from_number or c.to_number]
    found += [f"message {m.id}" for m in case.messages
              if m.body != retention.REMOVED or m.from_number or m.to_number or m.content_variables]
    return found


def case_notes(case_id: int) -> list[ClinicalNote]:
    return list(db.session.scalars(select(ClinicalNote).where(ClinicalNote.case_id == case_id)))


def _sweep(now) -> dict[str, int]:
    done = sweeps.run_once(now)
    db.session.commit()
    db.session.expire_all()
    return done


def test_a_case_just_inside_its_period_is_kept_and_one_just_past_it_is_anonymised(app):
    now = utcnow()
    inside = _ended_case(now - PERIOD + timedelta(minutes=1))
    past = _ended_case(now - PERIOD - timedelta(minutes=1))
    gone_long_ago = _ended_case(now - PERIOD - timedelta(days=30), status="abandoned")
    done = _sweep(now)

    assert done["anonymised_closed_cases"] == 2
    assert len(_words_left(inside)) == 12  # every field, note, event, call and message as written
    assert _words_left(past) == [] and _words_left(gone_long_ago) == []
    case = db.session.get(Case, past)
    # What the figures and the audit read is kept.
    assert (case.status, case.channel, case.priority, case.queue, case.specialty, case.disposition, case.outcome,
            case.red_flags) == ("closed", "sms", "P3", "tier1", "general_medicine", "home_care", "resolved",
                                ["high_fever"])
    assert case.closed_at is not None and case.claimed_at is not None and case.anonymised_at == now
    speech = next(e for e in case.events if e.kind == "speech")
    assert speech.detail == {"text": retention.REMOVED, "priority": "P3", "rules": ["fever"]}
    assert [(m.direction, m.status) for m in case.messages] == [("inbound", "received"), ("outbound", "delivered")]
    assert all(m.created_at is not None for m in case.messages)

    again = _sweep(now)  # idempotent: nothing left to do
    assert again["anonymised_closed_cases"] == 0 and again["redacted_message_bodies"] == 0


def test_an_open_case_is_never_touched_however_old(app):
    now = utcnow()
    years_ago = now - 3 * PERIOD
    waiting = _ended_case(years_ago, status="queued")  # never ended: still in a queue
    with_doctor = _ended_case(years_ago, status="with_doctor")
    _sweep(now)
    assert len(_words_left(waiting)) == 12 and len(_words_left(with_doctor)) == 12


def test_a_pass_takes_the_oldest_first_and_the_rest_in_the_next(app):
    now = utcnow()
    newer = _ended_case(now - PERIOD - timedelta(days=1))
    older = _ended_case(now - PERIOD - timedelta(days=2))
    with app.app_context():
        assert platform_retention.purge(now, batch=1)["anonymised_closed_cases"] == 1
        db.session.commit()
        db.session.expire_all()
        assert _words_left(older) == [] and _words_left(newer) != []
        assert platform_retention.purge(now, batch=1)["anonymised_closed_cases"] == 1
        db.session.commit()
        db.session.expire_all()
        assert _words_left(newer) == []


def test_message_bodies_are_replaced_after_their_period_and_the_rows_stay(tmp_path):
    # A shorter period for bodies than for cases: the bodies go first, the case keeps its other words.
    app = make_app(tmp_path, RETENTION_MESSAGE_BODIES_DAYS=365)
    now = utcnow()
    year = timedelta(days=365)
    with app.app_context():
        inside = _ended_case(now - year + timedelta(minutes=1))
        past = _ended_case(now - year - timedelta(minutes=1))
        open_case = _ended_case(now - 2 * year, status="in_progress")
        notice = Message(direction="outbound", kind="card_request", from_number="+911800112233", to_number=CALLER,
                         body="Your card is ready", status="delivered", created_at=now - year - timedelta(days=1))
        db.session.add(notice)
        db.session.commit()
        done = _sweep(now)
        assert done["redacted_message_bodies"] == 3  # the past case's two texts and the old notice on no case
        assert done["anonymised_closed_cases"] == 0
        bodies = {case_id: [m.body for m in db.session.get(Case, case_id).messages] for case_id in (inside, past, open_case)}
        assert bodies[inside] == [WORDS, "Take paracetamol"] and bodies[open_case] == [WORDS, "Take paracetamol"]
        assert bodies[past] == [retention.REMOVED, retention.REMOVED]
        redacted = db.session.get(Case, past).messages
        assert [(m.direction, m.status, m.from_number) for m in redacted] == [
            ("inbound", "received", CALLER), ("outbound", "delivered", "+911800112233")]
        assert redacted[1].content_variables is None and redacted[1].redacted_at == now
        assert db.session.get(Message, notice.id).body == retention.REMOVED
        assert db.session.get(Case, past).summary == "Caller Sunita, fever"  # the case's own period is longer
        assert _sweep(now)["redacted_message_bodies"] == 0


def test_a_period_shorter_than_a_rule_allows_stops_the_start(tmp_path):
    assert retention.CLOSED_CASES.least > kpis.FCR_DAYS  # a repeat contact within the window is still seen
    with pytest.raises(ConfigError, match="RETENTION_CLOSED_CASES_DAYS must be at least 8"):
        make_app(tmp_path, RETENTION_CLOSED_CASES_DAYS="3")
    with pytest.raises(ConfigError, match="RETENTION_MESSAGE_BODIES_DAYS must be a whole number"):
        make_app(tmp_path, RETENTION_MESSAGE_BODIES_DAYS="a year")


def _figures(day: date) -> dict:
    figures = kpis.day_figures(day, END_OF_DAY)
    offers = sorted((o.case.id, o.queue, o.entered, o.answered, o.abandoned, o.answered_by) for o in figures.pop("offers"))
    return figures | {"offers": offers, "alarm_burden": alarm_burden.burden(day, day)}


def test_the_figures_of_a_past_day_are_the_same_after_its_cases_are_anonymised(app):
    people = play(app)  # a scripted day (20 November 2026) through the real services
    with time_machine.travel(END_OF_DAY + timedelta(hours=1), tick=False):
        assessment.settle()  # wrap-ups over: the resolved cases close
        db.session.commit()
    day = date(2026, 11, 20)
    before = _figures(day)
    assert before["first_contact_resolution"]["resolved_first_time"] == 2  # A's caller called again: not first time

    later = END_OF_DAY + PERIOD + timedelta(days=1)
    done = platform_retention.purge(later)
    db.session.commit()
    db.session.expire_all()
    assert done["anonymised_closed_cases"] >= 6
    a = db.session.get(Case, people["a"].id)
    assert a.caller_phone is None and a.anonymised_at is not None
    assert db.session.get(Case, people["e2"].id).anonymised_at is None  # still with the doctor
    assert _figures(day) == before


def test_audit_rows_carry_no_message_text_and_are_kept(app, client, login):
    from crm.helpline.messages import inbound

    operator = login("operator")
    texts = ["Meri beti Anjali ko saans lene me dikkat hai", "pet me dard 2 din se, naam Ramesh"]
    for n, body in enumerate(texts):
        inbound.receive(inbound.InboundText(f"SM{n:032x}", f"+91981000{n:04d}", "+911800112233", body))
    db.session.commit()
    case_ids = list(db.session.scalars(select(Case.id).order_by(Case.id)))
    for case_id in case_ids:
        assert client.get(f"/api/v1/cases/{case_id}/messages").status_code == 200
    routine = case_ids[-1]  # the first text is an emergency: the doctors' queue, not the operator's
    claimed = client.post(f"/api/v1/cases/{routine}/claim")
    assert claimed.status_code == 200, claimed.data
    reply = client.post(f"/api/v1/cases/{routine}/messages", json={"body": "Ramesh ji, ORS lijiye aur aaram kijiye"})
    assert reply.status_code in (200, 201), reply.data
    assert client.get(f"/api/v1/cases/{routine}/messages").status_code == 200

    rows = db.session.execute(select(AuditLog.action, AuditLog.detail)).all()
    assert {"read_thread"} <= {action for action, _ in rows} and operator is not None
    bodies = list(db.session.scalars(select(Message.body)))
    assert len(bodies) >= 3
    for action, detail in rows:
        for body in bodies:
            assert body not in str(detail), action
            assert not any(word in str(detail) for word in ("Anjali", "Ramesh", "saans")), action

    count = db.session.scalar(select(func.count()).select_from(AuditLog))
    db.session.execute(Case.__table__.update().values(status="closed", closed_at=utcnow() - 2 * PERIOD))
    db.session.commit()
    assert platform_retention.purge(utcnow())["anonymised_closed_cases"] == len(case_ids)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == count  # the access record stays


DETAIL_KEYS = st.sampled_from([*retention.FREE_TEXT_KEYS, "level", "by", "priority", "rules", "queue", "via", "seconds"])
WORDS_TEXT = st.text(st.characters(blacklist_characters="\x00"), max_size=40)  # PostgreSQL's json refuses \u0000
DETAIL_VALUES = st.one_of(WORDS_TEXT, st.integers(-5, 10**6), st.lists(WORDS_TEXT, max_size=3), st.none(), st.booleans())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(details=st.lists(st.dictionaries(DETAIL_KEYS, DETAIL_VALUES, max_size=6), min_size=1, max_size=4))
def test_a_timeline_keeps_every_code_and_loses_every_word(app, details):
    now = utcnow()
    case = Case(channel="voice", status="closed", created_at=now - 2 * PERIOD, closed_at=now - 2 * PERIOD)
    db.session.add(case)
    db.session.flush()
    events = [CaseEvent(case_id=case.id, at=case.created_at, kind="any", detail=detail) for detail in details]
    db.session.add_all(events)
    db.session.commit()
    retention.anonymise_cases(now - PERIOD, now, 500)
    db.session.commit()
    for event, detail in zip(events, details, strict=True):
        db.session.refresh(event)
        assert event.detail == {key: retention.REMOVED if key in retention.FREE_TEXT_KEYS else value
                                for key, value in detail.items()}
