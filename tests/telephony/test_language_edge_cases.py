"""Bad input across Delhi's languages (issue 27), each a defined behaviour and never an error:

- mixed scripts in one message: every part is read (an emergency in any of them is P1), and the reply is in the
  script most of its letters are in;
- a script nobody on shift reads: tier 1 at P2 marked "needs a reader of <script>", acknowledged in English, offered
  at once to whoever is free; a Punjabi or Urdu text with no speaker of it free waits for one, then an interpreter;
- a caller who switches language mid-call: another language key in the menu switches; speech in another language
  in the menu switches; a key after the menu, or a text in another script while on the call, changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.helpline import distribution
from crm.models.base import utcnow
from crm.platform.extensions import db
from tests.operator_desk.test_distribution import offered_to, operator
from tests.telephony.test_ivr_languages import heard
from tests.telephony.test_sms import only_case, outbound, text
from tests.telephony.test_voice import fresh, start, step


@pytest.mark.parametrize(("body", "language", "advice_words"), [
    # Gurmukhi first, the emergency in Urdu, most letters Urdu: P1, answered in Urdu.
    ("ਮੇਰੇ ਪਿਤਾ ਜੀ ਨੂੰ سینے میں شدید درد ہے اور سانس نہیں آ رہی", "ur", "ایمرجنسی لگتی ہے"),
    # The emergency in Gurmukhi, a few Urdu words after: P1, answered in Punjabi.
    ("ਮੇਰੇ ਪਿਤਾ ਜੀ ਦੀ ਛਾਤੀ ਵਿੱਚ ਬਹੁਤ ਦਰਦ ਹੈ، بہت تیز", "pa", "ਐਮਰਜੈਂਸੀ ਲੱਗਦੀ ਹੈ"),
    # Devanagari and Urdu: the emergency in Hindi, most letters Hindi.
    ("पापा को सीने में तेज़ दर्द है بہت", "hi", "आपातकाल लगता है"),
])
def test_a_text_mixing_scripts_is_read_in_all_of_them_and_answered_in_the_one_most_of_it_is_in(client, body, language,
                                                                                               advice_words):
    text(client, body)
    case = only_case()
    assert (case.priority, case.queue, case.language) == ("P1", "emergency", language)
    (advice,) = outbound()
    assert advice_words in advice.body


def test_a_routine_text_mixing_gurmukhi_and_urdu_is_acknowledged_in_the_script_most_of_it_is_in(client):
    text(client, "ਮੈਨੂੰ ਅਪੌਇੰਟਮੈਂਟ ਚਾਹੀਦੀ ਹੈ مجھے")
    case = only_case()
    assert case.language == "pa" and case.priority in ("P2", "P3", "P4")
    assert "ਸੁਨੇਹਾ ਮਿਲਿਆ" in outbound()[0].body


def test_a_text_in_a_script_nobody_reads_is_acknowledged_in_english_and_offered_at_once_to_whoever_is_free(client):
    hindi_only = operator(languages=("hi",))
    text(client, "என் அப்பாவுக்கு உடம்பு சரியில்லை")  # Tamil: "my father is unwell"
    case = only_case()
    assert (case.priority, case.queue) == ("P2", "tier1")
    assert "needs_reader:Tamil" in next(e.detail["rules"] for e in case.events if e.kind == "sms_in")
    assert outbound()[0].body.startswith("Sampark: we got your message.")
    distribution.run()
    assert offered_to(case) == hindi_only.id  # never left waiting for a reader nobody has


def test_an_urdu_text_with_no_urdu_speaker_free_waits_for_one_then_an_interpreter(client):
    operator(languages=("hi", "en"), idle_minutes=30)
    interpreter = operator(languages=("hi",), idle_minutes=1, interpreter=True)
    text(client, "مجھے ڈاکٹر سے ملاقات کا وقت چاہیے")  # routine: an appointment
    case = only_case()
    assert case.language == "ur" and case.priority in ("P3", "P4")
    assert distribution.run() == 0  # nobody reads Urdu; it has not waited long
    case.queued_at = utcnow() - timedelta(seconds=distribution.LANGUAGE_WAIT_SECONDS + 1)
    db.session.commit()
    distribution.run()
    assert offered_to(case) == interpreter.id


def test_a_known_punjabi_caller_who_answers_the_menu_in_urdu_speech_is_answered_in_urdu(client):
    from tests import factories

    factories.make_patient(mobile="+919810000099", preferred_language="pa")
    call_sid, case, greeting = start(client, "+919810000099")
    assert heard(greeting)[0][0] == "pa-IN"  # greeted in the language on their record
    twiml = step(client, f"/telephony/voice/menu?case={case.id}", call_sid,
                 SpeechResult="مجھے ڈاکٹر سے ملاقات کا وقت چاہیے", Confidence="0.8")
    assert fresh(case).language == "ur" and heard(twiml)[0][0] == "hi-IN"  # Urdu's words, by the Hindi voice


def test_a_caller_on_the_line_who_texts_in_another_script_keeps_the_language_they_chose(client):
    call_sid, case, _ = start(client)
    step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="3")  # Punjabi
    step(client, f"/telephony/voice/card?case={case.id}", call_sid, Digits="")
    text(client, "میری ماں کو بخار ہے")  # someone at home texts in Urdu from the same phone
    case = fresh(case)
    assert case.language == "pa"  # the caller's own choice stands; the operator reads the Urdu text in the thread
    assert [m.body for m in case.messages if m.direction == "inbound"] == ["میری ماں کو بخار ہے"]
    twiml = step(client, f"/telephony/voice/wait?case={case.id}", call_sid, QueuePosition="1")
    assert heard(twiml)[0][0] == "pa-IN"


@pytest.mark.parametrize(("body", "script"), [("ਮੈਨੂੰ ਡਾਕਟਰ ਨਾਲ ਅਪੌਇੰਟਮੈਂਟ ਚਾਹੀਦੀ ਹੈ", "pa"),
                                              ("کلینک کا وقت کیا ہے", "ur"),
                                              ("मुझे डॉक्टर से मिलना है", "hi"),
                                              ("clinic timing?", "en")])
def test_a_text_the_helpline_could_not_store_is_answered_in_its_script(body, script):
    from crm.helpline.messages import inbound
    from crm.platform import sms_templates

    reply = sms_templates.match(inbound.unstored_reply(body))  # a registered text (DLT), with 112/108 in each
    assert (reply.name, reply.language) == ("unstored", script)
