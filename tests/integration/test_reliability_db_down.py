"""PostgreSQL unreachable: the fallback URLs still answer every caller and texter, and nothing is lost.

The app is pointed at a PostgreSQL URL on a closed local port (the shared server is never stopped): a
connection cannot even be made, so the driver's own error is what the code sees. The same instance folder
then serves an app on a PostgreSQL that answers, and the sweep brings every kept contact in.
"""

import pytest
from sqlalchemy import select

from crm.models import Call, Case, Message
from crm.models.base import utcnow
from crm.platform import sweeps, unit_of_work
from crm.platform.extensions import db
from crm.platform.jobs import HeldRunner
from tests.conftest import UNREACHABLE_DATABASE_URL, make_app
from tests.telephony.conftest import call_params, sid
from tests.telephony.twilio_sign import post

pytestmark = pytest.mark.pg

UNREACHABLE = UNREACHABLE_DATABASE_URL


def _down(tmp_path):
    return make_app(tmp_path, DATABASE_URL=UNREACHABLE, JOBS_HOLD=True, JOBS_EAGER=False)


def _kept(tmp_path) -> list[str]:
    kept = tmp_path / "instance" / "fallback-contacts.jsonl"
    return kept.read_text().splitlines() if kept.exists() else []


def test_a_text_reaching_the_fallback_while_postgresql_is_unreachable_gets_advice_and_is_kept(tmp_path):
    client = _down(tmp_path).test_client()
    red_flag = {"MessageSid": sid("SM"), "From": "+919877700031", "To": "+911800112233",
                "Body": "my father has chest pain and cannot breathe"}
    routine = {"MessageSid": sid("SM"), "From": "+919877700032", "To": "+911800112233", "Body": "clinic timing?"}

    answer = post(client, "/telephony/sms/fallback", red_flag)
    assert answer.status_code == 200
    advice = answer.get_data(as_text=True)
    assert "emergency" in advice and "112" in advice and "108" in advice  # the emergency advice, at once
    answer = post(client, "/telephony/sms/fallback", routine)
    assert answer.status_code == 200 and "112" in answer.get_data(as_text=True)
    assert len(_kept(tmp_path)) == 2


def test_a_call_reaching_the_fallback_while_postgresql_is_unreachable_hears_the_advice_and_is_kept(tmp_path):
    client = _down(tmp_path).test_client()
    answer = post(client, "/telephony/voice/fallback", call_params(sid("CA"), caller="+919877700041", Digits="9"))
    assert answer.status_code == 200 and "108" in answer.get_data(as_text=True)
    assert len(_kept(tmp_path)) == 1


def test_every_contact_kept_while_postgresql_was_unreachable_is_brought_in_when_it_returns(tmp_path, pg_app):
    client = _down(tmp_path).test_client()
    hung_up, pressed_9 = sid("CA"), sid("CA")
    red_flag, routine = sid("SM"), sid("SM")
    post(client, "/telephony/voice/fallback", call_params(hung_up, caller="+919877700051"))
    post(client, "/telephony/voice/fallback", call_params(pressed_9, caller="+919877700052", Digits="9"))
    post(client, "/telephony/sms/fallback", {"MessageSid": red_flag, "From": "+919877700053", "To": "+911800112233",
                                             "Body": "saans nahi aa rahi, chest pain"})
    post(client, "/telephony/sms/fallback", {"MessageSid": routine, "From": "+919877700054", "To": "+911800112233",
                                             "Body": "bukhar hai"})
    assert len(_kept(tmp_path)) == 4

    # PostgreSQL answers again (pg_app: the same instance folder).
    pg_app.extensions["sampark_jobs"] = HeldRunner(pg_app)
    with pg_app.app_context():
        assert sweeps.run_once(utcnow())["fallback_read_back"] == 4
        unit_of_work.commit()
        assert _kept(tmp_path) == []
        by_call = {c.sid: c.case for c in db.session.scalars(select(Call))}
        emergency, caller = by_call[pressed_9], by_call[hung_up]
        assert emergency.queue == "emergency" and emergency.alarm_level >= 1 and emergency.status == "callback"
        assert caller.status == "callback" and caller.callback_requested_at is not None  # promised a call-back
        assert "call you back" in _texted(caller)[0] or "वापस कॉल" in _texted(caller)[0]
        assert _texted(emergency)  # the emergency advice by SMS too
        for message_sid in (red_flag, routine):
            text = db.session.scalar(select(Message).where(Message.sid == message_sid))
            assert text is not None and _texted(text.case)  # stored and answered
        assert db.session.scalar(select(Message).where(Message.sid == red_flag)).case.queue == "emergency"


def _texted(case: Case) -> list[str]:
    return [m.body for m in case.messages if m.direction == "outbound"]


@pytest.mark.parametrize("pressed", ["9", None])
def test_the_end_of_a_fallback_call_does_not_close_the_case_as_abandoned(pg_app, pressed):
    """The menu failed and Twilio asked the fallback URL; the call-ended callback follows a second later."""
    pg_app.extensions["sampark_jobs"] = HeldRunner(pg_app)
    client = pg_app.test_client()
    call = sid("CA")
    assert post(client, "/telephony/voice", call_params(call, caller="+919877700061")).status_code == 200
    digits = {"Digits": pressed} if pressed else {}
    post(client, "/telephony/voice/fallback", call_params(call, caller="+919877700061", CallStatus="in-progress",
                                                          **digits))
    post(client, "/telephony/voice/status", call_params(call, caller="+919877700061", CallStatus="completed",
                                                        CallDuration="20", SequenceNumber="3"))
    with pg_app.app_context():
        case = db.session.scalar(select(Call).where(Call.sid == call)).case
        assert case.status == "callback" and case.callback_requested_at is not None  # on the call-back list
        texts = [m for m in case.messages if m.direction == "outbound"]
        if pressed == "9":
            assert case.queue == "emergency" and case.alarm_level >= 1  # still with the doctors
            assert [m.kind for m in texts] == ["advice"]
        else:
            assert case.queue == "tier1"
            assert [m.kind for m in texts] == ["fallback_callback"] and "call you back" in texts[0].body.lower() \
                or "वापस कॉल" in texts[0].body


@pytest.mark.parametrize("pressed", ["9", None])
def test_a_fallback_caller_read_back_after_the_call_ended_is_still_called_back(tmp_path, pg_app, pressed):
    """The menu's fallback found PostgreSQL away; the call-ended callback came once it was back, before the sweep."""
    pg_app.extensions["sampark_jobs"] = HeldRunner(pg_app)
    client, call = pg_app.test_client(), sid("CA")
    post(client, "/telephony/voice", call_params(call, caller="+919877700071"))
    digits = {"Digits": pressed} if pressed else {}
    post(_down(tmp_path).test_client(), "/telephony/voice/fallback",
         call_params(call, caller="+919877700071", CallStatus="in-progress", **digits))
    post(client, "/telephony/voice/status", call_params(call, caller="+919877700071", CallStatus="completed",
                                                        CallDuration="20", SequenceNumber="3"))
    with pg_app.app_context():
        assert db.session.scalar(select(Call).where(Call.sid == call)).case.status == "abandoned"
        assert sweeps.run_once(utcnow())["fallback_read_back"] == 1
        unit_of_work.commit()
        ended = db.session.scalar(select(Call).where(Call.sid == call)).case
        assert ended.status == "abandoned"  # an ended case is never reopened: a follow-up holds the promise
        case = db.session.scalar(select(Case).where(Case.caller_phone == "+919877700071", Case.id != ended.id))
        assert case.status == "callback" and case.callback_requested_at is not None
        assert case.queue == ("emergency" if pressed else "tier1")
        assert [m.kind for m in case.messages if m.direction == "outbound"] == (
            ["advice"] if pressed else ["fallback_callback"])


def test_a_text_the_primary_had_stored_does_not_undo_the_callers_read_back_before_it(tmp_path, pg_app):
    """The SMS webhook stored the text, then failed (the database went as it answered): Twilio's fallback found the
    database away and the file keeps the text too. Reading it back finds it stored, a repeat, which rolls its own
    unit of work back: the caller read back just before it must stay on the call-back list."""
    pg_app.extensions["sampark_jobs"] = HeldRunner(pg_app)
    client, down = pg_app.test_client(), _down(tmp_path).test_client()
    call, text = sid("CA"), sid("SM")
    sms = {"MessageSid": text, "From": "+919877700082", "To": "+911800112233", "Body": "bukhar hai"}
    post(client, "/telephony/voice", call_params(call, caller="+919877700081"))
    post(client, "/telephony/sms", sms)  # stored; its answer never reached Twilio
    post(down, "/telephony/voice/fallback", call_params(call, caller="+919877700081", CallStatus="in-progress"))
    post(down, "/telephony/sms/fallback", sms)
    assert len(_kept(tmp_path)) == 2

    with pg_app.app_context():
        assert sweeps.run_once(utcnow())["fallback_read_back"] == 2
        unit_of_work.commit()
        assert _kept(tmp_path) == []
        case = db.session.scalar(select(Call).where(Call.sid == call)).case
        assert case.status == "callback" and case.callback_requested_at is not None  # promised, and kept so
        assert [m.kind for m in case.messages if m.direction == "outbound"] == ["fallback_callback"]
        assert len(db.session.scalars(select(Message).where(Message.sid == text)).all()) == 1


def test_a_file_read_again_after_a_failed_pass_opens_one_follow_up_per_ended_call(tmp_path, pg_app, monkeypatch):
    """Each contact read back is committed on its own, so a pass that fails part-way has stored the ones before:
    reading the file again must not open a second follow-up case (nor text the caller twice)."""
    from sqlalchemy.exc import OperationalError

    from telephony import fallback

    pg_app.extensions["sampark_jobs"] = HeldRunner(pg_app)
    client, down = pg_app.test_client(), _down(tmp_path).test_client()
    ended, later = sid("CA"), sid("CA")
    post(client, "/telephony/voice", call_params(ended, caller="+919877700091"))
    post(down, "/telephony/voice/fallback", call_params(ended, caller="+919877700091", CallStatus="in-progress"))
    post(client, "/telephony/voice/status", call_params(ended, caller="+919877700091", CallStatus="completed",
                                                        CallDuration="20", SequenceNumber="3"))
    post(down, "/telephony/voice/fallback", call_params(later, caller="+919877700092"))
    real = fallback._keep_call

    def database_gone_at_the_second(params, heard_at=None):
        if params["CallSid"] == later:
            raise OperationalError("INSERT ...", {}, Exception("server closed the connection unexpectedly"))
        real(params, heard_at)

    monkeypatch.setattr(fallback, "_keep_call", database_gone_at_the_second)
    assert sweeps.run_guarded(pg_app) is None and len(_kept(tmp_path)) == 0  # renamed, kept for the next pass
    monkeypatch.setattr(fallback, "_keep_call", real)
    assert sweeps.run_guarded(pg_app)["fallback_read_back"] == 2
    with pg_app.app_context():
        cases = db.session.scalars(select(Case).where(Case.caller_phone == "+919877700091").order_by(Case.id)).all()
        assert [c.status for c in cases] == ["abandoned", "callback"]  # one follow-up holds the promise
        assert [m.kind for m in cases[1].messages if m.direction == "outbound"] == ["fallback_callback"]
        assert db.session.scalar(select(Call).where(Call.sid == later)).case.status == "callback"
