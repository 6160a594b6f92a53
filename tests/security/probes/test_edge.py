"""Attack replays at the edge (issue #24, second pass), on PostgreSQL.

- SAMPARK_ENV=production without TELEPHONY started the public emulator: anyone could read any number's texts,
  sign-in codes included, while nothing reached Twilio.
- A signed webhook in Twilio's normal shape (From=sip:alice.kumar@pbx.example.in) passed the edge's 40 characters
  and broke on the 20-character case column: a 500, the call lost.
- A NUL in a form, query or JSON value was a driver error (a 500), anonymous ones included; a JSON body nested
  50,000 deep a RecursionError (a 500).
- An id past the column's range in the operator's grievance form overflowed the driver (a 500).
"""

from __future__ import annotations

import os
import random
import time

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from crm import create_app
from crm.config import ConfigError
from crm.models import Call, Case, CaseEvent, Facility, Grievance, Message, OptOut
from crm.platform import jobs
from crm.platform.extensions import db
from telephony import webhook_fields
from tests import factories
from tests.conftest import TEST_DATABASE
from tests.portal.conftest import sign_in
from tests.telephony import twilio_sign
from tests.telephony.conftest import call_params

HELPLINE = "+911800112233"
LIVE_CALL, LIVE_TEXT = "CA" + "a" * 32, "SM" + "a" * 32
PAST_INTEGER = 2**31
DEEP = 50_000


# --- production without TELEPHONY ------------------------------------------------------------------------------

def _production(tmp_path, **changes):
    from crm.residents.cards.token import KeyRing

    KeyRing.generate(tmp_path / "card.pem")
    settings = {"SAMPARK_ENV": "production", "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "k" * 48,
                "DATABASE_URL": TEST_DATABASE.url(),
                "REDIS_URL": os.environ.get("SAMPARK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
                "PUBLIC_BASE_URL": "https://help.example.in", "CARD_SIGNING_KEY_FILE": str(tmp_path / "card.pem"),
                "TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "t" * 32,
                "TWILIO_PHONE_NUMBER": HELPLINE, "TWILIO_BYOC_TRUNK_SID": "BY" + "0" * 32} | changes
    return create_app({key: value for key, value in settings.items() if value is not None})


def test_production_without_telephony_refuses_to_start_instead_of_serving_the_public_emulator(tmp_path, monkeypatch):
    monkeypatch.delenv("TELEPHONY", raising=False)
    with pytest.raises(ConfigError, match="TELEPHONY"):
        app = _production(tmp_path)
        # What the review saw: the emulator mounted in production, every number's texts readable by anyone.
        answer = app.test_client().get("/emulator/emulator-api/sms?number=%2B919810000001")
        pytest.fail(f"production started with the emulator: /emulator answered {answer.status_code}")


@pytest.mark.parametrize("unsafe", [{"TELEPHONY": "emulator"}, {"TELEPHONY": "twilio", "EMULATOR_MOUNT": "1"},
                                    {"TELEPHONY": "twilio", "DEBUG": True}])
def test_production_refuses_the_emulator_and_debug_by_name(tmp_path, unsafe):
    named = "EMULATOR_MOUNT" if "EMULATOR_MOUNT" in unsafe else "DEBUG" if "DEBUG" in unsafe else "TELEPHONY"
    with pytest.raises(ConfigError, match=named):
        _production(tmp_path, **unsafe)


def test_production_with_telephony_named_serves_no_emulator(tmp_path):
    app = _production(tmp_path, TELEPHONY="twilio")
    assert app.test_client().get("/emulator/emulator-api/sms?number=%2B919810000001").status_code == 404


# --- webhooks: every field at its widest, one past it, and a fuzz ----------------------------------------------

def _webhooks(app) -> list[str]:
    """Every Twilio webhook the app serves (read from its URL map, so a new one is covered too)."""
    paths = sorted(rule.rule for rule in app.url_map.iter_rules()  # Exotel's (token, not signature): test_exotel.py
                   if rule.rule.startswith("/telephony/") and not rule.rule.startswith("/telephony/exotel/")
                   and "POST" in rule.methods)
    assert {"/telephony/voice", "/telephony/voice/status", "/telephony/sms", "/telephony/sms/status",
            "/telephony/voice/missed-call", "/telephony/voice/fallback", "/telephony/sms/fallback"} <= set(paths)
    return paths


def _widest(name: str, shape: str = "sip", extra: int = 0) -> str:
    """The longest value in Twilio's shape the edge lets `name` carry (plus `extra` characters past it)."""
    pattern, longest = webhook_fields.RULES[name]
    size = longest + extra
    if pattern is webhook_fields.SID:
        return name[:2].upper() + "f" * (size - 2)
    if pattern is webhook_fields.ADDRESS:
        head, tail = {"sip": ("sip:", "@pbx.example.in"), "client": ("client:", ""), "whatsapp": ("whatsapp:+91", "")}[shape]
        return head + ("9" if shape == "whatsapp" else "a") * (size - len(head) - len(tail)) + tail
    if pattern is webhook_fields.WORD:
        return "a" * size
    if pattern in (webhook_fields.COUNT, webhook_fields.DIGITS):
        return "9" * size
    return "ब" * size


def _post(client, path: str, fields) -> int:
    form = fields if isinstance(fields, MultiDict) else MultiDict(fields)
    signature = twilio_sign.signature("http://sampark.test" + path, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature}).status_code


def _hold_jobs(app) -> None:
    """SMS are stored, not sent: no test reaches Twilio (or the emulator)."""
    app.config.update(JOBS_HOLD=True, JOBS_EAGER=False)
    jobs.init_app(app)


def _live(app):
    """A call waiting in tier 1 and an SMS conversation, for the webhooks that act on one (case=...)."""
    _hold_jobs(app)
    client = app.test_client()
    assert _post(client, "/telephony/voice", call_params(LIVE_CALL)) == 200
    case_id = db.session.scalar(select(Case.id))
    assert _post(client, f"/telephony/voice/menu?case={case_id}", call_params(LIVE_CALL, Digits="2")) == 200
    sms = {"MessageSid": LIVE_TEXT, "AccountSid": "AC" + "0" * 32, "From": "+919810000002", "To": HELPLINE,
           "Body": "bukhar hai", "NumMedia": "0"}
    assert _post(client, "/telephony/sms", sms) == 200
    return client, case_id


def _counts() -> tuple:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Case, Call, Message, CaseEvent, OptOut, Grievance))


@pytest.mark.pg
@pytest.mark.parametrize("caller", ["sip:alice.kumar@pbx.example.in", "client:agent42", _widest("From", "sip"),
                                    _widest("From", "client")])
def test_a_sip_or_client_caller_is_answered_as_an_unknown_caller(pg_app, caller):
    _hold_jobs(pg_app)
    response = twilio_sign.post(pg_app.test_client(), "/telephony/voice",
                                call_params("CA" + "b" * 32, caller=caller, To=HELPLINE))
    assert response.status_code == 200 and b"<Gather" in response.data  # the greeting and menu, as for anyone
    case = db.session.scalar(select(Case))
    assert case.caller_phone == "unknown" and case.status == "ivr"


@pytest.mark.pg
def test_a_sip_caller_whose_user_is_a_number_is_that_number(pg_app):
    _hold_jobs(pg_app)
    response = twilio_sign.post(pg_app.test_client(), "/telephony/voice",
                                call_params("CA" + "b" * 32, caller="sip:+919810000001@trunk.example.in"))
    assert response.status_code == 200 and db.session.scalar(select(Case.caller_phone)) == "+919810000001"


@pytest.mark.pg
def test_the_widest_value_of_every_field_reaches_every_webhook_without_a_server_error(pg_app):
    client, case_id = _live(pg_app)
    answers = {}
    for path in _webhooks(pg_app):
        url = f"{path}?case={case_id}"
        for shape in ("sip", "client", "whatsapp"):
            widest = {name: _widest(name, shape) for name in webhook_fields.RULES} | {"Other": "x" * webhook_fields.MAX_OTHER}
            for live in (False, True):  # a new call and message, and the live ones
                fields = widest | ({"CallSid": LIVE_CALL, "MessageSid": LIVE_TEXT} if live else {})
                answers[(path, shape, live)] = _post(client, url, fields)
    assert {key: status for key, status in answers.items() if status >= 500} == {}
    # Every caller kept is a phone number or "unknown": no SIP or client id where numbers are kept.
    kept = set(db.session.scalars(select(Case.caller_phone)))
    assert all(phone == "unknown" or phone.startswith("+") for phone in kept), kept


@pytest.mark.pg
def test_one_past_the_widest_is_a_clear_400_that_stores_nothing(pg_app):
    client, case_id = _live(pg_app)
    before = _counts()
    refused = {}
    for path in _webhooks(pg_app):
        for name in webhook_fields.RULES:
            fields = call_params("CA" + "c" * 32) | {"MessageSid": "SM" + "c" * 32, "Body": "hello"}
            refused[(path, name)] = _post(client, f"{path}?case={case_id}", fields | {name: _widest(name, extra=1)})
    assert {key: status for key, status in refused.items() if status != 400} == {}
    assert _counts() == before


ADDRESSES = ["+919810000001", "+919810000002", "+14155550100", "anonymous", "client:agent42", "client:staff-7",
             "sip:alice.kumar@pbx.example.in", "sip:+919810000003@trunk.example.in", "whatsapp:+919810000004", ""]
STATUSES = ["queued", "initiated", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled",
            "sent", "delivered", "undelivered", "read", "partially_delivered", "leave", "bridged", "hangup",
            "redirected-from-bridged", "queue-full", "participant-join", "participant-speech-start", "STOP", "START"]
BODIES = ["bukhar hai", "STOP", "START", "SHIKAYAT clinic band tha", "papa ko seene me dard hai", "nearest clinic 110053",
          "", "ब" * 1600, "x" * 1600, "\t line one\r\nline two"]


def _value(rng: random.Random, name: str, past: bool = False) -> str:
    """A value for `name` as Twilio sends it or at the edge's limit for it; `past`: one character past the limit."""
    pattern, longest = webhook_fields.RULES.get(name, (None, webhook_fields.MAX_OTHER))
    size = longest + 1 if past else rng.choice([0, 1, longest - 1, longest])
    common = rng.random() < 0.6 and not past
    if pattern is webhook_fields.SID:
        live = LIVE_CALL if name == "CallSid" else LIVE_TEXT
        return rng.choice([live, f"{name[:2].upper()}{rng.getrandbits(128):032x}"]) if not past else "CA" + "f" * 33
    if pattern is webhook_fields.ADDRESS:
        return rng.choice(ADDRESSES) if common else _widest(name, rng.choice(["sip", "client", "whatsapp"]),
                                                            1 if past else rng.choice([0, -3]))
    if pattern is webhook_fields.WORD:
        return rng.choice(STATUSES) if common else "a" * size
    if pattern in (webhook_fields.COUNT, webhook_fields.DIGITS):
        usual = ["1", "2", "9", "#", "0", "123456789012"] if name == "Digits" else ["0", "1", "3", "60"]
        return rng.choice(usual) if common else "9" * size
    if name == "Body":
        return rng.choice(BODIES) if common else rng.choice("बx9 ") * size
    return rng.choice(BODIES)[:longest] if common else "x" * size


FUZZ_FIELDS = [*webhook_fields.RULES, "ApiVersion", "Other"]


@pytest.mark.pg
def test_a_fuzz_of_every_webhook_with_twilio_shaped_values_at_the_limits_gives_no_server_error(pg_app):
    client, case_id = _live(pg_app)
    rng = random.Random(24)  # seeded: a failure replays
    paths = _webhooks(pg_app)
    failures, deadline, sent, answered = [], time.monotonic() + 40, 0, 0
    while sent < 1500 and time.monotonic() < deadline:
        path = rng.choice(paths)
        # What Twilio always sends (a new or the live call and message, the addresses, a status), then others.
        names = ["CallSid", "MessageSid", "From", "To", "CallStatus", "Body", *rng.sample(FUZZ_FIELDS, rng.randint(0, 8))]
        past = rng.choice(names) if rng.random() < 0.15 else None  # now and then one field one past its limit: a 400
        fields = {"AccountSid": "AC" + "0" * 32} | {name: _value(rng, name, past=name == past) for name in names}
        url = f"{path}?case={rng.choice([case_id, case_id, case_id + 1])}"
        try:
            status = _post(client, url, fields)
        except Exception as exc:  # noqa: BLE001 (the server's exception, raised by the test client: a 500)
            status = f"{type(exc).__name__}: {str(exc)[:200]}"
        if not isinstance(status, int) or status >= 500:
            failures.append((url, fields, status))
        sent, answered = sent + 1, answered + (isinstance(status, int) and status < 400)
    assert failures == [], f"{len(failures)} of {sent} gave a server error; first: {failures[:3]}"
    assert sent >= 300 and answered >= sent // 2  # most requests reach the views, not only the edge's 400


# --- NUL and control characters, deep JSON, ids past the range -------------------------------------------------

@pytest.mark.pg
@pytest.mark.parametrize("username", ["operator1\x00", "op\x01erator"])
def test_a_control_character_in_the_anonymous_login_form_is_a_clear_400(pg_app, username):
    response = pg_app.test_client().post("/login", data={"username": username, "password": "whatever-it-is"})
    assert response.status_code == 400 and b"control character" in response.data


@pytest.mark.pg
def test_a_nul_in_a_citizens_grievance_is_a_clear_400_and_files_nothing(pg_app):
    _hold_jobs(pg_app)
    mother = factories.make_patient(factories.make_household(), mobile="+919810011111")
    factories.make_card(mother)
    client = pg_app.test_client()
    sign_in(client, "+919810011111")
    response = client.post("/portal/grievances", data={"category": "facility", "body": "clinic band\x00 tha"})
    assert response.status_code == 400 and "नियंत्रण वर्ण" in response.get_data(as_text=True)  # the portal's Hindi
    assert db.session.scalar(select(func.count()).select_from(Grievance)) == 0


@pytest.mark.pg
@pytest.mark.parametrize("request_args", [
    {"method": "post", "path": "/api/v1/lookup", "json": {"phone": "98100\u000000001"}},
    {"method": "post", "path": "/api/v1/lookup", "json": {"card_number\u0000": "1234"}},
    {"method": "get", "path": "/api/v1/cases?phone=9810%0000001"},
    {"method": "post", "path": "/lookup/panel", "data": {"phone": "98100\x0000001"}},
])
def test_a_nul_in_a_staff_query_form_or_json_value_is_a_clear_400(pg_app, request_args):
    client, _ = factories.logged_in(pg_app, "supervisor")
    arguments = dict(request_args)
    response = getattr(client, arguments.pop("method"))(arguments.pop("path"), **arguments)
    assert response.status_code == 400 and b"control character" in response.data


@pytest.mark.pg
def test_a_citizens_text_with_a_nul_or_control_character_is_kept_with_spaces_never_lost(pg_app):
    client, _ = _live(pg_app)
    sms = {"MessageSid": "SM" + "d" * 32, "AccountSid": "AC" + "0" * 32, "From": "+919810000009", "To": HELPLINE,
           "Body": "bukhar\x00 hai\x0cteen din se"}
    assert _post(client, "/telephony/sms", sms) == 200  # a stray control character must not lose the text
    kept = db.session.scalar(select(Message.body).where(Message.sid == sms["MessageSid"]))
    assert kept == "bukhar  hai teen din se"


@pytest.mark.pg
def test_a_forged_webhook_with_a_nul_is_refused_and_stores_nothing(pg_app):
    client, _ = _live(pg_app)
    before = _counts()
    sms = {"MessageSid": "SM" + "e" * 32, "AccountSid": "AC" + "0" * 32, "From": "+919810000009", "To": HELPLINE,
           "Body": "bukhar\x00 hai"}
    assert client.post("/telephony/sms", data=sms, headers={"X-Twilio-Signature": "forged"}).status_code == 403
    assert _post(client, "/telephony/sms", {**sms, "From": "+9198100\x0000009"}) == 400  # Twilio's own fields
    assert _counts() == before


def _deep() -> str:
    return "[" * DEEP + "]" * DEEP


@pytest.mark.pg
@pytest.mark.parametrize("path", ["/api/v1/lookup", "/lookup/panel", "/api/v1/patients/1/abha"])
def test_json_nested_50000_deep_is_a_clear_400(pg_app, path):
    client, _ = factories.logged_in(pg_app, "registrar")  # reads patients and links ABHAs
    response = client.post(path, data=_deep(), content_type="application/json")
    assert response.status_code == 400 and b"nested" in response.data


@pytest.mark.pg
@pytest.mark.parametrize("content_type", ["application/fhir+json", "text/plain"])
def test_a_hospitals_bundle_nested_50000_deep_is_a_clear_400_whatever_its_content_type(pg_app, content_type):
    from tests.fhir.hospital import Hospital

    hospital = Hospital(pg_app.test_client(), scopes="system/*.read system/*.write")
    # FHIR's reader takes JSON whatever the content type says: the depth is measured before any reader parses.
    response = hospital.http.post("/fhir", data='{"resourceType": "Bundle", "entry": ' + _deep() + "}",
                                  headers={"Authorization": f"Bearer {hospital.token()}", "Content-Type": content_type})
    assert response.status_code == 400 and b"nested" in response.data


@pytest.mark.pg
@pytest.mark.parametrize("field", ["facility_id", "case_id"])
@pytest.mark.parametrize("value", [PAST_INTEGER, 2**63, 10**30])
def test_an_id_past_the_columns_range_in_the_grievance_form_is_a_clear_404(pg_app, field, value):
    _hold_jobs(pg_app)
    client, _ = factories.logged_in(pg_app, "operator")
    from crm.cases import lifecycle
    from crm.cases.status import Status

    case = lifecycle.open_case("voice", "+919810066666", status=Status.QUEUED, language="en")
    db.session.add(Facility(code="MC-1", name="Mohalla Clinic Seelampur", kind="mohalla_clinic", district="North East"))
    db.session.commit()
    form = {"case_id": case.id, "category": "facility", "language": "en", "body": "Clinic was shut"} | {field: value}
    response = client.post("/grievances/new", data=form)
    assert response.status_code == 404 and b"There is no" in response.data
    assert db.session.scalar(select(func.count()).select_from(Grievance)) == 0
