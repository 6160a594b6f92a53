"""Contacts the fallback URLs took while the database was down are read back when it returns.

The fallback answers with static TwiML and keeps each caller and text in a file in the instance folder;
the sweep stores them once the database answers: the caller who hung up is on the call-back list with
an SMS saying so (the fallback promised it), the one who pressed 9 stays with the doctors, alarmed, to be
called back, and the text is stored and answered. Nothing is read back twice.
"""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from crm.models import Call, Case, Message
from crm.models.base import utcnow
from crm.platform import sweeps, unit_of_work
from crm.platform.extensions import db
from tests.conftest import UNREACHABLE_DATABASE_URL, make_app
from tests.live import served
from tests.telephony.conftest import call_params, sid
from tests.telephony.twilio_sign import post

LATER = timedelta(minutes=4)  # past the call sweep's silence threshold


def _sweep(now):
    done = sweeps.run_once(now)
    unit_of_work.commit()
    return done


def test_callers_and_texts_kept_while_the_database_was_down_are_read_back_and_called_back(tmp_path):
    down = make_app(tmp_path, DATABASE_URL=UNREACHABLE_DATABASE_URL)
    client = down.test_client()
    hung_up, pressed_9, texted = sid("CA"), sid("CA"), sid("SM")
    for params in (call_params(hung_up, caller="+919877700011"),
                   call_params(pressed_9, caller="+919877700012", Digits="9")):
        assert "108" in post(client, "/telephony/voice/fallback", params).get_data(as_text=True)
    sms = {"MessageSid": texted, "From": "+919877700013", "To": "+911800112233", "Body": "saans nahi aa rahi"}
    assert "112" in post(client, "/telephony/sms/fallback", sms).get_data(as_text=True)
    kept = tmp_path / "instance" / "fallback-contacts.jsonl"
    assert len(kept.read_text().splitlines()) == 3

    # The database is back (the same instance folder, a database that answers).
    with served(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False) as (app, _base), app.app_context():
        assert _sweep(utcnow())["fallback_read_back"] == 3
        assert not kept.exists() and not list(kept.parent.glob("*.replaying"))
        assert _sweep(utcnow())["fallback_read_back"] == 0  # read once
        by_call = {c.sid: c.case for c in db.session.scalars(select(Call))}
        assert set(by_call) == {hung_up, pressed_9}
        assert by_call[pressed_9].priority == "P1" and by_call[pressed_9].queue == "emergency"
        text = db.session.scalar(select(Message).where(Message.sid == texted))
        assert text.direction == "inbound" and text.body == "saans nahi aa rahi"
        assert {m.kind for m in text.case.messages if m.direction == "outbound"} >= {"advice"}

        # The calls are long over at Twilio: the call sweep settles both and nobody is forgotten.
        assert _sweep(utcnow() + LATER)["calls_reconciled"] == 2
        gone, emergency = db.session.get(Case, by_call[hung_up].id), db.session.get(Case, by_call[pressed_9].id)
        assert gone.status == "callback" and gone.callback_requested_at is not None  # promised a call-back
        assert [m.kind for m in gone.messages if m.direction == "outbound"] == ["fallback_callback"]
        assert emergency.queue == "emergency" and emergency.alarm_level >= 1
        assert emergency.callback_requested_at is not None  # the doctors call back


def test_a_read_back_that_fails_is_read_again_by_a_later_pass(tmp_path, monkeypatch):
    down = make_app(tmp_path, DATABASE_URL=UNREACHABLE_DATABASE_URL)
    caller = sid("CA")
    post(down.test_client(), "/telephony/voice/fallback", call_params(caller, caller="+919877700021"))
    with served(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False) as (app, _base), app.app_context():
        from telephony import fallback

        real = fallback._keep_call
        monkeypatch.setattr(fallback, "_keep_call", lambda *a: (_ for _ in ()).throw(
            OperationalError("INSERT ...", {}, Exception("server closed the connection unexpectedly"))))
        assert sweeps.run_guarded(app) is None  # the pass failed and was rolled back
        monkeypatch.setattr(fallback, "_keep_call", real)
        assert _sweep(utcnow())["fallback_read_back"] == 1
        assert db.session.scalar(select(Call.sid)) == caller


def test_a_contact_that_cannot_be_stored_is_set_aside_and_does_not_hold_up_the_others(tmp_path, monkeypatch):
    down = make_app(tmp_path, DATABASE_URL=UNREACHABLE_DATABASE_URL).test_client()
    broken, fine = sid("CA"), sid("CA")
    for call, caller in ((broken, "+919877700022"), (fine, "+919877700023")):
        post(down, "/telephony/voice/fallback", call_params(call, caller=caller))
    with served(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False) as (app, _base), app.app_context():
        from telephony import fallback

        real = fallback._keep_call

        def keep(params, heard_at=None):
            if params["CallSid"] == broken:
                raise ValueError("a bug, not the database")
            real(params, heard_at)

        monkeypatch.setattr(fallback, "_keep_call", keep)
        for _ in range(2):  # read once: the broken one does not come round again and again
            _sweep(utcnow())
        assert db.session.scalars(select(Call.sid)).all() == [fine]
        aside = tmp_path / "instance" / "fallback-contacts-not-read-back.jsonl"
        lines = aside.read_text().splitlines()
        assert len(lines) == 1 and broken in lines[0] and "+919877700022" in lines[0]  # for a person to call back
        assert aside.stat().st_mode & 0o077 == 0  # phone numbers: readable by the helpline's user only


def test_the_sweep_does_not_take_the_file_while_a_fallback_is_appending_to_it(tmp_path):
    """A fallback opens the file, then writes its line: renamed, read and deleted in between, the line was lost."""
    import fcntl

    from telephony import fallback

    down = make_app(tmp_path, DATABASE_URL=UNREACHABLE_DATABASE_URL)
    caller = sid("CA")
    post(down.test_client(), "/telephony/voice/fallback", call_params(caller, caller="+919877700024"))
    kept = tmp_path / "instance" / "fallback-contacts.jsonl"
    with served(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False) as (app, _base), app.app_context():
        with fallback._file_lock(kept, fcntl.LOCK_SH):  # a fallback between opening the file and closing it
            assert _sweep(utcnow())["fallback_read_back"] == 0
            assert kept.exists()  # left where the fallback writes: its line goes into the file a later pass reads
        assert _sweep(utcnow())["fallback_read_back"] == 1
        assert db.session.scalar(select(Call.sid)) == caller
