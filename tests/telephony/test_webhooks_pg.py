"""The IVR's and the SMS webhook's tests again on PostgreSQL, where the hot webhooks are single statements.

On PostgreSQL the incoming call (case, call leg and first timeline entry) and each wait request are one
statement that commits as it runs (crm.cases.lifecycle.open_call, telephony.calls.waiting); on SQLite the
ORM does the same work. Every behaviour test_voice.py and test_sms.py hold SQLite to is held here too.
"""

import threading
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
import pytest
from sqlalchemy import event, func, select
from sqlalchemy import text as sql_text

from crm.models import Call, Case, CaseEvent
from crm.platform.extensions import db
from tests.conftest import MISSING, PG_URL, make_app
from tests.telephony import twilio_sign
from tests.telephony.conftest import call_params, sid

# The same tests, on this module's PostgreSQL app.
from tests.telephony.test_sms import *
from tests.telephony.test_voice import *

pytestmark = pytest.mark.pg


@pytest.fixture(scope="module")
def pg_url():
    """A PostgreSQL database of this module's own, with the models' schema."""
    if MISSING["pg"]:
        pytest.skip(MISSING["pg"])
    name = f"sampark_test_hooks_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield urlsplit(PG_URL)._replace(path=f"/{name}").geturl()
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def app(tmp_path, pg_url):
    """The telephony app on PostgreSQL, jobs held; every table emptied after the test."""
    app = make_app(tmp_path, DATABASE_URL=pg_url, JOBS_HOLD=True, JOBS_EAGER=False)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(sql_text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@contextmanager
def counted(engine):
    """The SQL statements `engine` sends meanwhile."""
    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def test_the_incoming_call_is_one_round_trip(client, app):
    with counted(db.engine) as statements:
        response = twilio_sign.post(client, "/telephony/voice", call_params(sid("CA")))
    assert response.status_code == 200 and "press 9" in response.get_data(as_text=True)
    assert len(statements) == 1
    case = db.session.scalar(select(Case))
    assert case.status == "ivr" and case.priority == "P4" and case.red_flags == [] and case.alarm_level == 0
    assert [e.kind for e in case.events] == ["opened"] and case.events[0].detail == {"channel": "voice"}
    assert len(case.calls) == 1 and case.calls[0].purpose == "citizen" and case.calls[0].last_sequence == -1


def test_copies_of_one_call_racing_open_one_case(app):
    call_sid, answers = sid("CA"), []

    def ring():
        answers.append(twilio_sign.post(app.test_client(), "/telephony/voice", call_params(call_sid)))

    threads = [threading.Thread(target=ring) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cases = {a.get_data(as_text=True).split("case=")[1].split('"')[0] for a in answers}
    assert [a.status_code for a in answers] == [200] * 8 and len(cases) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    assert db.session.scalar(select(func.count()).select_from(Call)) == 1
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)) == 1


def test_a_wait_request_is_one_statement_and_moves_the_call_forward_only(client, app):
    call_sid = sid("CA")
    body = twilio_sign.post(client, "/telephony/voice", call_params(call_sid)).get_data(as_text=True)
    case_id = body.split("case=")[1].split('"')[0]
    twilio_sign.post(client, f"/telephony/voice/menu?case={case_id}", call_params(call_sid, CallStatus="in-progress",
                                                                                  Digits="2"))
    twilio_sign.post(client, f"/telephony/voice/card?case={case_id}", call_params(call_sid, CallStatus="in-progress",
                                                                                  Digits=""))
    with counted(db.engine) as statements:
        wait = twilio_sign.post(client, f"/telephony/voice/wait?case={case_id}", call_params(
            call_sid, CallStatus="ringing", QueuePosition="4", QueueSid="QU" + "1" * 32, AvgQueueTime="60"))
    assert len(statements) == 1
    assert "You are number 4 in the queue" in wait.get_data(as_text=True)
    db.session.expire_all()
    call = db.session.scalar(select(Call).where(Call.sid == call_sid))
    assert call.status == "in-progress" and call.queue_position == 4 and call.queue_name == "tier1"
    assert call.queue_sid == "QU" + "1" * 32 and call.queued_at is not None and call.answered_at is not None


def _cut(database_url: str) -> int:
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        return len(conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                                "AND pid <> pg_backend_pid()", (name,)).fetchall())


def test_without_a_pre_ping_a_cut_connection_still_costs_no_call(client, app, pg_url):
    from crm.platform import pool

    assert not db.engine.pool._pre_ping
    assert twilio_sign.post(client, "/telephony/voice", call_params(sid("CA"))).status_code == 200
    db.session.remove()
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert not pool.is_dead(raw)
    assert _cut(pg_url) >= 1
    for _ in range(50):  # the backend ends a moment after pg_terminate_backend returns
        if pool.is_dead(raw):
            break
        threading.Event().wait(0.02)
    assert pool.is_dead(raw)  # what the checkout sees, without a round trip
    call_sid = sid("CA")
    assert twilio_sign.post(client, "/telephony/voice", call_params(call_sid)).status_code == 200
    _cut(pg_url)
    menu = twilio_sign.post(client, "/telephony/voice/menu?case=2", call_params(call_sid, Digits="2",
                                                                                 CallStatus="in-progress"))
    assert menu.status_code == 200 and "card number" in menu.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2


def test_a_connection_that_dies_unseen_is_retried_once_by_the_webhook(client, app, pg_url, monkeypatch):
    from crm.platform import pool

    assert twilio_sign.post(client, "/telephony/voice", call_params(sid("CA"))).status_code == 200
    db.session.remove()
    monkeypatch.setattr(pool, "is_dead", lambda connection: False)  # a network cut leaves no trace on the socket
    _cut(pg_url)
    threading.Event().wait(0.3)
    response = twilio_sign.post(client, "/telephony/voice", call_params(sid("CA")))
    assert response.status_code == 200 and "press 9" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2


def test_the_one_statement_webhooks_announce_what_they_wrote(app, client, login):
    from crm.platform.extensions import socketio

    login("supervisor")
    board = socketio.test_client(app, flask_test_client=client)
    call_sid = sid("CA")
    twilio = app.test_client()
    twilio_sign.post(twilio, "/telephony/voice", call_params(call_sid, "+919876500011"))
    with counted(db.engine) as statements:
        answer = twilio_sign.post(twilio, "/telephony/voice/status", call_params(
            call_sid, "+919876500011", CallStatus="completed", SequenceNumber="3", CallDuration="7"))
    assert answer.status_code == 204 and len(statements) == 1
    received = {e["name"]: e["args"][0] for e in board.get_received()}
    assert received["case.opened"]["status"] == "ivr" and received["case.opened"]["caller"] == "+91 XXXXXX0011"
    assert received["case.abandoned"]["status"] == "abandoned" and received["case.updated"]["status"] == "abandoned"
    assert "9876500011" not in repr(received)
    db.session.expire_all()
    case = db.session.scalar(select(Case))
    assert case.status == "abandoned" and case.abandoned_at is not None
    assert [(e.kind, e.detail) for e in case.events] == [
        ("opened", {"channel": "voice"}), ("call_ended", {"leg": "citizen", "status": "completed", "duration": 7}),
        ("abandoned", {})]
    call = case.calls[0]
    assert call.status == "completed" and call.last_sequence == 3 and call.duration == 7 and call.ended_at is not None
    again = twilio_sign.post(twilio, "/telephony/voice/status", call_params(
        call_sid, "+919876500011", CallStatus="in-progress", SequenceNumber="2"))
    assert again.status_code == 204 and not board.get_received()  # late and out of order: nothing moves
