"""A real job worker (`flask --app wsgi worker`) SIGKILLed while Twilio holds its send request.

The app is served over HTTP with the emulator mounted and its jobs on a Redis of the test's own; the
worker is a separate process, as in production. The emulator's Messages endpoint holds the request
(Twilio taking its time) until the test has killed the worker, then either accepts the message (Twilio
got it, the answer never reached the worker) or never sees it (the request died with the process).
A new worker starts as the process manager would; rq's retry of the killed job runs on it; the sweep
settles the message against Twilio's own record. The citizen gets the reply exactly once, or the
message is marked failed on the case for the operator.
"""

import io
import os
import re
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select

from crm.models import CaseEvent, Message
from crm.models.base import utcnow
from crm.platform import jobs as crm_jobs
from crm.platform import sweeps, unit_of_work
from crm.platform.extensions import db
from telephony.emulator.driver import Phone
from tests.live import eventually, served

ROOT = Path(__file__).resolve().parents[2]
LATER = timedelta(minutes=4)  # past the time a live worker may still be sending
pytestmark = pytest.mark.redis
MESSAGES = re.compile(r"^/emulator/2010-04-01/Accounts/[^/]+/Messages\.json$")


class TwilioHoldsMessages:
    """In front of the emulator: holds each outbound-message request until the test says what Twilio does."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app
        self.arrived, self.decided = threading.Event(), threading.Event()
        self.accept = True

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "POST" and MESSAGES.match(environ.get("PATH_INFO", "")):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            self.arrived.set()
            self.decided.wait(timeout=120)
            if not self.accept:  # the request died with the worker before Twilio took it
                start_response("502 Bad Gateway", [("Content-Type", "text/plain")])
                return [b"lost"]
            environ["wsgi.input"] = io.BytesIO(body)
        return self.wsgi_app(environ, start_response)


def _worker(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                            stdout=log.open("a"), stderr=subprocess.STDOUT)


@pytest.mark.parametrize("twilio_got_it", [True, False], ids=["twilio-accepted", "request-lost"])
def test_a_worker_killed_mid_send_leaves_the_reply_sent_once_or_failed_on_the_case(tmp_path, redis_server,
                                                                                    twilio_got_it):
    with served(tmp_path, REDIS_URL=redis_server.url, JOBS_EAGER=False) as (app, base):
        app.wsgi_app = twilio = TwilioHoldsMessages(app.wsgi_app)
        twilio.accept = twilio_got_it
        env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": redis_server.url,
               "TELEPHONY": "emulator", "EMULATOR_URL": f"{base}/emulator", "PUBLIC_BASE_URL": base,
               "SECRET_KEY": "test-secret", "SAMPARK_ENV": "testing", "PYTHONPATH": str(ROOT),
               "INSTANCE_PATH": str(tmp_path / "worker-instance")}
        log = tmp_path / "workers.log"
        first = _worker(env, log)
        second = None
        try:
            phone = Phone(f"{base}/emulator", "+919877700042")
            phone.text("bukhar hai teen din se")
            assert twilio.arrived.wait(timeout=120), "the worker never sent: " + log.read_text()[-2000:]
            first.send_signal(signal.SIGKILL)  # between claiming the message and Twilio's answer
            first.wait(timeout=30)
            twilio.decided.set()
            with app.app_context():
                message = db.session.scalar(select(Message).where(Message.direction == "outbound"))
                assert message.status == "sending" and message.sid is None
                message_id, case_id = message.id, message.case_id
                db.session.remove()
            second = _worker(env, log)  # the process manager restarts it
            # rq's retry of the killed job, run by the new worker: it must not send again.
            retry = Queue("default", connection=Redis.from_url(redis_server.url)).enqueue(
                crm_jobs.run, "telephony.jobs.send_message", message_id)
            assert eventually(lambda: retry.get_status(refresh=True) in ("finished", "failed"),
                              timeout=120), "the new worker ran no job: " + log.read_text()[-2000:]
            with app.app_context():
                assert sweeps.run_once(utcnow())["sms_settled"] == 0  # too early: a worker may still be sending
                unit_of_work.commit()
                assert sweeps.run_once(utcnow() + LATER)["sms_settled"] == 1
                unit_of_work.commit()
                message = db.session.get(Message, message_id)
                timeline = [e.kind for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id))]
                if twilio_got_it:
                    assert message.status in ("queued", "sending", "sent", "delivered") and message.sid
                    assert "sms_settled" in timeline
                else:
                    assert message.status == "failed" and "not sent" in message.error_message
                    assert "sms_failed" in timeline  # the operator sees it on the case and decides
                assert sweeps.run_once(utcnow() + 2 * LATER)["sms_settled"] == 0
                unit_of_work.commit()
                db.session.remove()
            replies = [m for m in phone.thread() if "SMP-" in m.get("body", "")]
            assert len(replies) == (1 if twilio_got_it else 0)
        finally:
            for worker in (first, second):
                if worker is not None and worker.poll() is None:
                    worker.terminate()
                    try:
                        worker.wait(timeout=60)
                    except subprocess.TimeoutExpired:
                        worker.kill()
