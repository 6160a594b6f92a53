"""Error tracking through Sentry's real SDK to a local stand-in for Sentry's ingest endpoint: a failing webhook's
error arrives with its request id and without the caller's number, name or words; without a DSN nothing is sent."""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk

from tests.conftest import make_app

CALLER = "+919812345670"


class Ingest:
    """Collects what the SDK posts (envelopes), as Sentry's /api/<project>/envelope/ would."""

    def __init__(self) -> None:
        self.bodies: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    raw = gzip.decompress(raw)
                outer.bodies.append(raw.decode("utf-8", "replace"))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.dsn = f"http://publickey@127.0.0.1:{self.server.server_port}/1"


@pytest.fixture
def ingest():
    server = Ingest()
    yield server
    sentry_sdk.get_client().close(timeout=2)
    sentry_sdk.get_global_scope().set_client(None)  # later tests in this process have no client (and no integration)
    server.server.shutdown()


def _failing_app(tmp_path, **settings):
    app = make_app(tmp_path, **settings)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        from flask import request

        raise RuntimeError(f"could not place {request.form['From']} for {request.form['Name']}")

    broken.public = True
    broken.csrf_exempt = True
    app.add_url_rule("/telephony/broken", "broken", broken, methods=["POST"])
    return app


def test_an_error_reaches_the_tracker_with_its_request_id_and_no_personal_data(tmp_path, ingest):
    app = _failing_app(tmp_path, SENTRY_DSN=ingest.dsn, TESTING=False)
    answer = app.test_client().post("/telephony/broken?from=" + CALLER, data={
        "From": CALLER, "Name": "Harjit Singh", "Body": "meri maa behosh ho gayi"},
        headers={"Cookie": "session=secret-cookie", "X-Request-Id": "req-track-0001"})
    assert answer.status_code == 500
    sentry_sdk.flush(timeout=5)
    deadline = time.monotonic() + 5
    while not ingest.bodies and time.monotonic() < deadline:
        time.sleep(0.05)
    sent = "\n".join(ingest.bodies)
    assert "RuntimeError" in sent and "req-track-0001" in sent and "withheld" in sent
    for secret in (CALLER, CALLER[3:], "Harjit", "behosh", "secret-cookie"):
        assert secret not in sent, secret
    event = next(json.loads(line) for line in sent.splitlines() if line.startswith("{") and '"exception"' in line)
    assert event["request"]["url"].endswith("/telephony/broken") and "data" not in event["request"]


def test_without_a_dsn_nothing_is_sent(tmp_path, ingest):
    app = _failing_app(tmp_path, TESTING=False)
    assert app.test_client().post("/telephony/broken", data={"From": CALLER, "Name": "x"}).status_code == 500
    sentry_sdk.flush(timeout=2)
    assert ingest.bodies == []
