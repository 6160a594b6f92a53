"""The missed-call number end to end: the emulated phone rings it, the app rejects the call unanswered,
the call-back waits in the tier-1 line at the time of the missed call, and the SMS says when to expect it."""

import pytest
import requests
from sqlalchemy import select

from crm.cases import lifecycle, queue
from crm.models import Call, Case, Message
from crm.platform.extensions import db
from crm.staff.auth import tokens
from emulators.twilio.driver import EmulatorControl, Phone
from tests import factories
from tests.live import eventually, served

MISSED = "+911800112244"
CALLER = "+919810000081"


@pytest.fixture
def live(tmp_path):
    with served(tmp_path, MISSED_CALL_NUMBER=MISSED, SMS_PROVIDER="twilio") as (app, base):  # texts on Twilio's phone
        yield app, base


def _waiting_voice_case(app, phone: str) -> int:
    """Someone already waiting in the tier-1 line (they called before the missed call)."""
    with app.app_context():
        case = lifecycle.open_case("voice", phone)
        lifecycle.enter_queue(case, queue.TIER1)
        db.session.commit()
        return case.id


def _cases(app) -> list[Case]:
    with app.app_context():
        found = db.session.scalars(select(Case).where(Case.caller_phone == CALLER)).all()
        db.session.expunge_all()
        return found


def _operator(app):
    with app.app_context():
        token = tokens.issue(factories.make_staff("operator"))
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def test_a_missed_call_is_rejected_unanswered_called_back_in_its_place_and_texted(live):
    app, base = live
    earlier = _waiting_voice_case(app, "+919810000091")
    phone = Phone(f"{base}/emulator", CALLER)

    call = phone.call(to=MISSED)
    ended = call.wait_until_ended(timeout=10)
    assert ended["status"] == "busy" and ended["duration"] in (0, None)  # never answered: nothing to pay
    assert any("Rejected (busy)" in line["text"] for line in ended["transcript"])

    case = eventually(lambda: (found := _cases(app)) and found[0])
    assert (case.channel, case.queue, case.status) == ("voice", "tier1", "callback")
    assert case.callback_requested_at is not None
    later = _waiting_voice_case(app, "+919810000092")

    # An unknown caller is texted in Hindi, Delhi's first language: the registered template, one SMS part.
    text = phone.wait_for_text("मिनट में कॉल करेंगे", timeout=10)
    assert case.reference in text["body"] and ", 10 मिनट" in text["body"]  # 2nd in line, no operator at work: 2 x 4 min, in 5-min steps
    assert text["segments"] == 1

    # Calling again while the call-back waits: the first place stands, no second case, no second SMS.
    again = phone.call(to=MISSED)
    again.wait_until_ended(timeout=10)
    with app.app_context():
        assert eventually(lambda: db.session.scalar(select(Call).where(Call.purpose == "missed_call").offset(1)))
        assert len(_cases(app)) == 1
        assert len(db.session.scalars(select(Message).where(Message.to_number == CALLER)).all()) == 1

    order = [_operator(app).post(f"{base}/api/v1/queues/tier1/next").json() for _ in range(3)]  # one call each
    assert [o["id"] for o in order] == [earlier, case.id, later]
    assert order[1]["connection"] == "calling_back"
    ringing = phone.wait_for_incoming_call(timeout=10)
    assert ringing.sid
    control = EmulatorControl(f"{base}/emulator")
    control.settle(timeout=10)
    assert control.requests(invalid_only=True) == []


def test_a_known_caller_is_texted_in_their_language_only(live):
    app, base = live
    with app.app_context():
        factories.make_patient(mobile=CALLER, preferred_language="en")
    phone = Phone(f"{base}/emulator", CALLER)
    phone.call(to=MISSED).wait_until_ended(timeout=10)
    text = phone.wait_for_text("missed call", timeout=10)
    assert "मिस्ड" not in text["body"] and "call you back in about" in text["body"] and text["segments"] == 1


def test_the_helpline_number_still_answers_normally(live):
    _app, base = live
    call = Phone(f"{base}/emulator", CALLER).call()
    call.wait_for("press 9", timeout=10)
    call.hang_up()
