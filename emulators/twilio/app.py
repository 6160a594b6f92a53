"""The emulator's own small Flask app: REST API, JSON API for the phone page and tests, the phone page.

It runs on its own port or mounted under a prefix (the demo mounts it at /emulator with werkzeug's
DispatcherMiddleware); every URL it builds goes through url_for / request.script_root.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from emulators.twilio.conferences import Conferences
from emulators.twilio.messaging import Messaging
from emulators.twilio.state import Settings, Store
from emulators.twilio.switchboard import Switchboard
from emulators.twilio.validation import OpenApiIndex, load_index
from emulators.twilio.webhooks import Courier, WebhookSender

ROOT = Path(__file__).resolve().parents[2]


class Emulator:
    """Everything one emulated Twilio account holds, wired together; `app.extensions["twilio_emulator"]`."""

    def __init__(self, settings: Settings, openapi: OpenApiIndex | None = None) -> None:
        self.settings = settings
        self.store = Store(settings)
        self.sender = WebhookSender(settings, self.store)
        self.courier = Courier(self.sender, self.store)
        self.conferences = Conferences(self)
        self.switchboard = Switchboard(self)
        self.messaging = Messaging(self)
        self.openapi = openapi or load_index()

    def reset(self) -> None:
        """Hang up every live call silently and forget all state (between tests)."""
        with self.store.lock:
            for call in self.store.calls.values():
                if not call.ended:
                    call.detached = True
                    call.inbox.put(("hangup", "reset"))
            self.courier.forget()
            self.store.reset()

    def request_log(self, invalid_only: bool = False) -> list[dict]:
        """Every REST request the app sent, with `valid` and `errors` from the OpenAPI check."""
        with self.store.lock:
            entries = list(self.store.requests)
        return [e for e in entries if not e["valid"]] if invalid_only else entries

    def webhook_log(self, kind: str | None = None) -> list[dict]:
        """Every request the emulator made to the app (voice, gather, wait, action, status, sms)."""
        with self.store.lock:
            entries = list(self.store.webhooks)
        return [e for e in entries if kind is None or e["kind"] == kind]

    def settle(self, timeout: float = 5.0) -> bool:
        """Wait until every queued status callback has been delivered."""
        return self.courier.wait_idle(timeout)


def create_emulator_app(config: dict | None = None) -> Flask:
    """Build the emulator app; `config` takes the upper-case keys of `Settings` (ACCOUNT_SID, SPEED, ...)."""
    config = dict(config or {})
    settings = Settings.from_config(config)
    app = Flask(
        "twilio_emulator",
        root_path=str(ROOT),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static" / "emulator"),
        static_url_path="/static",
    )
    app.config.update({key: value for key, value in config.items() if key.isupper()})
    app.json.sort_keys = False
    app.extensions["twilio_emulator"] = Emulator(settings)

    from emulators.twilio import rest_calls, rest_conferences, rest_messages  # noqa: F401  (register handlers)
    from emulators.twilio.console import bp as console_bp
    from emulators.twilio.phone import bp as phone_bp
    from emulators.twilio.rest import bp as rest_bp

    app.register_blueprint(rest_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(phone_bp)
    return app


def emulator_of(app: Flask) -> Emulator:
    """The Emulator behind an emulator app (tests use it to read logs without HTTP)."""
    return app.extensions["twilio_emulator"]
