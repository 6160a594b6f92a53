"""SMS in India through Exotel under DLT: the same crm service as Twilio's texts, every outbound text a registered
template with its DLT ids, delivery reports settling the same message states, webhooks refused or ignored when bad.

The texts' inbound, outbound and delivery-report paths run over both providers (`provider` fixture)."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

import pytest
from flask import current_app
from sqlalchemy import select
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse

from crm.models import Case, Message
from crm.platform import outbox, sms_templates
from crm.platform.extensions import db
from emulators.twilio import create_emulator_app
from telephony import gateway
from tests.conftest import app_with_schema
from tests.telephony import twilio_sign
from tests.telephony.conftest import sid

CITIZEN = "+919810000001"
TOKEN = "emulator-exotel-webhook-token"


class InProcessTwilio(TwilioHttpClient):
    """The real twilio Client's requests handed to the Twilio emulator's app in this process (no server needed)."""

    def __init__(self, emulator_app) -> None:
        super().__init__()
        self.emulator_app = emulator_app

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        headers = dict(headers or {})
        if auth:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        answer = self.emulator_app.test_client().open(urlsplit(url).path, method=method, query_string=params,
                                                      data=data, headers=headers)
        return TwilioResponse(answer.status_code, answer.get_data(as_text=True), headers=dict(answer.headers))


@pytest.fixture(params=["twilio", "exotel"])
def app(request, tmp_path):
    """The app with SMS through `request.param` (each provider's emulator answering), jobs held (sent by `send_all`)."""
    with app_with_schema(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False, SMS_PROVIDER=request.param) as app:
        twilio = create_emulator_app({"ACCOUNT_SID": app.config["TWILIO_ACCOUNT_SID"],
                                      "AUTH_TOKEN": app.config["TWILIO_AUTH_TOKEN"],
                                      "PHONE_NUMBER": app.config["TWILIO_PHONE_NUMBER"], "SPEED": 0.01,
                                      "APP_BASE_URL": "http://127.0.0.1:1"})  # its own callbacks go nowhere
        app.extensions[gateway.HTTP_CLIENT] = lambda timeout: InProcessTwilio(twilio)
        app.extensions.pop("sampark_twilio", None)
        yield app


@pytest.fixture
def provider(app):
    """The provider carrying SMS in this run of the test."""
    return app.config["SMS_PROVIDER"]


exotel_only = pytest.mark.parametrize("app", ["exotel"], indirect=True)


def exotel():
    return current_app.extensions["sampark_exotel_emulator"].extensions["exotel_emulator"]


def text_in(provider: str, client, body: str, sender: str = CITIZEN, provider_id: str | None = None) -> str:
    """The citizen texts the helpline's SMS number through `provider`; the provider's id of the text."""
    if provider == "twilio":
        provider_id = provider_id or sid("SM")
        params = {"MessageSid": provider_id, "AccountSid": "AC" + "0" * 32, "From": sender, "To": "+911800112233",
                  "Body": body, "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received"}
        assert twilio_sign.post(client, "/telephony/sms", params).status_code == 200
        return provider_id
    if provider_id is None:
        provider_id = exotel().text_in(sender, body)
    else:  # a replay of one Exotel already sent
        exotel().pending.append((exotel().inbound_url, {"SmsSid": provider_id, "From": sender,
                                                        "To": exotel().exophone, "Body": body}))
    exotel().flush()
    return provider_id


def send_all():
    """Run the held send jobs."""
    held = current_app.extensions["sampark_jobs"].held
    while held:
        path, args = held.pop(0)
        if path == outbox.SEND_JOB:
            outbox.send(*args)


def reports(provider: str, client, message: Message, status: str) -> None:
    """The provider's delivery report that `message` reached `status`."""
    if provider == "twilio":
        twilio_sign.post(client, "/telephony/sms/status", {"MessageSid": message.sid, "MessageStatus": status,
                                                          "AccountSid": "AC" + "0" * 32})
    else:
        exotel().flush()  # the emulator reports sending, submitted, sent, delivered (or the failure)


def outbound() -> list[Message]:
    db.session.expire_all()
    return db.session.scalars(select(Message).where(Message.direction == "outbound").order_by(Message.id)).all()


def test_a_text_opens_a_case_and_its_acknowledgement_is_delivered(provider, client):
    text_in(provider, client, "मुझे शुगर की जांच के लिए अपॉइंटमेंट चाहिए")
    case = db.session.scalars(select(Case)).one()
    assert (case.channel, case.caller_phone, case.status) == ("sms", CITIZEN, "queued")
    send_all()
    [ack] = outbound()
    assert ack.kind == "ack" and case.reference in ack.body and ack.status == "queued"
    assert sms_templates.match(ack.body).name == "ack"
    reports(provider, client, ack, "delivered")
    assert outbound()[0].status == "delivered"


def test_a_replayed_text_changes_nothing(provider, client):
    first = text_in(provider, client, "bukhar hai teen din se")
    send_all()
    text_in(provider, client, "bukhar hai teen din se", provider_id=first)
    send_all()
    db.session.expire_all()
    assert db.session.scalar(select(Case.id).select_from(Case)) is not None
    assert len(db.session.scalars(select(Case)).all()) == 1
    assert len(db.session.scalars(select(Message).where(Message.direction == "inbound")).all()) == 1
    assert len(outbound()) == 1


def test_a_second_text_joins_the_open_case(provider, client):
    text_in(provider, client, "I need an appointment for my diabetes checkup")
    text_in(provider, client, "also my mother needs one")
    assert len(db.session.scalars(select(Case)).all()) == 1


@exotel_only
def test_exotel_is_sent_the_dlt_ids_of_the_registered_template(app, client):
    text_in("exotel", client, "मुझे शुगर की जांच के लिए अपॉइंटमेंट चाहिए")
    send_all()
    [sent] = exotel().requests
    ack = sms_templates.find("ack", "hi")
    assert sent["From"] == "SMPRKH" and sent["To"] == CITIZEN
    assert (sent["DltEntityId"], sent["DltTemplateId"]) == ("1101000000000000001", ack.dlt_template_id)
    assert (sent["SmsType"], sent["EncodingType"]) == ("transactional", "unicode")
    assert sent["StatusCallback"].endswith("/telephony/exotel/sms/status?token=" + TOKEN)
    exotel().flush()
    [message] = outbound()
    assert message.status == "delivered" and message.from_number == current_app.config["EXOTEL_SMS_NUMBER"]
    assert exotel().texts_of(CITIZEN)[-1]["Body"] == message.body


@exotel_only
@pytest.mark.parametrize(("body", "language"), [("ਸਭ ਤੋਂ ਨੇੜੇ ਦਾ ਕਲੀਨਿਕ ਕਿੱਥੇ ਹੈ 110092", "pa"),
                                                ("قریبی ہسپتال کہاں ہے ۱۱۰۰۹۲", "ur"),
                                                ("where is the nearest clinic 110092", "en")])
def test_the_nearest_clinic_by_sms_passes_the_dlt_scrubber_in_the_senders_script(app, client, body, language):
    from crm.citizens.facilities import importer

    importer.import_file(importer.DEMO_FILE)
    db.session.commit()
    text_in("exotel", client, body)
    send_all()
    [sent] = exotel().requests
    template = sms_templates.match(sent["Body"])
    assert template.name.startswith("facilities_near_") and template.language == language
    assert sent["DltTemplateId"] == template.dlt_template_id
    exotel().flush()
    [message] = outbound()
    assert message.status == "delivered" and message.kind == "facilities"


@exotel_only
def test_a_text_that_matches_no_template_is_not_sent_and_the_desk_reads_why(app, client):
    message = outbox.queue_sms(CITIZEN, "Sampark: please come to the clinic tomorrow at 10.")
    db.session.commit()
    send_all()
    db.session.refresh(message)
    assert message.status == "failed" and message.error_code == "not_in_dlt"
    assert "not a registered DLT template" in message.error_message
    assert exotel().requests == []


@exotel_only
def test_a_text_the_scrubber_refuses_fails_with_exotels_dlt_code(app, client):
    # Registered words, but a variable longer than DLT allows, as a careless change would send.
    exotel().templates[sms_templates.find("ack", "en").dlt_template_id] = "Sampark: another registered text {#var#}."
    message = outbox.queue_sms(CITIZEN, sms_templates.render("ack", "en", ref="SMP-00042"))
    db.session.commit()
    send_all()
    exotel().flush()
    db.session.refresh(message)
    assert (message.status, message.error_code) == ("failed", "23080")
    assert "DLT scrubber" in message.error_message


@pytest.mark.parametrize(("query", "form", "status"), [
    ("?token=wrong", {"SmsSid": "a" * 32, "From": CITIZEN, "Body": "hi"}, 403),
    ("", {"SmsSid": "a" * 32, "From": CITIZEN, "Body": "hi"}, 403),
    (f"?token={TOKEN}", {"From": CITIZEN, "Body": "hi"}, 400),
    (f"?token={TOKEN}", {"SmsSid": "a" * 32, "Body": "hi"}, 400),
    (f"?token={TOKEN}", {"SmsSid": "a" * 32, "From": "not a number", "Body": "hi"}, 400),
    (f"?token={TOKEN}", {"SmsSid": "<script>", "From": CITIZEN, "Body": "hi"}, 400),
    (f"?token={TOKEN}", {"SmsSid": "a" * 32, "From": CITIZEN, "Body": "x" * 2001}, 400),
])
@exotel_only
def test_bad_inbound_webhooks_are_refused_and_nothing_is_kept(app, client, query, form, status):
    assert client.post("/telephony/exotel/sms" + query, data=form).status_code == status
    assert db.session.scalars(select(Message)).all() == []


@exotel_only
def test_a_field_sent_twice_is_refused(app, client):
    body = f"SmsSid={'a' * 32}&From=%2B919810000001&Body=hi&Body=other"
    answer = client.post(f"/telephony/exotel/sms?token={TOKEN}", data=body,
                         content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 400


@pytest.mark.parametrize("form", [
    {"SmsSid": "b" * 32, "Status": "delivered"},  # a message we never sent
    {"SmsSid": "b" * 32, "Status": "teleported"},  # a status Exotel does not have
    {"SmsSid": "b" * 32},
])
@exotel_only
def test_status_reports_about_nothing_we_sent_change_nothing(app, client, form):
    assert client.post(f"/telephony/exotel/sms/status?token={TOKEN}", data=form).status_code in (204, 400)


@exotel_only
def test_a_repeated_or_late_delivery_report_never_moves_a_message_back(app, client):
    text_in("exotel", client, "I need an appointment")
    send_all()
    callbacks = list(exotel().pending)
    exotel().flush()
    for url, form in callbacks:  # Exotel retries: the same reports again, the earliest last
        client.post(url.replace("http://sampark.test", ""), data=form)
    assert outbound()[0].status == "delivered"



# --- voice in India: every outbound leg through the BYOC trunk -------------------------------------------------------

def twilio_emulator_client(app):
    from twilio.rest import Client

    emulator = create_emulator_app({"ACCOUNT_SID": app.config["TWILIO_ACCOUNT_SID"],
                                    "AUTH_TOKEN": app.config["TWILIO_AUTH_TOKEN"],
                                    "PHONE_NUMBER": app.config["TWILIO_PHONE_NUMBER"], "SPEED": 0.01,
                                    "APP_BASE_URL": "http://127.0.0.1:1"})
    return emulator, Client(app.config["TWILIO_ACCOUNT_SID"], app.config["TWILIO_AUTH_TOKEN"],
                            http_client=InProcessTwilio(emulator))


@exotel_only
def test_twilio_refuses_a_call_to_india_from_an_indian_caller_id_without_a_byoc_trunk(app):
    from twilio.base.exceptions import TwilioRestException

    _, twilio = twilio_emulator_client(app)
    leg = {"to": CITIZEN, "from_": "+911800112233", "url": "http://sampark.test/telephony/connect"}
    with pytest.raises(TwilioRestException) as refused:
        twilio.calls.create(**leg)
    assert refused.value.code == 21215
    assert twilio.calls.create(**leg, byoc="BY" + "a" * 32).sid.startswith("CA")
    assert twilio.calls.create(**(leg | {"to": "client:staff-1"})).sid  # the browser phone is no call to India


@exotel_only
def test_a_call_back_and_a_desk_phone_leave_through_the_byoc_trunk(app):
    from crm.cases import lifecycle
    from tests import factories

    emulator, twilio = twilio_emulator_client(app)
    app.extensions["sampark_twilio"] = twilio
    case = lifecycle.open_case("voice", CITIZEN)
    doctor = factories.make_staff("doctor")
    doctor.desk_phone = "+919810000777"
    db.session.flush()
    gateway.call_back(case)
    gateway.ring_staff(case, doctor)
    sent = [r for r in emulator.extensions["twilio_emulator"].request_log() if r.get("path", "").endswith("Calls.json")]
    assert len(sent) == 2 and all(r["params"]["Byoc"] == [app.config["TWILIO_BYOC_TRUNK_SID"]] and r["valid"] for r in sent), sent


@exotel_only
def test_a_supervisors_desk_phone_joins_a_conference_through_the_byoc_trunk(app):
    from twilio.base.exceptions import TwilioRestException

    from crm.cases import lifecycle
    from telephony import monitor
    from tests import factories

    emulator, twilio = twilio_emulator_client(app)
    app.extensions["sampark_twilio"] = twilio
    case = lifecycle.open_case("voice", CITIZEN)
    supervisor = factories.make_staff("supervisor")
    supervisor.desk_phone = "+919810000888"
    db.session.flush()
    monitor.join(case, f"case-{case.id}", supervisor, "listen", None)  # a conference participant, by room name
    [sent] = [r for r in emulator.extensions["twilio_emulator"].request_log()
              if r.get("path", "").endswith("Participants.json")]
    assert sent["params"]["Byoc"] == [app.config["TWILIO_BYOC_TRUNK_SID"]] and sent["valid"], sent
    with pytest.raises(TwilioRestException) as refused:  # the same leg without the trunk, as Twilio answers it
        twilio.conferences(f"case-{case.id}").participants.create(from_="+911800112233", to="+919810000888")
    assert refused.value.code == 21215


# --- a number is checked before a text ------------------------------------------------------------------------------

LANDLINE = "+911123456789"  # a Delhi fixed line (011)


@exotel_only
def test_a_landline_is_never_texted_and_the_record_says_why(app):
    message = outbox.queue_sms(LANDLINE, sms_templates.render("ack", "en", ref="SMP-00042"))
    db.session.commit()
    assert current_app.extensions["sampark_jobs"].held == []  # no send job at all
    assert (message.status, message.error_code) == ("failed", "landline") and "landline" in message.error_message


@exotel_only
def test_the_missed_call_service_calls_a_landline_back_instead_of_texting_it(app):
    from crm.helpline.missed_call import services
    from crm.models.base import utcnow

    missed = services.record(sid("CA"), LANDLINE, "+911800112244", utcnow())
    assert missed.new and missed.message is None and missed.case.status == "callback"
    mobile = services.record(sid("CA"), CITIZEN, "+911800112244", utcnow())
    assert mobile.message is not None and mobile.message.status == "pending"


@exotel_only
def test_twilio_refuses_an_sms_to_a_landline_with_21614(app):
    from twilio.base.exceptions import TwilioRestException

    _, twilio = twilio_emulator_client(app)
    with pytest.raises(TwilioRestException) as refused:
        twilio.messages.create(to=LANDLINE, from_="+911800112233", body="Sampark")
    assert refused.value.code == 21614


@exotel_only
def test_a_lost_delivery_report_is_settled_by_asking_exotel(app, client):
    from datetime import timedelta

    from crm.models.base import utcnow
    from telephony import exotel as edge

    text_in("exotel", client, "I need an appointment")
    send_all()
    exotel().deliver = lambda url, form: None  # every status callback lost on the way
    exotel().flush()
    assert outbound()[0].status == "queued"
    assert edge.settle_unfinished_sends(utcnow() + timedelta(minutes=11)) == 1
    assert outbound()[0].status == "delivered"


@pytest.mark.parametrize("lang", ["hi", "en"])
def test_the_ivr_says_which_numbers_take_texts_whatsapp_first(lang):
    from telephony import prompts

    said = prompts.callback_booked(lang, "+14155238886", "+911140000000")
    assert said.index("1 4 1 5 5 2 3 8 8 8 6") < said.index("1 1 4 0 0 0 0 0 0 0")
    assert ("WhatsApp" if lang == "en" else "व्हाट्सऐप") in said
