"""A Punjabi or Urdu caller, end to end (issue 27): the language chosen in the IVR (key 3 or 4) is kept on the case
and every later message uses it: the acknowledgement of a text in their script, the call-back's time and the words
they hear when it is answered, the doctor's desk, the doctor's booking and its reminder, the doctor's text, the case
report. Through the webhooks as Twilio sends them; staff steps through the services their desks call."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.cases import assessment, lifecycle, tier2
from crm.helpline import appointments, case_report
from crm.models import Case, Facility, Message, Slot
from crm.models.base import local, utcnow
from crm.platform.extensions import db
from telephony.prompt_text import TEXT, URDU_IN_DEVANAGARI
from tests import factories
from tests.telephony import twilio_sign
from tests.telephony.conftest import call_params
from tests.telephony.test_ivr_languages import heard
from tests.telephony.test_sms import text
from tests.telephony.test_voice import fresh, start, step

CALLER = "+919810000321"
# key, language, a text in the language's own script, words of each later message in that script
CALLERS = {
    "pa": ("3", "ਮੇਰੀ ਮਾਂ ਨੂੰ ਤਿੰਨ ਦਿਨਾਂ ਤੋਂ ਬੁਖਾਰ ਹੈ", {
        "ack": "ਸੁਨੇਹਾ ਮਿਲਿਆ", "callback_scheduled": "ਕਾਲ ਕਰਾਂਗੇ", "appointment_booked": "ਅਪੌਇੰਟਮੈਂਟ",
        "appointment_reminder": "ਯਾਦ ਦਿਵਾਉਂਦਾ", "report": "ਸੰਪਰਕ ਕੇਸ", "panel": "Punjabi · ਪੰਜਾਬੀ",
        "reply": "ਕੱਲ੍ਹ ਸਵੇਰੇ 10 ਵਜੇ ਕਲੀਨਿਕ ਆਓ।"}),
    "ur": ("4", "میری ماں کو تین دن سے بخار ہے", {
        "ack": "پیغام ملا", "callback_scheduled": "کال کریں گے", "appointment_booked": "اپوائنٹمنٹ",
        "appointment_reminder": "یاد دلاتا", "report": "سمپرک کیس", "panel": "Urdu · اردو",
        "reply": "کل صبح 10 بجے کلینک آئیں۔"}),
}


def sent(case: Case, kind: str) -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(select(Message).where(Message.case_id == case.id, Message.kind == kind,
                                                         Message.direction == "outbound").order_by(Message.id)))


def call(client, language: str) -> Case:
    """The caller presses the language's key, waits in the queue without a card, and texts in their script meanwhile
    (the text joins the call's case, silently: the operator who takes the call reads it)."""
    key, body, _ = CALLERS[language]
    call_sid, case, _ = start(client, CALLER)
    step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits=key)
    assert ">tier1</Enqueue>" in step(client, f"/telephony/voice/card?case={case.id}", call_sid, Digits="")
    text(client, body, sender=CALLER)
    case = fresh(case)
    assert case.language == language and case.status == "queued"
    assert [m.case_id for m in case.messages if m.direction == "inbound"] == [case.id]
    return case


def texted(client, language: str) -> Case:
    """A citizen texts in Gurmukhi or the Urdu script: a case in that language, acknowledged in that script."""
    _, body, words = CALLERS[language]
    text(client, body, sender=CALLER)
    case = db.session.scalar(select(Case).where(Case.caller_phone == CALLER))
    assert case.language == language and case.channel == "sms"
    (ack,) = sent(case, "ack")
    assert words["ack"] in ack.body and case.reference in ack.body
    return case


@pytest.mark.parametrize("language", ["pa", "ur"])
def test_the_call_back_is_texted_and_answered_in_the_callers_language(app, client, language):
    words = CALLERS[language][2]
    case = call(client, language)
    operator = factories.make_staff("operator")
    operator.languages = ["hi", language]
    lifecycle.claim(case.id, operator)
    assessment.save(case, operator, "Fever for three days; wants a doctor to call back", [])
    assessment.schedule_callback(case, operator, utcnow() + timedelta(hours=2))
    db.session.commit()
    (told,) = sent(case, "callback_scheduled")
    assert words["callback_scheduled"] in told.body and "IST" in told.body
    # The call-back is answered: the citizen hears they are being connected, in their language (Urdu: the recording,
    # or until it exists its Urdu words by the Hindi voice, as the start-up log says).
    response = twilio_sign.post(client, f"/telephony/voice/connect?case={case.id}",
                                call_params("CA" + "c" * 32, CALLER, CallStatus="in-progress", Direction="outbound-api"))
    said = heard(response.get_data(as_text=True))
    expected = ("pa-IN", TEXT["connected"]["pa"]) if language == "pa" else ("hi-IN", URDU_IN_DEVANAGARI["connected"])
    assert said[0] == expected or said[0][0] == "play"


@pytest.mark.parametrize("language", ["pa", "ur"])
def test_the_doctor_reads_the_language_and_every_text_after_goes_in_it(app, client, language):
    words = CALLERS[language][2]
    case = texted(client, language)
    operator = factories.make_staff("operator")
    lifecycle.claim(case.id, operator)
    assessment.save(case, operator, "Fever for three days", [])
    assessment.escalate(case, operator, "general_medicine", "routine", "Fever 3 days, wants a doctor", call="leave")
    db.session.commit()
    doctor_client, doctor = factories.logged_in(app, "doctor", specialty="general_medicine", name="Dr. Kaur")
    doctor.languages = ["hi", "en", language]
    assert tier2.accept(case.id, doctor) is not None
    db.session.commit()
    panel = doctor_client.get(f"/doctor/cases/{case.id}/panel").get_data(as_text=True)
    assert words["panel"] in panel  # not "English", as any language but Hindi was shown before

    facility = Facility(code="MC-TEST", name="Mohalla Clinic Seelampur", name_hi="मोहल्ला क्लिनिक सीलमपुर",
                        kind="mohalla_clinic", district="North East")
    tomorrow_10 = local(utcnow() + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    slot = Slot(doctor=doctor, facility=facility, specialty="general_medicine", starts_at=tomorrow_10)
    db.session.add_all([facility, slot])
    db.session.commit()
    case = fresh(case)
    appointments.book(slot.id, case, doctor)
    db.session.commit()
    (booked,) = sent(case, "appointment_booked")
    assert words["appointment_booked"] in booked.body and "Mohalla Clinic Seelampur" in booked.body
    assert appointments.send_reminders() == 1
    db.session.commit()
    (reminder,) = sent(case, "appointment_reminder")
    assert words["appointment_reminder"] in reminder.body

    # The doctor, told the language, writes in it (the desk offers no machine translation); it reaches the caller.
    reply = doctor_client.post(f"/api/v1/cases/{case.id}/text", json={"body": words["reply"]})
    assert reply.status_code == 201
    (written,) = sent(case, "doctor")
    assert written.body == words["reply"] and written.to_number == CALLER
    case = fresh(case)
    case.outcome, case.advice = "resolved", None
    report = case_report.citizen_text(case)
    assert report.startswith(words["report"]) and case.reference in report
    assert all(m.to_number == CALLER for m in sent(case, "ack") + sent(case, "appointment_booked"))
