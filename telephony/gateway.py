"""The outbound gateway: every request to Twilio goes through the real twilio-python Client.

With TELEPHONY=emulator the Client's HTTP goes to the emulator (installed by telephony.init_app under
HTTP_CLIENT) instead of api.twilio.com; nothing else changes, so the code below is exactly what production runs.
"""

from __future__ import annotations

import json

from flask import Flask, current_app
from twilio.rest import Client

from crm.models import Call, Case, Message, StaffUser
from crm.platform.extensions import db
from telephony import calls

STAFF_EVENTS = ["initiated", "ringing", "answered", "completed"]
HTTP_TIMEOUT = 10  # seconds: a request to Twilio that hangs longer is settled later by a sweep
HTTP_CLIENT = "sampark_twilio_http_client"  # app.extensions: makes the Client's HTTP client (the emulator's)


def build_client(app: Flask) -> Client:
    """The Client for this app's settings: real Twilio, or the emulator's address."""
    from twilio.http.http_client import TwilioHttpClient

    make = app.extensions.get(HTTP_CLIENT, lambda timeout: TwilioHttpClient(timeout=timeout))
    http_client = make(HTTP_TIMEOUT)
    return Client(app.config["TWILIO_ACCOUNT_SID"], app.config["TWILIO_AUTH_TOKEN"], http_client=http_client)


def client() -> Client:
    """The app's Twilio client, built on first use."""
    app = current_app._get_current_object()
    if "sampark_twilio" not in app.extensions:
        app.extensions["sampark_twilio"] = build_client(app)
    return app.extensions["sampark_twilio"]


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` that Twilio can reach (and will sign); works outside a request too."""
    path = current_app.url_map.bind("sampark").build(endpoint, values)
    return current_app.config["PUBLIC_BASE_URL"] + path


def dequeue_to_conference(case: Case) -> Call | None:
    """Take the case's waiting caller out of the Twilio queue and into the case's conference."""
    call = waiting_call(case)
    if call is None:
        return None
    queue_sid = call.queue_sid or queue_sid_by_name(case.queue)
    if queue_sid is None:
        return None  # not in Twilio's queue yet: its next wait request sees the claim and leaves
    client().queues(queue_sid).members(call.sid).update(
        url=public_url("telephony.connect", case=case.id), method="POST")
    return call


def queue_sid_by_name(name: str | None) -> str | None:
    """The sid of the Twilio queue called `name` (a caller may be claimed before their first wait request)."""
    if not name:
        return None
    for queue in client().queues.list(limit=100):
        if queue.friendly_name == name:
            return queue.sid
    return None


def waiting_call(case: Case) -> Call | None:
    """The citizen's leg of `case` that is still in a Twilio queue, if any."""
    leg = calls.citizen_leg(case)
    return leg if leg is not None and leg.queue_result is None else None


def byoc() -> dict:
    """`byoc=` the BYOC trunk every outbound leg leaves through (India: Twilio places no call to an Indian number from
    an Indian caller id; the Indian carrier's trunk does), or nothing where none is configured."""
    trunk = current_app.config.get("TWILIO_BYOC_TRUNK_SID")
    return {"byoc": trunk} if trunk else {}


def ring_staff(case: Case, staff: StaffUser) -> Call:
    """Ring the staff member's desk phone, or their browser client, into the case's conference."""
    to = staff.desk_phone or f"client:staff-{staff.id}"
    created = client().calls.create(
        to=to, from_=current_app.config["TWILIO_PHONE_NUMBER"],
        url=public_url("telephony.staff", case=case.id), method="POST",
        status_callback=public_url("telephony.status"), status_callback_event=STAFF_EVENTS,
        status_callback_method="POST", **byoc())
    return _record(created.sid, case, "staff", to, staff_id=staff.id)


def call_back(case: Case) -> Call:
    """Call the citizen back; when they answer they join the case's conference."""
    created = client().calls.create(
        to=case.caller_phone, from_=current_app.config["TWILIO_PHONE_NUMBER"],
        url=public_url("telephony.connect", case=case.id), method="POST",
        status_callback=public_url("telephony.status"), status_callback_event=STAFF_EVENTS,
        status_callback_method="POST", timeout=30, **byoc())
    return _record(created.sid, case, "callback", case.caller_phone)


def send_message(message: Message, text: str | None = None) -> str:
    """Hand one SMS or WhatsApp message to Twilio (with `text` as its body if given: the body with its secret); returns its sid.

    WhatsApp goes to `whatsapp:` addresses from the WhatsApp sender; a template message sends its
    ContentSid and ContentVariables instead of a body (WhatsApp's rule outside the 24-hour window).
    """
    to, from_ = twilio_addresses(message)
    if message.content_sid:
        created = client().messages.create(
            to=to, from_=from_, content_sid=message.content_sid,
            content_variables=json.dumps(message.content_variables or {}, ensure_ascii=False),
            status_callback=public_url("telephony_sms.sms_status"))
    else:
        created = client().messages.create(to=to, from_=from_, body=message.body if text is None else text,
                                           status_callback=public_url("telephony_sms.sms_status"))
    return created.sid


def twilio_addresses(message: Message) -> tuple[str, str]:
    """(to, from) as Twilio keeps them: WhatsApp under `whatsapp:+91...`, SMS under the bare number."""
    if message.channel == "whatsapp":
        return f"whatsapp:{message.to_number}", f"whatsapp:{message.from_number}"
    return message.to_number, message.from_number


def _record(sid: str, case: Case, purpose: str, to: str, staff_id: int | None = None) -> Call:
    call = Call(sid=sid, case=case, purpose=purpose, direction="outbound", to_number=to, staff_id=staff_id,
                from_number=current_app.config["TWILIO_PHONE_NUMBER"], status="queued")
    db.session.add(call)
    db.session.flush()
    return call


def access_token(staff: StaffUser, ttl: int = 3600) -> dict:
    """A Twilio Voice access token so the staff member's browser can take calls as client:staff-<id>."""
    from twilio.jwt.access_token import AccessToken
    from twilio.jwt.access_token.grants import VoiceGrant

    config = current_app.config
    identity = f"staff-{staff.id}"
    # Production signs with an API key; the emulator (which has none) with the account's own token.
    key = config.get("TWILIO_API_KEY") or config["TWILIO_ACCOUNT_SID"]
    secret = config.get("TWILIO_API_SECRET") or config["TWILIO_AUTH_TOKEN"]
    token = AccessToken(config["TWILIO_ACCOUNT_SID"], key, secret, identity=identity, ttl=ttl)
    token.add_grant(VoiceGrant(outgoing_application_sid=config.get("TWILIO_TWIML_APP_SID"), incoming_allow=True))
    return {"token": token.to_jwt(), "identity": identity, "ttl": ttl, "telephony": config["TELEPHONY"]}
