"""The inbound text in one statement (telephony.sms_at_once) writes and announces what the ORM path does.

Each example sends the same conversation twice on PostgreSQL, from two senders: once as the webhook runs it
(one statement where it can), once with the one-statement path switched off (the ORM path, as on SQLite). The
cases, timelines, messages, live events and send jobs must be the same, ids and times aside.
"""

import itertools
import json
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest
from flask import current_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, or_, select
from sqlalchemy import text as sql_text

from crm.cases import lifecycle
from crm.helpline.live import events as live
from crm.models import Case, CaseEvent, Message
from crm.models.case import reference_sql
from crm.platform.extensions import db
from telephony import sms_at_once
from tests import factories
from tests.conftest import MISSING, PG_URL, make_app
from tests.telephony import twilio_sign
from tests.telephony.conftest import sid

pytestmark = pytest.mark.pg

TEXTS = (
    "I need an appointment for my diabetes checkup",
    "mujhe appointment chahiye kal ke liye",
    "मुझे डॉक्टर से मिलने का समय चाहिए",
    "mujhe sar dard hai aur chakkar aa rahe hain",
    "papa ko seene me bahut dard ho raha hai",  # red flags from here
    "माँ बेहोश हो गई हैं",
    "my father collapsed and is not breathing",
    "where is the nearest clinic",  # a bare facility question: the ORM path either way
    "",  # a photo alone
)
FACILITY_QUESTION = 7
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """An app on a PostgreSQL database of this module's own, jobs held."""
    if MISSING["pg"]:
        pytest.skip(MISSING["pg"])
    name = f"sampark_test_sms_at_once_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    app = make_app(tmp_path_factory.mktemp("sms_at_once"), DATABASE_URL=urlsplit(PG_URL)._replace(path=f"/{name}").geturl(),
                   JOBS_HOLD=True, JOBS_EAGER=False, TWILIO_WHATSAPP_NUMBER="+14155238886")
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def published(monkeypatch):
    """The live events sent, as (kind, payload, rooms)."""
    sent = []
    monkeypatch.setattr(live, "_send", lambda ready: sent.extend(ready))
    return sent


def _send_text(client, sender, channel, body, message_sid, segments):
    params = {"MessageSid": message_sid, "AccountSid": "AC" + "0" * 32,
              "From": ("whatsapp:" if channel == "whatsapp" else "") + sender, "To": "+911800112233", "Body": body,
              "NumMedia": "0" if body else "1", "SmsStatus": "received", "ApiVersion": "2010-04-01"}
    if segments:
        params["NumSegments"] = segments
    response = twilio_sign.post(client, "/telephony/sms", params)
    assert response.status_code == 200


def _converse(app, steps, channel, patient, statements):
    """Run the conversation from a fresh sender; what it left, with ids, times and the number made relative."""
    sender = f"+9197{next(_numbers) + 70_000_000:08d}"
    patient_id = None
    if patient is not None:
        relation, language = patient
        patient_id = factories.make_patient(mobile=sender, relation=relation, preferred_language=language).id
    client, sids = app.test_client(), []
    for step in steps:
        if step[0] == "text":
            sids.append(sid("SM"))
            with statements() as sent:
                _send_text(client, sender, channel, TEXTS[step[1]], sids[-1], step[2])
            yield "statements", len(sent)
        elif step[0] == "repeat" and sids:
            _send_text(client, sender, channel, "again", sids[0], "")
        elif step[0] == "claim":
            case = db.session.scalar(select(Case).where(Case.caller_phone == sender).order_by(Case.id.desc()))
            if case is not None:
                lifecycle.claim(case.id, factories.make_staff("operator"), queues=(case.queue or "tier1",))
                db.session.commit()
    db.session.expire_all()
    cases = list(db.session.scalars(select(Case).where(Case.caller_phone == sender).order_by(Case.id)))
    case_no = {case.id: n for n, case in enumerate(cases)}
    messages = list(db.session.scalars(select(Message).where(
        or_(Message.from_number == sender, Message.to_number == sender)).order_by(Message.id)))
    message_no = {m.id: n for n, m in enumerate(messages)}

    def plain(value):
        for case in cases:
            value = value.replace(case.reference, f"REF{case_no[case.id]}") if isinstance(value, str) else value
        return value

    skip = {"id", "created_at", "updated_at", "queued_at", "callback_requested_at", "alarm_raised_at", "claimed_at",
            "caller_phone", "patient_id", "assigned_to_id"}
    for case in cases:
        yield "case", {c.key: getattr(case, c.key) for c in Case.__table__.columns if c.key not in skip} | {
            "times": [c for c in ("queued_at", "callback_requested_at", "alarm_raised_at") if getattr(case, c)],
            "patient": case.patient_id == patient_id if patient_id else case.patient_id}
        for entry in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)):
            detail = dict(entry.detail or {})
            if "message_id" in detail:
                detail["message_id"] = message_no.get(detail["message_id"])
            yield "event", (case_no[case.id], entry.kind, detail, entry.staff_id is not None)
    for m in messages:
        yield "message", {c.key: plain(getattr(m, c.key)) for c in Message.__table__.columns if c.key not in (
            "id", "created_at", "updated_at", "sid", "from_number", "to_number")} | {
            "case_id": case_no.get(m.case_id), "inbound": m.from_number == sender}
    for path, args in current_app.extensions["sampark_jobs"].held:
        yield "job", (path, tuple(message_no.get(a) for a in args))
    current_app.extensions["sampark_jobs"].held.clear()


def _announced(sent):
    """The events, cases numbered by first appearance, numbers and times reduced to whether they were there."""
    case_no, out = {}, []
    for kind, payload, rooms in sent:
        payload = dict(payload)
        payload["id"] = payload["reference"] = case_no.setdefault(payload["id"], len(case_no))
        payload["caller"] = payload["caller"] is not None and "XXXXXX" in payload["caller"]
        payload["queued_at"] = payload["queued_at"] is not None
        payload["assigned_to"] = payload["assigned_to"] is not None
        out.append((kind, payload, ["staff" if room.startswith("staff:") else room for room in rooms]))
    return out


steps = st.lists(st.one_of(
    st.tuples(st.just("text"), st.integers(0, len(TEXTS) - 1), st.sampled_from(["1", "2", ""])),
    st.tuples(st.just("repeat")), st.tuples(st.just("claim"))), min_size=1, max_size=5)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, channel=st.sampled_from(["sms", "whatsapp"]),
       patient=st.one_of(st.none(), st.tuples(st.sampled_from(["self", "spouse"]), st.sampled_from(["hi", "en", None]))))
def test_one_statement_and_the_orm_path_store_and_announce_the_same(app, published, monkeypatch, steps, channel,
                                                                     patient):
    from contextlib import contextmanager

    @contextmanager
    def statements():
        sent = []

        def count(conn, cursor, statement, *args):
            sent.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            yield sent
        finally:
            event.remove(db.engine, "before_cursor_execute", count)

    def run(fast):
        published.clear()
        with monkeypatch.context() as patch:
            if not fast:
                patch.setattr(sms_at_once, "available", lambda: False)
            rows = list(_converse(app, steps, channel, patient, statements))
        return rows, _announced(published)

    fast_rows, fast_events = run(True)
    orm_rows, orm_events = run(False)
    assert [r for r in fast_rows if r[0] != "statements"] == [r for r in orm_rows if r[0] != "statements"]
    assert fast_events == orm_events
    # A first text that is no facility question is one statement; a later one costs at most the ORM path's
    # statements plus the one that found it must move an open case into the emergency queue (and wrote nothing).
    fast_counts = [n for kind, n in fast_rows if kind == "statements"]
    orm_counts = [n for kind, n in orm_rows if kind == "statements"]
    assert all(fast == 1 or fast <= orm + 1 for fast, orm in zip(fast_counts, orm_counts, strict=True))
    if steps[0][0] == "text" and steps[0][1] != FACILITY_QUESTION:
        assert fast_counts[0] == 1


@pytest.mark.parametrize("case_id", [1, 42, 99_999, 100_000, 123_456, 10_000_000])
def test_the_reference_in_sql_is_the_reference_in_python(app, case_id):
    assert db.session.scalar(sql_text(f"SELECT {reference_sql('CAST(:id AS integer)')}"), {"id": case_id}) == Case(id=case_id).reference


def test_a_red_flag_for_a_claimed_case_takes_the_orm_path_and_moves_it(app, published):
    client, sender = app.test_client(), "+919700000901"
    _send_text(client, sender, "sms", TEXTS[0], sid("SM"), "1")
    case = db.session.scalar(select(Case).where(Case.caller_phone == sender))
    lifecycle.claim(case.id, factories.make_staff("operator"))
    db.session.commit()
    _send_text(client, sender, "sms", TEXTS[6], sid("SM"), "1")
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.priority, case.queue, case.status, case.assigned_to_id) == ("P1", "emergency", "queued", None)
    assert [m.kind for m in case.messages] == ["reply", "ack", "reply", "advice"]
    assert json.loads(json.dumps([e.kind for e in case.events]))[-1] == "sms_out"


@pytest.mark.parametrize("emergency", [False, True])
@pytest.mark.parametrize("whatsapp", [False, True])
def test_each_statement_is_short_enough_for_psycopg_to_keep_its_parse(emergency, whatsapp):
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH
    from sqlalchemy.dialects import postgresql

    from telephony.sms_at_once import _statement

    compiled = str(_statement(emergency, whatsapp).compile(dialect=postgresql.psycopg.dialect()))
    assert len(compiled.encode()) <= MAX_CACHED_STATEMENT_LENGTH
