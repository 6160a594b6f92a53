"""The IVR: greeting, language, emergency, card number, queue, call-back, queue results, statuses."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.models import AuditLog, Call, Case, CaseEvent
from crm.platform.extensions import db
from tests import factories
from tests.telephony import twilio_sign
from tests.telephony.conftest import call_params, sid


def fresh(row):
    """Re-read a row the requests changed (they run in their own sessions)."""
    db.session.expire_all()
    return db.session.get(type(row), row.id)


def start(client, caller="+919810000001"):
    call_sid = sid("CA")
    response = twilio_sign.post(client, "/telephony/voice", call_params(call_sid, caller))
    assert response.status_code == 200
    case = Case.query.order_by(Case.id.desc()).first()
    return call_sid, case, response.get_data(as_text=True)


def step(client, path, call_sid, **params):
    response = twilio_sign.post(client, path, call_params(call_sid, CallStatus="in-progress") | params)
    assert response.status_code in (200, 204), response.data
    return response.get_data(as_text=True)


def test_greeting_offers_hindi_english_and_emergency(client):
    _, case, twiml = start(client)
    assert 'language="hi-IN" voice="Polly.Aditi"' in twiml and 'language="en-IN" voice="Polly.Raveena"' in twiml
    assert "हिंदी के लिए 1 दबाएं" in twiml and "For English, press 2" in twiml and "press 9" in twiml
    assert case.status == "ivr" and case.channel == "voice" and case.reference == f"SMP-{case.id:05d}"


def test_same_callsid_twice_is_one_call_one_case(client):
    call_sid = sid("CA")
    for _ in range(3):
        twilio_sign.post(client, "/telephony/voice", call_params(call_sid))
    assert Case.query.count() == 1 and Call.query.count() == 1


def test_known_caller_is_greeted_in_their_language(client):
    factories.make_patient(mobile="+919810000055", preferred_language="en")
    _, case, twiml = start(client, "+919810000055")
    assert case.patient_id is not None and "Welcome back to Sampark" in twiml.split("<Say")[1]


def test_a_caller_whose_record_was_merged_is_matched_to_the_surviving_record_as_the_lookup_by_phone_finds_them(client):
    # The older record (self, the lower id) was merged into the newer one: the desk must open the record that lives.
    merged = factories.make_patient(mobile="+919810000056", preferred_language="hi")
    kept = factories.make_patient(mobile="+919810000056", preferred_language="en")
    merged.merged_into_id = kept.id
    db.session.commit()
    _, case, twiml = start(client, "+919810000056")
    assert case.patient_id == kept.id and "Welcome back to Sampark" in twiml.split("<Say")[1]


def test_english_then_card_number_then_queue(client):
    card = factories.make_card()
    call_sid, case, _ = start(client, "+919800000000")
    twiml = step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="2")
    assert "enter the 12 digit card number" in twiml
    spaced = card.number
    twiml = step(client, f"/telephony/voice/card?case={case.id}", call_sid, Digits=spaced)
    assert "we found your card" in twiml and "<Enqueue" in twiml and ">tier1</Enqueue>" in twiml
    case = fresh(case)
    assert (case.language, case.patient_id, case.status, case.queue) == ("en", card.patient_id, "queued", "tier1")


def test_a_repeated_or_late_ivr_step_enters_the_queue_once_and_never_changes_a_case_being_worked(client):
    # Neither holder's phone is the caller's (factories number mobiles +9198000000NN by a counter the whole run
    # shares): only the card may identify them.
    card, other = factories.make_card(mobile="+919811100091"), factories.make_card(mobile="+919811100092")
    call_sid, case, _ = start(client, "+919800000009")
    step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="2")
    for _ in range(3):  # Twilio sent it again (its answer was lost, or slow)
        assert "<Enqueue" in step(client, f"/telephony/voice/card?case={case.id}", call_sid, Digits=card.number)
    from crm.cases import lifecycle

    lifecycle.claim(case.id, factories.make_staff("operator"))
    db.session.commit()
    step(client, f"/telephony/voice/card?case={case.id}", call_sid, Digits=other.number)  # out of order, after the claim
    case = fresh(case)
    assert (case.status, case.patient_id) == ("in_progress", card.patient_id)
    step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="1")  # the menu key, late as well
    case = fresh(case)
    assert case.language == "en"
    kinds = [e.kind for e in CaseEvent.query.filter_by(case_id=case.id).order_by(CaseEvent.id)]
    assert kinds == ["opened", "language", "card_entered", "queued", "claimed"]
    assert Call.query.filter_by(sid=call_sid).one().card_attempts == 1


def test_wrong_check_digit_asks_again_then_goes_on(client):
    call_sid, case, _ = start(client, "+919800000001")
    step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="1")
    twiml = step(client, f"/telephony/voice/card?case={case.id}", call_sid, Digits="123456789012")
    assert "यह कार्ड नंबर सही नहीं लग रहा" in twiml and "<Enqueue" not in twiml
    twiml = step(client, f"/telephony/voice/card?case={case.id}", call_sid, Digits="123456789013")
    assert "<Enqueue" in twiml and fresh(case).patient_id is None


def test_hash_alone_skips_the_card(client):
    call_sid, case, _ = start(client, "+919800000002")
    step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="1")
    assert "<Enqueue" in step(client, f"/telephony/voice/card?case={case.id}", call_sid, Digits="")


def test_nine_is_an_emergency_with_advice(client):
    call_sid, case, _ = start(client)
    twiml = step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="9")
    assert "112" in twiml and "108" in twiml and ">emergency</Enqueue>" in twiml
    case = fresh(case)
    assert (case.priority, case.queue, case.status) == ("P1", "emergency", "queued")
    assert "emergency" in [e.kind for e in case.events]


def test_wrong_key_repeats_the_menu_and_silence_defaults_to_hindi(client):
    call_sid, case, _ = start(client)
    assert "यह विकल्प सही नहीं है" in step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="5")
    step(client, f"/telephony/voice/menu?case={case.id}&noinput=1", call_sid)
    twiml = step(client, f"/telephony/voice/menu?case={case.id}&noinput=2", call_sid)
    assert "कार्ड नंबर" in twiml


def queued(client, caller="+919800000003"):
    call_sid, case, _ = start(client, caller)
    step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="2")
    step(client, f"/telephony/voice/card?case={case.id}", call_sid, Digits="")
    return call_sid, case


def test_wait_announces_position_and_offers_a_call_back(client):
    call_sid, case = queued(client)
    twiml = step(client, f"/telephony/voice/wait?case={case.id}", call_sid, QueuePosition="3", QueueSid="QU" + "1" * 32,
                 QueueTime="40", AvgQueueTime="120", CurrentQueueSize="5")
    assert "You are number 3 in the queue" in twiml and "about 6 minutes" in twiml and "press 1" in twiml
    assert Call.query.filter_by(sid=call_sid).one().queue_sid == "QU" + "1" * 32


@pytest.mark.parametrize(("key", "average", "heard"), [
    ("2", "40", "The expected wait is about one minute."),
    ("2", "120", "The expected wait is about 2 minutes."),
    ("1", "40", "लगभग एक मिनट में बात होगी।"),
    ("1", "120", "लगभग 2 मिनट में बात होगी।"),
])
def test_the_expected_wait_is_said_in_the_callers_language_with_one_minute_in_the_singular(client, key, average, heard):
    call_sid, case, _ = start(client)
    step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits=key)
    step(client, f"/telephony/voice/card?case={case.id}", call_sid, Digits="")
    twiml = step(client, f"/telephony/voice/wait?case={case.id}", call_sid, QueuePosition="1", QueueSid="QU" + "1" * 32,
                 QueueTime="5", AvgQueueTime=average, CurrentQueueSize="1")
    assert heard in twiml and "1 minutes" not in twiml and "1 मिनट" not in twiml


def test_a_caller_still_waiting_when_the_case_was_closed_is_told_goodbye_not_left_in_silence(client):
    call_sid, case = queued(client)
    closed = fresh(case)
    closed.status = "closed"
    db.session.commit()
    twiml = step(client, f"/telephony/voice/wait?case={case.id}", call_sid, QueuePosition="1", QueueSid="QU" + "1" * 32)
    assert "<Leave" in twiml
    goodbye = step(client, f"/telephony/voice/queue-result?case={case.id}", call_sid, QueueResult="leave",
                   QueueTime="30")
    assert "<Say" in goodbye and "<Hangup" in goodbye
    assert fresh(case).status == "closed"


def test_press_one_books_a_call_back_and_keeps_the_place(client):
    call_sid, case = queued(client)
    place = fresh(case).queued_at
    twiml = step(client, f"/telephony/voice/wait/choice?case={case.id}", call_sid, Digits="1")
    assert "<Leave" in twiml
    step(client, f"/telephony/voice/queue-result?case={case.id}", call_sid, QueueResult="leave", QueueTime="65")
    step(client, "/telephony/voice/status", call_sid, CallStatus="completed", CallDuration="90")
    case = fresh(case)
    assert case.status == "callback" and case.callback_requested_at and case.queued_at == place


def test_hangup_in_queue_is_abandoned_with_the_wait(client):
    call_sid, case = queued(client)
    for _ in range(2):  # Twilio may repeat it
        step(client, f"/telephony/voice/queue-result?case={case.id}", call_sid, QueueResult="hangup", QueueTime="47")
    case = fresh(case)
    assert case.status == "abandoned" and case.abandoned_at is not None
    results = CaseEvent.query.filter_by(case_id=case.id, kind="queue_result").all()
    assert len(results) == 1 and results[0].detail == {"result": "hangup", "seconds": 47}


def test_hangup_during_the_menu_is_abandoned(client):
    call_sid, case, _ = start(client)
    step(client, "/telephony/voice/status", call_sid, CallStatus="completed", CallDuration="4")
    assert fresh(case).status == "abandoned"


STATUSES = [("initiated", 0), ("ringing", 1), ("in-progress", 2), ("completed", 3)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(STATUSES), repeats=st.lists(st.sampled_from(STATUSES), max_size=4))
def test_status_callbacks_never_move_a_call_backwards(client, order, repeats):
    call_sid, case, _ = start(client)
    for status, sequence in [*order, *repeats]:
        step(client, "/telephony/voice/status", call_sid, CallStatus=status, SequenceNumber=str(sequence),
             CallDuration="30")
    call = Call.query.filter_by(sid=call_sid).one()
    assert call.status == "completed" and call.ended_at is not None
    assert CaseEvent.query.filter_by(case_id=case.id, kind="call_ended").count() == 1


def test_status_for_an_unknown_call_is_ignored(client):
    assert twilio_sign.post(client, "/telephony/voice/status", call_params(sid("CA"), CallStatus="completed")).status_code == 204


_keys = itertools.count()


@pytest.mark.parametrize("path", ["/telephony/voice", "/telephony/voice/menu?case=1", "/telephony/voice/card?case=1",
                                  "/telephony/voice/wait?case=1", "/telephony/voice/wait/choice?case=1",
                                  "/telephony/voice/queue-result?case=1", "/telephony/voice/status",
                                  "/telephony/sms", "/telephony/sms/status", "/telephony/voice/connect?case=1",
                                  "/telephony/voice/staff?case=1", "/telephony/voice/conference-status?case=1"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(
    st.sampled_from(["CallSid", "From", "To", "Digits", "CallStatus", "SequenceNumber", "QueueResult", "QueueTime",
                     "QueuePosition", "QueueSid", "MessageSid", "Body", "NumSegments", "MessageStatus",
                     "StatusCallbackEvent", "CallDuration", "OptOutType", "AvgQueueTime"]),
    st.text(max_size=40)))
def test_fuzzed_webhooks_never_give_a_server_error(client, path, params):
    start(client)  # so case 1 exists
    response = twilio_sign.post(client, path, params)
    assert response.status_code < 500


@pytest.mark.parametrize("speech, language", [
    ("mere papa ko seene mein bahut dard ho raha hai", "hi"),
    ("मेरी माँ बेहोश हो गई है", "hi"),
    ("my husband is not breathing", "en"),
])
def test_spoken_red_flag_goes_straight_to_the_emergency_queue(client, speech, language):
    call_sid, case, twiml = start(client)
    assert 'input="dtmf speech"' in twiml and "अपनी तकलीफ़ बोलकर बताएं" in twiml
    twiml = step(client, f"/telephony/voice/menu?case={case.id}", call_sid, SpeechResult=speech, Confidence="0.81")
    assert ">emergency</Enqueue>" in twiml
    case = fresh(case)
    assert (case.priority, case.queue, case.language) == ("P1", "emergency", language)
    assert next(e.detail["rules"] for e in case.events if e.kind == "speech")
    again = step(client, f"/telephony/voice/menu?case={case.id}", call_sid, SpeechResult=speech, Confidence="0.81")
    assert ">emergency</Enqueue>" in again  # Twilio sent it again: the same answer, nothing written twice
    kinds = [e.kind for e in fresh(case).events]
    assert kinds.count("speech") == 1 and kinds.count("emergency") == 1, kinds


def test_spoken_routine_request_sets_the_language_and_goes_on(client):
    call_sid, case, _ = start(client)
    twiml = step(client, f"/telephony/voice/menu?case={case.id}", call_sid, SpeechResult="I need an appointment")
    assert "enter the 12 digit card number" in twiml and fresh(case).language == "en"


def test_a_revoked_card_identifies_nobody_and_is_audited(client):
    card = factories.make_card(mobile="+919811199999")  # not the caller's phone: only the card could identify them
    card.status = "revoked"
    db.session.commit()
    call_sid, case, _ = start(client, "+919800000004")
    step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="2")
    twiml = step(client, f"/telephony/voice/card?case={case.id}", call_sid, Digits=card.number)
    assert "<Enqueue" in twiml
    case = fresh(case)
    assert case.patient_id is None and case.status == "queued"
    assert [e.kind for e in case.events] == ["opened", "language", "card_revoked", "queued"]
    audit = AuditLog.query.filter_by(case_id=case.id).one()
    assert (audit.action, audit.patient_id, audit.card_number, audit.via) == (
        "card_refused", card.patient_id, card.number, "ivr")


def test_pressing_one_twice_books_one_call_back(client):
    call_sid, case = queued(client)
    for _ in range(2):
        assert "<Leave" in step(client, f"/telephony/voice/wait/choice?case={case.id}", call_sid, Digits="1")
    case = fresh(case)
    assert case.status == "callback" and [e.kind for e in case.events].count("callback_requested") == 1


def test_a_caller_who_hangs_up_on_the_operator_is_noted_not_abandoned(client):
    from crm.cases import lifecycle

    call_sid, case = queued(client)
    lifecycle.claim(case.id, factories.make_staff())
    db.session.commit()
    for _ in range(2):  # Twilio may repeat it
        step(client, f"/telephony/voice/queue-result?case={case.id}", call_sid, QueueResult="hangup", QueueTime="12")
    case = fresh(case)
    assert case.status == "in_progress"
    assert [(e.kind, e.detail) for e in case.events][-2:] == [
        ("queue_result", {"result": "hangup", "seconds": 12}), ("caller_gone", {"seconds_waited": 12})]
    assert "<Conference" in step(client, f"/telephony/voice/queue-result?case={case.id}", call_sid,
                                 QueueResult="leave")
