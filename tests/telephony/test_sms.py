"""Inbound SMS and WhatsApp on PostgreSQL: one case per conversation, replies in the sender's script, opt-outs,
emergencies, facility questions, statuses; a common text is one statement (crm.cases.texts)."""

from contextlib import contextmanager

import pytest
from flask import current_app
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, select
from sqlalchemy import text as sql_text

from crm.cases import lifecycle, texts
from crm.helpline.messages import inbound, replies
from crm.models import Case, Message, OptOut
from crm.models.case import SUMMARY_COLUMNS, reference_sql
from crm.platform import outbox
from crm.platform.extensions import db
from crm.platform.sms_parts import is_gsm, segments
from tests import factories
from tests.conftest import app_with_schema
from tests.telephony import twilio_sign
from tests.telephony.conftest import sid

WHATSAPP_SENDER = "+14155238886"


@pytest.fixture
def app(tmp_path):
    """The telephony app (PostgreSQL, jobs held) with a WhatsApp sender of its own."""
    with app_with_schema(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False, TWILIO_WHATSAPP_NUMBER=WHATSAPP_SENDER) as app:
        yield app


def text(client, body, sender="+919810000001", **extra):
    params = {"MessageSid": sid("SM"), "AccountSid": "AC" + "0" * 32, "From": sender, "To": "+911800112233",
              "Body": body, "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01"}
    params |= extra
    response = twilio_sign.post(client, "/telephony/sms", params)
    assert response.status_code == 200 and "<Response" in response.get_data(as_text=True)
    return params


def held():
    return current_app.extensions["sampark_jobs"].held


def outbound():
    db.session.expire_all()
    return db.session.scalars(select(Message).where(Message.direction == "outbound").order_by(Message.id)).all()


def inbound_messages():
    db.session.expire_all()
    return db.session.scalars(select(Message).where(Message.direction == "inbound").order_by(Message.id)).all()


def only_case():
    db.session.expire_all()
    return db.session.scalars(select(Case)).one()


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


def test_first_text_opens_a_case_and_acknowledges_with_its_reference(client):
    text(client, "I need an appointment for my diabetes checkup")
    case = only_case()
    assert (case.channel, case.status, case.queue, case.priority) == ("sms", "queued", "tier1", "P4")
    (reply,) = outbound()
    assert reply.body.startswith("Sampark: we got your message. Case " + case.reference)
    assert held() == [(outbox.SEND_JOB, (reply.id,))]
    assert [e.kind for e in case.events] == ["opened", "sms_in", "queued", "sms_out"]


def test_a_first_text_is_one_statement(client):
    with statements() as sent:
        text(client, "mujhe sar dard hai aur chakkar aa rahe hain")
    assert len(sent) == 1


def test_the_same_message_delivered_twice_is_stored_once_and_answered_once(client):
    params = text(client, "bukhar hai")
    twilio_sign.post(client, "/telephony/sms", params)
    assert len(inbound_messages()) == 1 and len(outbound()) == 1


def test_follow_up_texts_join_the_open_case_without_another_ack(client):
    text(client, "meri maa ko bukhar hai")
    text(client, "teen din se")
    assert db.session.scalar(select(db.func.count(Case.id))) == 1 and len(outbound()) == 1
    assert len(inbound_messages()) == 2


def test_devanagari_in_devanagari_out_within_two_segments(client):
    text(client, "मुझे डॉक्टर से मिलने का समय चाहिए")
    (reply,) = outbound()
    assert "केस SMP-" in reply.body and segments(reply.body) <= 2 and not is_gsm(reply.body)
    assert reply.segments == segments(reply.body)


def test_romanised_hindi_gets_romanised_hindi(client):
    text(client, "mujhe appointment chahiye kal ke liye")
    assert outbound()[0].body.startswith("Sampark: aapka sandesh mil gaya")


@pytest.mark.parametrize("body, script", [
    ("papa ko seene me bahut dard ho raha hai", "hinglish"),
    ("माँ बेहोश हो गई हैं", "hi"),
    ("my father collapsed and is not breathing", "en"),
])
def test_red_flag_text_gets_emergency_advice_and_a_doctor_call_back(client, body, script):
    text(client, body)
    case = only_case()
    assert (case.priority, case.queue, case.status, case.alarm_level) == ("P1", "emergency", "queued", 1)
    assert case.callback_requested_at is not None
    (advice,) = outbound()
    assert advice.kind == "advice" and "112" in advice.body and "108" in advice.body
    assert segments(advice.body) <= 2 and advice.segments == segments(advice.body)
    assert (not is_gsm(advice.body)) == (script == "hi")
    assert [e.kind for e in case.events] == ["opened", "sms_in", "emergency", "alarm", "queued", "sms_out"]


def test_red_flag_in_a_follow_up_raises_the_open_case(client):
    text(client, "appointment chahiye")
    text(client, "abhi papa behosh ho gaye")
    case = only_case()
    assert case.priority == "P1" and case.queue == "emergency" and case.callback_requested_at is not None
    assert [m.kind for m in outbound()] == ["ack", "advice"]


def test_a_red_flag_for_a_claimed_case_moves_it_to_the_doctors(client):
    text(client, "I need an appointment for my diabetes checkup")
    case = only_case()
    lifecycle.claim(case.id, factories.make_staff("operator"))
    db.session.commit()
    text(client, "my father collapsed and is not breathing")
    case = only_case()
    assert (case.priority, case.queue, case.status, case.assigned_to_id) == ("P1", "emergency", "queued", None)
    assert [m.kind for m in case.messages] == ["reply", "ack", "reply", "advice"]
    assert [e.kind for e in case.events][-1] == "sms_out"


def test_a_text_from_a_registered_mobile_is_matched_to_its_holder_and_their_language(client):
    holder = factories.make_patient(mobile="+919810000077", relation="self", preferred_language="en")
    db.session.commit()
    text(client, "mujhe bukhar hai", sender="+919810000077")
    case = only_case()
    assert (case.patient_id, case.language) == (holder.id, "en")


def test_a_text_from_a_mobile_whose_record_was_merged_is_matched_to_the_surviving_record(client):
    merged = factories.make_patient(mobile="+919810000078", relation="self", preferred_language="hi")
    kept = factories.make_patient(mobile="+919810000078", relation="self", preferred_language="en")
    merged.merged_into_id = kept.id
    db.session.commit()
    text(client, "mujhe bukhar hai", sender="+919810000078")
    case = only_case()
    assert (case.patient_id, case.language) == (kept.id, "en")


def test_whatsapp_opens_a_whatsapp_case_answered_from_the_whatsapp_sender(client):
    text(client, "bukhar hai", sender="whatsapp:+919810000002", To="whatsapp:" + WHATSAPP_SENDER)
    case = only_case()
    (message,) = inbound_messages()
    (reply,) = outbound()
    assert (case.channel, case.caller_phone) == ("whatsapp", "+919810000002")
    assert (message.channel, message.to_number) == ("whatsapp", WHATSAPP_SENDER)
    assert (reply.channel, reply.from_number, reply.to_number) == ("whatsapp", WHATSAPP_SENDER, "+919810000002")


def test_the_same_number_on_sms_and_whatsapp_is_two_conversations(client):
    text(client, "bukhar hai", sender="+919810000003")
    text(client, "bukhar hai", sender="whatsapp:+919810000003")
    db.session.expire_all()
    assert sorted(c.channel for c in db.session.scalars(select(Case))) == ["sms", "whatsapp"]


def test_a_photo_alone_tells_the_desk_and_fetches_nothing(client):
    text(client, "", NumMedia="1", MediaUrl0="https://api.twilio.com/media/ME1")
    (message,) = inbound_messages()
    assert message.body == inbound.MEDIA_ONLY and message.case_id == only_case().id


def test_a_bare_facility_question_is_answered_without_a_case(client):
    text(client, "where is the nearest clinic")
    db.session.expire_all()
    assert db.session.scalars(select(Case)).all() == []
    (answer,) = outbound()
    assert answer.kind == "facilities" and answer.case_id is None


def test_a_facility_question_in_an_open_conversation_stays_in_its_thread(client):
    text(client, "mujhe bukhar hai")
    text(client, "where is the nearest clinic")
    case = only_case()
    assert [m.kind for m in outbound()] == ["ack", "facilities"]
    assert {m.case_id for m in case.messages} == {case.id}


@pytest.mark.parametrize("word", ["STOP", "stop", " Unsubscribe "])
def test_stop_is_recorded_and_nothing_more_is_sent(client, word):
    text(client, "bukhar hai")
    text(client, word, OptOutType="STOP" if word == "STOP" else "")
    assert db.session.scalars(select(OptOut).where(OptOut.phone == "+919810000001")).all() != []
    held().clear()
    case = only_case()
    assert [e.kind for e in case.events][-1] == "opted_out"
    message = inbound.queue_reply(case, "Your appointment is at 10:00.")
    db.session.commit()
    outbox.send(message.id)
    db.session.expire_all()
    assert db.session.get(Message, message.id).status == "blocked"


def test_start_lifts_the_opt_out(client):
    text(client, "STOP", OptOutType="STOP")
    text(client, "START", OptOutType="START")
    db.session.expire_all()
    assert db.session.scalars(select(OptOut)).all() == []


def _sent_message(client):
    text(client, "hello")
    message = outbound()[0]
    message.sid, message.status = sid("SM"), "queued"
    db.session.commit()
    return message


def _status(client, message, status):
    params = {"MessageSid": message.sid, "MessageStatus": status, "SmsStatus": status, "AccountSid": "AC" + "0" * 32,
              "To": message.to_number, "From": message.from_number}
    assert twilio_sign.post(client, "/telephony/sms/status", params).status_code == 204


def test_delivery_statuses_only_move_forward(client):
    message = _sent_message(client)
    for status in ["sent", "delivered", "sending", "sent", "queued", "delivered"]:
        _status(client, message, status)
    db.session.expire_all()
    assert db.session.get(Message, message.id).status == "delivered"


@pytest.mark.parametrize("code, words", [("30003", None), ("21610", "The citizen texted STOP.")])
def test_failed_delivery_keeps_the_error_code_and_known_words(client, code, words):
    message = _sent_message(client)
    params = {"MessageSid": message.sid, "MessageStatus": "undelivered", "ErrorCode": code}
    twilio_sign.post(client, "/telephony/sms/status", params)
    db.session.expire_all()
    stored = db.session.get(Message, message.id)
    assert (stored.status, stored.error_code, stored.error_message) == ("undelivered", code, words)


def test_a_message_is_sent_at_most_once_even_if_its_job_runs_twice(client):
    text(client, "hello")
    message = outbound()[0]
    assert outbox.claim_for_sending(message.id) is not None
    assert outbox.claim_for_sending(message.id) is None


@pytest.mark.parametrize("case_id", [1, 42, 99_999, 100_000, 123_456, 10_000_000])
def test_the_reference_in_sql_is_the_reference_in_python(app, case_id):
    assert db.session.scalar(sql_text(f"SELECT {reference_sql('CAST(:id AS integer)')}"),
                             {"id": case_id}) == Case(id=case_id).reference


@given(kind=st.sampled_from(["ack", "emergency"]), script=st.sampled_from(["hi", "hinglish", "en"]),
       case_id=st.integers(1, 10**15))
def test_a_new_case_reply_costs_the_parts_its_text_costs(kind, script, case_id):
    # The statement picks the reply's parts by its reference's length from a list counted by crm.platform.sms_parts.
    template = replies.reply(kind, script, ref=texts.REFERENCE)
    reference = Case(id=case_id).reference
    parts = texts._parts_by_reference_length(template.replace(texts.REFERENCE, ""))
    assert parts[len(reference) - 9] == segments(template.replace(texts.REFERENCE, reference))


@pytest.mark.parametrize("kind", ["ack", "emergency"])
@pytest.mark.parametrize("script", ["hi", "hinglish", "en", "pa", "ur"])
def test_the_parts_go_to_the_statement_as_postgresqls_array_of_the_same_counts(app, kind, script):
    # Sent as text once made (texts._parts_array), read by the statement's CAST(:parts AS int[]).
    template = replies.reply(kind, script, ref=texts.REFERENCE).replace(texts.REFERENCE, "")
    sent = db.session.scalar(sql_text("SELECT CAST(:parts AS int[])"), {"parts": texts._parts_array(template)})
    assert sent == list(texts._parts_by_reference_length(template))


@pytest.mark.parametrize("body", ["fever and cough for three days", "my father has chest pain and is sweating"])
def test_the_statement_returns_the_case_summary_and_no_other_column_of_the_case(client, monkeypatch, body):
    # What the answer and the live events read (crm.models.case.SUMMARY_COLUMNS); every other column returned cost
    # the webhook its loading. A text that opens a case, then one that joins it.
    taken = []
    take = texts.take
    monkeypatch.setattr(texts, "take", lambda *args, **kwargs: taken.append(take(*args, **kwargs)) or taken[-1])
    text(client, body)
    text(client, "still unwell")
    assert [t.path for t in taken] == ["opened", "joined"]
    for t in taken:
        assert t.case._fields == ("path", "found", *SUMMARY_COLUMNS, "message_id", "reply_id")
        assert t.case.id == only_case().id and t.case.status == only_case().status


@pytest.mark.parametrize(("body", "language", "advice_words"), [
    ("ਮੇਰੇ ਪਿਤਾ ਜੀ ਦੀ ਛਾਤੀ ਵਿੱਚ ਬਹੁਤ ਦਰਦ ਹੈ", "pa", "ਐਮਰਜੈਂਸੀ ਲੱਗਦੀ ਹੈ"),
    ("میرے والد بے ہوش ہو گئے ہیں", "ur", "ایمرجنسی لگتی ہے"),
    ("বাবার বুকে প্রচণ্ড ব্যথা", "hi", "आपातकाल लगता है"),  # Bengali is answered in Hindi
])
def test_an_emergency_in_punjabi_urdu_or_bengali_is_p1_answered_in_the_senders_language(client, body, language,
                                                                                        advice_words):
    text(client, body)
    case = only_case()
    assert (case.priority, case.queue, case.language) == ("P1", "emergency", language)
    (advice,) = outbound()
    assert advice_words in advice.body and segments(advice.body) <= 2


def test_a_text_in_a_script_nobody_reads_waits_in_tier_one_at_p2_marked_for_a_reader(client):
    text(client, "என் அப்பாவுக்கு உடம்பு சரியில்லை")
    case = only_case()
    assert (case.priority, case.queue) == ("P2", "tier1")
    assert "needs_reader:Tamil" in next(e.detail["rules"] for e in case.events if e.kind == "sms_in")


def test_a_punjabi_text_is_acknowledged_in_punjabi_and_the_case_remembers_it(client):
    text(client, "ਮੈਨੂੰ ਡਾਕਟਰ ਨਾਲ ਅਪੌਇੰਟਮੈਂਟ ਚਾਹੀਦੀ ਹੈ")
    assert only_case().language == "pa"
    assert "ਸੁਨੇਹਾ ਮਿਲਿਆ" in outbound()[0].body
