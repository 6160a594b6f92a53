"""A citizen on the emulated phone calls, picks Hindi, types their card, waits, is answered.

The app is served over real HTTP; the emulator posts signed webhooks and follows the TwiML; the app
answers with the real twilio Client, whose HTTP goes to the emulator. Nothing is mocked.
"""

import pytest

from crm.models import Case
from crm.platform.extensions import db
from crm.staff.auth import tokens
from emulators.twilio.driver import EmulatorControl, Phone
from tests import factories
from tests.live import eventually, served


@pytest.fixture
def live(tmp_path):
    with served(tmp_path, SMS_PROVIDER="twilio") as (app, base):  # Twilio's phone gets the SMS
        yield app, base


def _api(app, base, role="operator"):
    import requests

    with app.app_context():
        staff = factories.make_staff(role)
        token = tokens.issue(staff)
        staff_id = staff.id
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session, staff_id


def test_call_in_hindi_with_card_then_claimed_into_the_conference(live):
    app, base = live
    with app.app_context():
        card = factories.make_card(name="Sunita Sharma", preferred_language="hi", mobile="+919810000444")
        number, patient_id = card.number, card.patient_id
    phone = Phone(f"{base}/emulator", "+919811111111")  # calling from a neighbour's phone
    call = phone.call()
    call.wait_for("हिंदी के लिए 1 दबाएं", timeout=10)
    call.press("1")
    call.wait_for("कार्ड नंबर डालें", timeout=10)
    call.press(number + "#")
    call.wait_for("आपका कार्ड मिल गया", timeout=10)
    call.wait_for("कतार में आपका नंबर 1 है", timeout=10)

    api, operator = _api(app, base)
    case_id = api.get(f"{base}/api/v1/cases?phone=9811111111").json()["cases"][0]["id"]
    claimed = api.post(f"{base}/api/v1/cases/{case_id}/claim")
    assert claimed.status_code == 200 and claimed.json()["connection"] == "connecting"
    assert api.post(f"{base}/api/v1/cases/{case_id}/claim").status_code == 409

    view = call.wait_for(lambda v: (v.get("conference") or {}).get("name") == f"case-{case_id}", timeout=10)
    members = {m["name"] for m in view["conference"]["members"]}
    assert members == {"+919811111111", f"client:staff-{operator}"}
    detail = api.get(f"{base}/api/v1/cases/{case_id}").json()
    assert detail["patient_id"] == patient_id and detail["language"] == "hi" and detail["status"] == "in_progress"
    kinds = [e["kind"] for e in detail["timeline"]]
    assert kinds[:5] == ["opened", "language", "card_entered", "queued", "claimed"]
    assert {"redirected"} == {c["queue_result"] for c in detail["calls"] if c["purpose"] == "citizen"}

    call.hang_up()
    call.wait_until_ended(timeout=10)
    control = EmulatorControl(f"{base}/emulator")
    control.settle(timeout=10)
    assert control.requests(invalid_only=True) == []  # every REST request the app sent fits Twilio's OpenAPI
    assert len(control.requests()) >= 2


def test_caller_who_hangs_up_in_the_queue_is_abandoned_with_the_wait(live):
    app, base = live
    call = Phone(f"{base}/emulator", "+919822222222").call()
    call.wait_for("press 9", timeout=10)
    call.press("2")
    call.wait_for("card number", timeout=10)
    call.press("#")
    call.wait_for("You are number 1", timeout=10)
    call.hang_up()
    call.wait_until_ended(timeout=10)

    def abandoned():
        with app.app_context():
            case = db.session.scalars(db.select(Case)).one()
            return case.status == "abandoned" and (case.abandoned_at, [c.queue_result for c in case.calls])

    found = eventually(abandoned)
    assert found and found[1] == ["hangup"]


def test_press_nine_is_an_emergency_with_advice(live):
    app, base = live
    call = Phone(f"{base}/emulator", "+919833333333").call()
    call.wait_for("press 9", timeout=10)
    call.press("9")
    call.wait_for("call 112, or 108", timeout=10)
    call.wait_for(lambda v: (v.get("queue") or {}).get("name") == "emergency", timeout=10)
    with app.app_context():
        case = db.session.scalars(db.select(Case)).one()
        assert (case.priority, case.queue, case.alarm_level) == ("P1", "emergency", 1)
    call.hang_up()


def test_call_back_keeps_the_place_and_the_operator_calls_back(live):
    app, base = live
    phone = Phone(f"{base}/emulator", "+919844444444")
    call = phone.call()
    call.wait_for("press 9", timeout=10)
    call.press("2")
    call.wait_for("card number", timeout=10)
    call.press("#")
    call.wait_for("To get a call back instead", timeout=10)
    call.press("1")
    call.wait_for("We will call you back", timeout=10)
    call.wait_until_ended(timeout=10)
    api, operator = _api(app, base)
    claimed = api.post(f"{base}/api/v1/queues/tier1/next").json()
    assert claimed["connection"] == "calling_back" and claimed["callback_requested_at"]
    ringing = phone.wait_for_incoming_call(timeout=10)
    ringing.answer()
    view = ringing.wait_for(lambda v: (v.get("conference") or {}).get("name") == f"case-{claimed['id']}", timeout=10)
    assert f"client:staff-{operator}" in {m["name"] for m in view["conference"]["members"]}


def test_sms_in_devanagari_gets_a_devanagari_reply_on_the_phone(live):
    _app, base = live
    phone = Phone(f"{base}/emulator", "+919855555555")
    phone.text("मुझे डॉक्टर से मिलने का समय चाहिए")
    reply = phone.wait_for_text("केस SMP-", timeout=10)
    assert reply["body"].startswith("सम्पर्क: संदेश मिला।")  # the registered template, one SMS part


def test_saying_a_red_flag_in_hindi_reaches_the_emergency_queue(live):
    app, base = live
    call = Phone(f"{base}/emulator", "+919877777777").call()
    call.wait_for("अपनी तकलीफ़ बोलकर बताएं", timeout=10)
    call.say("papa ko seene me bahut dard ho raha hai")
    call.wait_for(lambda v: (v.get("queue") or {}).get("name") == "emergency", timeout=10)
    with app.app_context():
        case = db.session.scalars(db.select(Case)).one()
        assert (case.priority, case.queue, case.alarm_level) == ("P1", "emergency", 1)
    call.hang_up()


@pytest.mark.parametrize(("key", "card_prompt", "queue_words"), [
    ("3", "ਕਾਰਡ ਨੰਬਰ ਪਾਓ", "ਕਤਾਰ ਵਿੱਚ ਤੁਹਾਡਾ ਨੰਬਰ 1 ਹੈ"),
    ("4", "कार्ड नंबर दर्ज करें", "क़तार में आप का नंबर 1 है"),  # Urdu's words, by the Hindi voice until recorded
])
def test_a_punjabi_or_urdu_caller_reaches_the_queue_and_twilio_accepts_every_voice_and_language(live, key, card_prompt,
                                                                                                 queue_words):
    app, base = live
    call = Phone(f"{base}/emulator", "+919833333333").call()
    call.wait_for("ਪੰਜਾਬੀ ਲਈ 3 ਦਬਾਓ", timeout=10)
    call.press(key)
    call.wait_for(card_prompt, timeout=10)
    call.press("#")
    view = call.wait_for(queue_words, timeout=10)
    assert not [line for line in view["transcript"] if line["kind"] in ("warning", "error")], view["transcript"]
    with app.app_context():
        assert db.session.scalars(db.select(Case.language)).one() == {"3": "pa", "4": "ur"}[key]
    call.hang_up()
    call.wait_until_ended(timeout=10)
