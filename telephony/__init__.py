"""The Twilio edge: voice and SMS webhooks, TwiML prompts, the outbound gateway.

The Twilio emulator (emulators.twilio) is development and test tooling outside this package: with
TELEPHONY=emulator, and only then, `_load_emulator` below loads it (the one place production code names it).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the webhooks, install the phone system the staff side uses, mount the emulator (demo/tests)."""
    from crm.platform import outbox, sweeps
    from crm.platform.security import inputs
    from telephony import exotel, fallback, prompts, reconcile, recordings, webhook_fields
    from telephony.fallback import bp as fallback_bp
    from telephony.fallback_check import fallback_check_command
    from telephony.phone_system import TwilioPhone
    from telephony.sms import TwilioTexts
    from telephony.sms import bp as sms_bp
    from telephony.voice import bp as voice_bp

    inputs.keep_words("/telephony/", *webhook_fields.WORDS)  # signed, then cleaned by telephony.signature
    recordings.install(app)  # which Urdu prompts are recorded; the log says how many the Hindi voice says instead
    prompts.forget_built()
    app.register_blueprint(voice_bp)
    app.register_blueprint(sms_bp)
    app.register_blueprint(exotel.bp)
    app.register_blueprint(fallback_bp)
    app.cli.add_command(fallback_check_command)
    app.extensions["sampark_phone"] = TwilioPhone()
    # SMS through the provider the settings name (Exotel under DLT in India); WhatsApp through Twilio either way.
    outbox.install(app, exotel.ExotelTexts(TwilioTexts()) if app.config["SMS_PROVIDER"] == "exotel" else TwilioTexts())
    sweeps.register(app, "sms_settled", reconcile.settle_stuck_messages)
    sweeps.register(app, "sms_status_asked", reconcile.settle_unfinished_sends)
    if app.config["SMS_PROVIDER"] == "exotel":
        sweeps.register(app, "exotel_status_asked", exotel.settle_unfinished_sends)
    sweeps.register(app, "calls_reconciled", reconcile.reconcile_silent_calls)
    sweeps.register(app, "staff_legs_settled", reconcile.settle_staff_legs)
    sweeps.register(app, "fallback_read_back", fallback.replay)
    if app.config["TELEPHONY"] == "emulator":
        _load_emulator(app)


def _load_emulator(app: Flask) -> None:
    """TELEPHONY=emulator (demo and tests; refused in production): the gateway's HTTP goes to the emulator,
    which is served under /emulator of this server unless EMULATOR_MOUNT is off (it then runs on its own)."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from crm.helpline.whatsapp import approved
    from emulators.exotel import create_exotel_emulator
    from emulators.twilio import create_emulator_app
    from emulators.twilio.http_client import EmulatorHttpClient
    from telephony import gateway

    url = app.config["EMULATOR_URL"]
    app.extensions[gateway.HTTP_CLIENT] = lambda timeout: EmulatorHttpClient(url, timeout=timeout)
    _install_exotel_emulator(app, create_exotel_emulator)
    if not app.config["EMULATOR_MOUNT"]:
        return
    emulator = create_emulator_app({
        "ACCOUNT_SID": app.config["TWILIO_ACCOUNT_SID"], "AUTH_TOKEN": app.config["TWILIO_AUTH_TOKEN"],
        "PHONE_NUMBER": app.config["TWILIO_PHONE_NUMBER"], "APP_BASE_URL": app.config["PUBLIC_BASE_URL"],
        "SPEED": float(app.config.get("EMULATOR_SPEED", 1.0)),
        "WHATSAPP_NUMBER": app.config.get("TWILIO_WHATSAPP_NUMBER"),
        "MISSED_CALL_NUMBER": app.config.get("MISSED_CALL_NUMBER"),
        # The phone shows a template as WhatsApp would: the approved bodies by ContentSid.
        "CONTENT_TEMPLATES": {t.sid: t.body for t in approved.all_templates()},
    })
    app.extensions["sampark_emulator"] = emulator
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/emulator": emulator})


def _install_exotel_emulator(app: Flask, create_exotel_emulator) -> None:
    """The Exotel SMS emulator beside Twilio's: the app's Exotel requests go to it in-process, and it answers with
    webhooks to the app (over HTTP in the demo, where it is served under /exotel-emulator; through the app's test
    client otherwise, delivered when a test calls its `flush`)."""
    from urllib.parse import urlsplit

    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from crm.platform import sms_templates
    from telephony import exotel

    config = app.config
    mounted = config["EMULATOR_MOUNT"]

    def deliver(url: str, form: dict) -> None:
        parts = urlsplit(url)
        app.test_client().post(parts.path + (f"?{parts.query}" if parts.query else ""), data=form)

    emulator = create_exotel_emulator({
        "ACCOUNT_SID": config["EXOTEL_ACCOUNT_SID"], "API_KEY": config["EXOTEL_API_KEY"],
        "API_TOKEN": config["EXOTEL_API_TOKEN"], "SENDER_ID": config["EXOTEL_SENDER_ID"],
        "SMS_NUMBER": config["EXOTEL_SMS_NUMBER"], "DLT_ENTITY_ID": config["DLT_ENTITY_ID"],
        # What was registered on DLT: the scrubber holds each text against these.
        "TEMPLATES": {t.dlt_template_id: t.text for t in sms_templates.all_templates()},
        "INBOUND_URL": config["PUBLIC_BASE_URL"] + "/telephony/exotel/sms?token=" + config["EXOTEL_WEBHOOK_TOKEN"],
        "DELIVER": None if mounted else deliver,
    })
    app.extensions["sampark_exotel_emulator"] = emulator

    def request(method: str, url: str, form: dict | None, headers: dict, timeout: float) -> tuple[int, dict | None]:
        answer = emulator.test_client().open(urlsplit(url).path, method=method, data=form, headers=headers)
        return answer.status_code, answer.get_json(silent=True)

    app.extensions[exotel.HTTP] = request
    if mounted:
        app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/exotel-emulator": emulator})
