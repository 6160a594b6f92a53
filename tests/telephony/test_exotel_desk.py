# ruff: noqa: F811  (the `app` fixture is the Exotel test module's, imported: its tests take it by name)
"""Staff texts under an Indian SMS gateway (DLT): only the registered words go by SMS. A canned reply goes as it is;
free text is refused at the desk with what to do instead (WhatsApp within its 24 hours, or a call), never queued to
fail; the same desk on Twilio sends free text as before."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.cases import dispositions
from crm.helpline.messages import inbound
from crm.models import Case, Message
from crm.platform import sms_templates
from crm.platform.extensions import db
from tests.operator_desk.test_operator_api import claim
from tests.telephony.test_exotel import CITIZEN, app, exotel, exotel_only, outbound, send_all, text_in  # noqa: F401

FREE_TEXT = "Please come to the Seelampur clinic tomorrow at 10 with your reports."


def _sms_case(client, login):
    text_in("exotel", client, "I need an appointment for my diabetes checkup")
    case = db.session.scalars(select(Case)).one()
    login("operator")
    claim(client, case.id)
    send_all()
    return case


def _canned(case: Case, reply_id: str, lang: str) -> str:
    replies = dispositions.canned_replies(case.reference, "1800-11-2233")
    return next(r for r in replies if r["id"] == reply_id)[lang]


@exotel_only
@pytest.mark.parametrize("lang", ["hi", "en", "pa", "ur"])
def test_a_canned_reply_goes_by_sms_word_for_word_under_dlt(app, client, login, lang):
    case = _sms_case(client, login)
    body = _canned(case, "ors", lang)
    response = client.post(f"/api/v1/cases/{case.id}/messages", json={"body": body})
    assert response.status_code == 201, response.json
    send_all()
    exotel().flush()
    reply = outbound()[-1]
    assert (reply.kind, reply.status, reply.channel) == ("reply", "delivered", "sms")
    assert exotel().requests[-1]["DltTemplateId"] == sms_templates.find("canned_ors", lang).dlt_template_id


@exotel_only
def test_free_text_by_sms_is_refused_at_the_desk_with_what_to_do_instead(app, client, login):
    case = _sms_case(client, login)
    before = len(outbound())
    edited = _canned(case, "ors", "en").replace("small sips", "sips")  # a canned reply with a word changed
    for body in (FREE_TEXT, edited):
        response = client.post(f"/api/v1/cases/{case.id}/messages", json={"body": body})
        assert response.status_code == 422 and response.json["error"] == "sms_not_registered"
        assert "registered texts (DLT)" in response.json["message"] and "canned reply" in response.json["message"]
        assert "call them" in response.json["message"]  # they have not written on WhatsApp
    assert len(outbound()) == before  # nothing queued to fail later


@exotel_only
def test_free_text_goes_on_whatsapp_while_its_window_is_open(app, client, login):
    case = _sms_case(client, login)
    inbound.receive(inbound.InboundText(provider_id="SM" + "7" * 32, sender=CITIZEN, helpline="whatsapp:+14155238886",
                                        body="hello", channel="whatsapp"))
    db.session.commit()
    refused = client.post(f"/api/v1/cases/{case.id}/messages", json={"body": FREE_TEXT})
    assert refused.status_code == 422 and "Send on WhatsApp" in refused.json["message"]
    conversation = client.get(f"/api/v1/cases/{case.id}/whatsapp").json
    assert conversation["sms_registered_only"] is True and conversation["whatsapp"]["open"] is True
    sent = client.post(f"/api/v1/cases/{case.id}/messages", json={"body": FREE_TEXT, "via": "whatsapp"})
    assert sent.status_code == 201, sent.json
    message = db.session.get(Message, sent.json["id"])
    assert (message.channel, message.body, message.case_id) == ("whatsapp", FREE_TEXT, case.id)


@exotel_only
def test_whatsapp_is_refused_for_free_text_outside_its_window(app, client, login):
    case = _sms_case(client, login)
    response = client.post(f"/api/v1/cases/{case.id}/messages", json={"body": FREE_TEXT, "via": "whatsapp"})
    assert response.status_code == 409 and response.json["error"] == "whatsapp_window_closed"


@exotel_only
def test_a_doctors_free_text_is_refused_and_a_canned_reply_goes(app, client, login):
    case = _sms_case(client, login)
    doctor = login("doctor", specialty="general_medicine")
    case.doctor_id, case.status = doctor.id, "with_doctor"
    db.session.commit()
    refused = client.post(f"/api/v1/cases/{case.id}/text", json={"body": FREE_TEXT})
    assert refused.status_code == 422 and refused.json["error"] == "sms_not_registered"
    sent = client.post(f"/api/v1/cases/{case.id}/text", json={"body": _canned(case, "fever_care", "hi")})
    assert sent.status_code == 201, sent.json


@pytest.mark.parametrize("app", ["twilio"], indirect=True)
def test_on_twilio_the_desk_still_sends_free_text_by_sms(app, client, login):
    text_in("twilio", client, "I need an appointment for my diabetes checkup")
    case = db.session.scalars(select(Case)).one()
    login("operator")
    claim(client, case.id)
    assert client.get(f"/api/v1/cases/{case.id}/whatsapp").json["sms_registered_only"] is False
    assert client.post(f"/api/v1/cases/{case.id}/messages", json={"body": FREE_TEXT}).status_code == 201
