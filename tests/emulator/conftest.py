"""Fixtures: a fake customer app (answers TwiML, checks Twilio signatures), a live emulator, a phone.

The fake app stands in for Sampark so these tests do not depend on it: each test tells it what TwiML
to answer on which path, and afterwards reads what it was sent. It refuses (403) any request whose
X-Twilio-Signature is wrong, exactly as the real app must, which proves the emulator signs correctly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from werkzeug.serving import make_server

from emulators.twilio import EmulatorHttpClient, create_emulator_app, emulator_of, forbid_real_twilio
from emulators.twilio.driver import Phone

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-auth-token"
HELPLINE = "+911800112233"
CITIZEN = "+919810000001"
SPEED = 0.05


def serve(app) -> tuple[str, Callable[[], None]]:
    """Serve a WSGI app on 127.0.0.1 and a free port in a thread; returns (base URL, stop)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), name="test-server", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()

    return f"http://127.0.0.1:{server.server_port}", stop


@dataclass
class Received:
    """One request the fake app got."""

    method: str
    path: str
    params: dict
    signed: bool


@dataclass
class CustomerApp:
    """The stand-in for Sampark: TwiML by path, a log of what arrived, signature checks."""

    url: str = ""
    routes: dict[str, str | Callable[[dict], str]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    refuse_all: bool = False
    public_base: str | None = None  # validate signatures against this base, as an app behind a proxy does
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, twiml: str | Callable[[dict], str]) -> None:
        """Answer `path` with this TwiML (a string, or a function of the request params)."""
        self.routes[path] = twiml

    def got(self, path: str) -> list[dict]:
        """The params of every request to `path`, in arrival order."""
        with self.lock:
            return [r.params for r in self.received if r.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 5) -> list[dict]:
        """Poll until `path` was requested `count` times."""
        deadline = time.monotonic() + timeout
        while len(self.got(path)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{path} got {len(self.got(path))} of {count} requests: {self.received}")
            time.sleep(0.02)
        return self.got(path)


def make_customer_app(customer: CustomerApp) -> Flask:
    """The Flask app behind `customer`."""
    app = Flask("fake_customer")
    validator = RequestValidator(AUTH_TOKEN)

    @app.route("/<path:path>", methods=["GET", "POST"])
    def webhook(path: str):
        params = request.form.to_dict() if request.method == "POST" else {}
        url = request.url
        if customer.public_base:
            query = request.query_string.decode()
            url = customer.public_base + request.path + (f"?{query}" if query else "")
        signed = validator.validate(url, params, request.headers.get("X-Twilio-Signature", ""))
        shown = request.args.to_dict() | params  # the query string too, as a Flask view would see it
        with customer.lock:
            customer.received.append(Received(request.method, "/" + path, shown, signed))
        if not signed or customer.refuse_all:
            return Response("forbidden", 403)
        route = customer.routes.get("/" + path)
        if route is None:
            return Response("<Response/>", mimetype="text/xml")
        body = route(shown) if callable(route) else route
        return Response(body, mimetype="text/xml")

    return app


@dataclass
class EmulatorServer:
    """A running emulator: its base URL, the Emulator object and a real twilio Client pointed at it."""

    url: str
    app: Flask

    @property
    def emulator(self):
        """The in-process Emulator (logs, settle)."""
        return emulator_of(self.app)

    def client(self, token: str = AUTH_TOKEN) -> Client:
        """twilio.rest.Client talking to this emulator."""
        return Client(ACCOUNT_SID, token, http_client=EmulatorHttpClient(self.url))


@pytest.fixture(autouse=True)
def no_real_twilio(monkeypatch):
    """No test in this package may reach api.twilio.com."""
    forbid_real_twilio(monkeypatch)


@pytest.fixture
def customer():
    """The fake customer app, served on its own port."""
    fake = CustomerApp()
    fake.url, stop = serve(make_customer_app(fake))
    yield fake
    stop()


def emulator_config(customer: CustomerApp, **extra) -> dict:
    """Emulator settings pointing at the fake app, with short waits."""
    return {"ACCOUNT_SID": ACCOUNT_SID, "AUTH_TOKEN": AUTH_TOKEN, "PHONE_NUMBER": HELPLINE,
            "APP_BASE_URL": customer.url, "SPEED": SPEED, "SAY_CHARS_PER_SECOND": 200.0} | extra


@pytest.fixture
def emulator_server(customer):
    """The emulator app on its own port, posting webhooks to the fake app."""
    app = create_emulator_app(emulator_config(customer))
    url, stop = serve(app)
    yield EmulatorServer(url, app)
    emulator_of(app).reset()
    stop()


@pytest.fixture
def phone(emulator_server):
    """A citizen's phone on the emulator."""
    return Phone(emulator_server.url, CITIZEN)


def twiml(*verbs: str) -> str:
    """A <Response> around the given verb strings."""
    return '<?xml version="1.0" encoding="UTF-8"?><Response>' + "".join(verbs) + "</Response>"
