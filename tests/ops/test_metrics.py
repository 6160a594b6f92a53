"""/metrics as Prometheus scrapes it while the helpline works: an emergency call and a forged webhook show up in
the figures the on-call engineer alerts on, and nothing in the scrape names a caller."""

from __future__ import annotations

import re

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from crm.config import ConfigError, load
from crm.platform.extensions import db
from emulators.twilio.driver import Phone
from tests import factories
from tests.live import eventually, served

TOKEN = "m" * 40
CALLER = "+919811122233"


def scrape(base: str, token: str | None = TOKEN) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{base}/metrics", headers=headers, timeout=20)


def samples(text: str) -> dict[tuple, float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels) -> float | None:
    return found.get((name, tuple(sorted(labels.items()))))


@pytest.fixture
def live(tmp_path):
    with served(tmp_path, METRICS_TOKEN=TOKEN) as (app, base):
        yield app, base


def test_an_emergency_call_and_a_forged_webhook_show_in_the_metrics_and_no_caller_does(live):
    app, base = live
    with app.app_context():
        card = factories.make_card(name="Kamla Devi", preferred_language="hi", mobile=CALLER)
        doctor = factories.make_staff("doctor")
        doctor.presence, doctor.on_duty = "available", True
        db.session.commit()
        card_number = card.number
    call = Phone(f"{base}/emulator", CALLER).call()
    call.wait_for("हिंदी के लिए 1 दबाएं", timeout=20)
    call.press("9")
    call.wait_for(lambda v: (v.get("queue") or {}).get("name") == "emergency", timeout=20)
    forged = requests.post(f"{base}/telephony/voice", data={"CallSid": "CA" + "1" * 32, "From": CALLER}, timeout=20)
    assert forged.status_code == 403

    answer = scrape(base)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/plain")
    found = samples(answer.text)
    assert value(found, "sampark_emergencies_waiting") == 1
    assert value(found, "sampark_queue_waiting", queue="emergency") == 1
    assert value(found, "sampark_queue_longest_wait_seconds", queue="emergency") >= 0
    assert value(found, "sampark_queue_waiting_by_language", queue="emergency", language="hi") == 1
    assert value(found, "sampark_queue_longest_wait_by_language_seconds", queue="emergency", language="hi") >= 0
    assert value(found, "sampark_service_level_threshold_seconds", queue="emergency") == 30
    assert value(found, "sampark_agents", role="doctor", state="available") == 1
    assert value(found, "sampark_http_request_seconds_count", endpoint="telephony.voice", status="200") >= 1
    assert value(found, "sampark_http_request_seconds_count", endpoint="telephony.voice", status="403") >= 1
    assert value(found, "sampark_sweep_age_seconds") == float("inf")  # no sweep runs in this test's app
    assert value(found, "sampark_db_pool_connections_max") >= 1

    digits = re.sub(r"\D", "", CALLER)
    for secret in (CALLER, digits, digits[-10:], card_number, "Kamla"):
        assert secret not in answer.text


def test_the_socket_connections_gauge_follows_dashboards(live):
    app, base = live
    import socketio

    with app.app_context():
        factories.make_staff("operator", username="metrics-op")
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=20)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    form = {"username": "metrics-op", "password": factories.PASSWORD}
    if token:
        form["csrf_token"] = token.group(1)
    assert session.post(f"{base}/login", data=form, timeout=20).status_code in (200, 302)

    before = value(samples(scrape(base).text), "sampark_socketio_connections") or 0
    client = socketio.Client()
    client.connect(base, headers={"Cookie": "; ".join(f"{c.name}={c.value}" for c in session.cookies)},
                   transports=["polling"])
    try:
        assert eventually(lambda: value(samples(scrape(base).text), "sampark_socketio_connections") == before + 1)
    finally:
        client.disconnect()
    assert eventually(lambda: value(samples(scrape(base).text), "sampark_socketio_connections") == before)


def test_metrics_need_the_token_and_are_off_without_one(live, tmp_path):
    _app, base = live
    assert scrape(base, token=None).status_code == 401
    assert scrape(base, token="wrong").status_code == 401
    with served(tmp_path / "off") as (_off, off_base):
        assert scrape(off_base).status_code == 404


def test_production_refuses_a_short_metrics_token(tmp_path, monkeypatch):
    production = {"SAMPARK_ENV": "production", "SECRET_KEY": "s" * 64, "DATABASE_URL": "postgresql://x@h/d",
                  "REDIS_URL": "redis://h", "PUBLIC_BASE_URL": "https://helpline.example.in",
                  "CARD_SIGNING_KEY_FILE": str(tmp_path / "k"), "TELEPHONY": "twilio",
                  "TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "t" * 32,
                  "TWILIO_PHONE_NUMBER": "+12025550100", "METRICS_TOKEN": "short"}
    with pytest.raises(ConfigError, match="METRICS_TOKEN"):
        load(tmp_path, production)
