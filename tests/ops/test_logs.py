"""Logs as the on-call engineer searches them: JSON lines, one request id from a webhook to the jobs it queued and
the live events it sent, the provider's ids beside it; and, over a caller's busiest path, no phone number, card
number, name or message text in any line."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rq import Queue, SimpleWorker

from crm.platform import jobs, logs
from crm.platform.extensions import db
from emulators.twilio.driver import Phone
from tests import factories
from tests.conftest import REDIS_URL, make_app
from tests.live import eventually, served

CALLER = "+919876501234"
NAME = "Gurpreet Kaur"
TEXT = "mere pita ji ko seene mein dard hai aur saans nahi aa rahi"


@pytest.fixture
def captured():
    """Every line logged at INFO and above while the test runs, as the JSON formatter writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonLines())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_callers_busiest_path_leaves_no_number_name_or_words_in_the_logs(tmp_path, captured):
    with served(tmp_path) as (app, base):
        with app.app_context():
            card = factories.make_card(name=NAME, preferred_language="hi", mobile="+919876509999")  # a neighbour's phone calls
            number = card.number
        phone = Phone(f"{base}/emulator", CALLER)
        call = phone.call()
        call.wait_for("हिंदी के लिए 1 दबाएं", timeout=20)
        call.press("1")
        call.wait_for("कार्ड नंबर डालें", timeout=20)
        call.press(number + "#")
        call.wait_for("कतार में आपका नंबर 1 है", timeout=20)
        sid = phone.text(TEXT)
        phone.wait_for_text(lambda m: m["direction"] != "inbound", timeout=20)
        call.hang_up()
        lines = eventually(lambda: [l for l in captured() if sid in json.dumps(l)] and captured())

    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    digits = re.sub(r"\D", "", CALLER)
    for secret in (CALLER, digits, digits[-10:], number, NAME, "Gurpreet", TEXT, "seene mein dard"):
        assert secret not in text, secret
    webhook = next(l for l in lines if l.get("provider_ids", {}).get("MessageSid") == sid)
    assert webhook["endpoint"] == "telephony_sms.sms" and webhook["status"] == 200 and webhook["request_id"]
    assert any(name.startswith("case.message#") for name in webhook["events"])  # the board heard of it, on its line
    assert all(l["time"].endswith("+00:00") for l in lines)


@pytest.mark.redis
def test_a_job_logs_under_the_request_id_of_the_webhook_that_queued_it(tmp_path, captured):
    app = make_app(tmp_path, REDIS_URL=REDIS_URL, JOBS_EAGER=False)
    queue = app.extensions["sampark_jobs"].queue
    queue.empty()
    with app.test_request_context("/telephony/sms", headers={"X-Request-Id": "balancer-id-0042"}):
        app.preprocess_request()
        assert logs.current() == "balancer-id-0042"
        jobs.enqueue("crm.platform.sweeps.run_once", job_id="logs-test-job")
    assert logs.current() is None  # the request is over: nothing later is logged under its id
    jobs.use_app(app)
    try:
        SimpleWorker([Queue("default", connection=queue.connection)], connection=queue.connection).work(burst=True)
    finally:
        jobs.use_app(None)
    line = next(l for l in captured() if l.get("job") == "logs-test-job")
    assert line["request_id"] == "balancer-id-0042" and line["message"] == "job crm.platform.sweeps.run_once"


def test_the_answer_carries_its_request_id_and_a_balancers_id_is_kept_only_when_plain(app):
    client = app.test_client()
    made = client.get("/healthz").headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{16}", made) and client.get("/healthz").headers["X-Request-Id"] != made
    assert client.get("/healthz", headers={"X-Request-Id": "lb-7f3a9c21"}).headers["X-Request-Id"] == "lb-7f3a9c21"
    forged = client.get("/healthz", headers={"X-Request-Id": "<script>+919876501234"}).headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{16}", forged)


def test_a_database_error_names_the_statement_not_its_values_and_its_logged_line_no_number(app, captured):
    from sqlalchemy import text

    with app.app_context():
        db.session.execute(text("CREATE TEMP TABLE phone_width (phone varchar(5))"))
        with pytest.raises(Exception) as too_long:
            db.session.execute(text("INSERT INTO phone_width VALUES (:phone)"), {"phone": CALLER})
        db.session.rollback()
        with pytest.raises(Exception) as not_a_number:  # here PostgreSQL itself quotes the value
            db.session.execute(text("SELECT CAST(:phone AS integer)"), {"phone": CALLER})
        db.session.rollback()
    assert CALLER not in str(too_long.value) and "parameters hidden" in str(too_long.value)
    try:
        raise not_a_number.value
    except Exception:
        logging.getLogger("crm.test").exception("could not store the call")
    line = next(l for l in captured() if l["message"] == "could not store the call")
    assert "out of range" in line["exception"] and CALLER not in line["exception"] and "[digits]" in line["exception"]


@given(st.integers(6_000_000_000, 9_999_999_999).map(lambda n: f"+91{n}"), st.sampled_from(["call ", "card ", "", "from: "]),
       st.sampled_from(["", " back", " (sid CA0123456789abcdef0123456789abcdef)"]))
def test_any_phone_or_card_number_in_a_line_is_scrubbed_and_ids_are_kept(number, before, after):
    for shown in (number, number[3:], f"{number[:6]} {number[6:]}", "1234 5678 9012"):
        line = logs.scrub(f"{before}{shown}{after}")
        assert line == f"{before}[digits]{after}"
