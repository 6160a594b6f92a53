"""WhatsApp end to end: the citizen writes on the emulated WhatsApp, the app answers through the real twilio
Client, and the 24-hour rule is kept on both sides (the app refuses, the emulator fails like Twilio: 63016)."""

from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from crm.helpline.whatsapp import approved
from crm.models import Case, Message
from crm.platform import unit_of_work
from crm.platform.extensions import db
from crm.platform.outbox import queue_sms
from crm.staff.auth import tokens
from telephony import jobs
from telephony.emulator.driver import EmulatorControl
from tests import factories
from tests.live import eventually, served

CITIZEN = "+919810000071"


@pytest.fixture
def live(tmp_path):
    with served(tmp_path) as (app, base):
        yield app, base


def _write(base: str, body: str, number: str = CITIZEN, channel: str = "whatsapp") -> str:
    answer = requests.post(f"{base}/emulator/emulator-api/sms",
                           json={"from": number, "body": body, "channel": channel, "profile_name": "Sunita"}, timeout=5)
    assert answer.status_code == 201, answer.text
    return answer.json()["sid"]


def _thread(base: str, number: str = CITIZEN) -> list[dict]:
    return requests.get(f"{base}/emulator/emulator-api/sms", params={"number": number}, timeout=5).json()


def _operator(app, base):
    with app.app_context():
        staff = factories.make_staff("operator")
        token = tokens.issue(staff)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def _case(app) -> Case | None:
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.caller_phone == CITIZEN).order_by(Case.id.desc()))
        if case is not None:
            db.session.expunge(case)
        return case


def _age(app, base, hours: float = 25) -> None:
    """Move the citizen's last WhatsApp message 25 h back, in our records and at 'Twilio'."""
    with app.app_context():
        for message in db.session.scalars(select(Message).where(Message.from_number == CITIZEN)):
            message.created_at -= timedelta(hours=hours)
        db.session.commit()
    requests.post(f"{base}/emulator/emulator-api/whatsapp/age", json={"number": CITIZEN, "hours": hours}, timeout=5)


def test_a_whatsapp_message_opens_a_case_and_the_answer_comes_back_on_whatsapp(live):
    app, base = live
    with app.app_context():
        patient = factories.make_patient(mobile=CITIZEN, preferred_language="hi")
        patient_id = patient.id
    _write(base, "bukhar hai teen din se")
    case = eventually(lambda: _case(app))
    assert case.channel == "whatsapp" and case.caller_phone == CITIZEN and case.patient_id == patient_id
    reply = eventually(lambda: next((m for m in _thread(base) if not m["mine"]), None))
    assert reply["channel"] == "whatsapp" and reply["from"] == "whatsapp:+911800112233"
    assert reply["to"] == "whatsapp:" + CITIZEN and case.reference in reply["body"]
    with app.app_context():
        stored = db.session.scalars(select(Message).where(Message.case_id == case.id).order_by(Message.id)).all()
        assert next((m.direction, m.channel, m.from_number) for m in stored) == ("inbound", "whatsapp", CITIZEN)
        assert eventually(lambda: db.session.scalar(select(Message.status).where(
            Message.case_id == case.id, Message.direction == "outbound").execution_options(populate_existing=True))
            == "delivered")
    webhook = EmulatorControl(f"{base}/emulator").webhooks("sms")[0]
    assert webhook["params"]["From"] == "whatsapp:" + CITIZEN and webhook["params"]["WaId"] == CITIZEN[1:]
    assert EmulatorControl(f"{base}/emulator").requests(invalid_only=True) == []


def test_the_same_caller_on_sms_and_whatsapp_is_one_person_with_one_thread(live):
    app, base = live
    _write(base, "my mother has a cough", channel="sms")
    eventually(lambda: _case(app))
    _write(base, "also she has fever now")
    whatsapp_case = eventually(lambda: (c := _case(app)) and c.channel == "whatsapp" and c)
    api = _operator(app, base)
    thread = api.get(f"{base}/api/v1/cases/{whatsapp_case.id}/messages").json()["messages"]
    inbound = [(m["channel"], m["body"]) for m in thread if m["direction"] == "inbound"]
    assert inbound == [("sms", "my mother has a cough"), ("whatsapp", "also she has fever now")]


def test_inside_the_window_the_operator_replies_free_form_on_whatsapp(live):
    app, base = live
    _write(base, "pet me dard hai")
    case = eventually(lambda: _case(app))
    api = _operator(app, base)
    assert api.post(f"{base}/api/v1/cases/{case.id}/claim").status_code == 200
    state = api.get(f"{base}/api/v1/cases/{case.id}/whatsapp").json()
    assert state["channel"] == "whatsapp" and state["window"]["open"] is True
    sent = api.post(f"{base}/api/v1/cases/{case.id}/messages", json={"body": "Please drink ORS and rest."})
    assert sent.status_code == 201 and sent.json()["channel"] == "whatsapp"
    delivered = eventually(lambda: next((m for m in _thread(base) if "ORS" in m["body"]
                                         and m["status"] == "delivered"), None))
    assert delivered["channel"] == "whatsapp" and not delivered["template"]


def test_outside_the_window_free_form_is_refused_and_a_template_goes_through(live):
    app, base = live
    _write(base, "pet me dard hai")
    case = eventually(lambda: _case(app))
    api = _operator(app, base)
    api.post(f"{base}/api/v1/cases/{case.id}/claim")
    eventually(lambda: any(not m["mine"] for m in _thread(base)))
    _age(app, base)

    state = api.get(f"{base}/api/v1/cases/{case.id}/whatsapp").json()
    assert state["window"]["open"] is False and {t["name"] for t in state["templates"]} >= {"case_followup"}
    refused = api.post(f"{base}/api/v1/cases/{case.id}/messages", json={"body": "Are you better?"})
    assert refused.status_code == 409 and refused.json()["error"] == "whatsapp_window_closed"

    sent = api.post(f"{base}/api/v1/cases/{case.id}/whatsapp/template",
                    json={"name": "case_followup", "language": "hi", "variables": [case.reference]})
    assert sent.status_code == 201 and sent.json()["template"] is True
    template = approved.find("case_followup", "hi")
    shown = eventually(lambda: next((m for m in _thread(base) if m["template"] and m["status"] == "delivered"), None))
    assert shown["body"] == template.render({"1": case.reference})
    request = next(r for r in EmulatorControl(f"{base}/emulator").requests() if "ContentSid" in str(r))
    assert template.sid in str(request)
    assert EmulatorControl(f"{base}/emulator").requests(invalid_only=True) == []

    # The citizen answers: the window opens again and free-form replies are allowed.
    _write(base, "haan, ab theek hoon")
    assert eventually(lambda: api.get(f"{base}/api/v1/cases/{case.id}/whatsapp").json()["window"]["open"])
    assert api.post(f"{base}/api/v1/cases/{case.id}/messages", json={"body": "Good to hear."}).status_code == 201


def test_the_emulator_fails_a_free_form_message_outside_the_window_like_twilio(live):
    app, base = live
    _write(base, "hello")
    case = eventually(lambda: _case(app))
    eventually(lambda: any(not m["mine"] for m in _thread(base)))
    _age(app, base)
    with app.app_context():  # a stale send that skipped the app's check, as a job queued 24 h ago would be
        message = queue_sms(CITIZEN, "Free-form after the window", case=db.session.get(Case, case.id),
                            channel="whatsapp")
        message_id = message.id
        unit_of_work.commit()
        jobs.send_message(message_id)

    def failed():
        with app.app_context():
            row = db.session.get(Message, message_id)
            return row.status == "failed" and row
    row = eventually(failed)
    assert row.error_code == "63016" and "24-hour" in row.error_message
    assert next(m for m in _thread(base) if m["body"].startswith("Free-form"))["error_code"] == 63016


def test_a_facility_question_on_whatsapp_is_answered_without_opening_a_case(live):
    app, base = live
    with app.app_context():
        from crm.citizens.facilities import importer

        importer.import_file(importer.DEMO_FILE)
        db.session.commit()
    _write(base, "नज़दीकी अस्पताल 110092")
    answer = eventually(lambda: next((m for m in _thread(base) if not m["mine"]), None))
    assert answer["channel"] == "whatsapp" and "110092 के पास" in answer["body"] and "अस्पताल" in answer["body"]
    assert _case(app) is None
