"""Exotel's SMS edge (India): its webhooks parsed into crm's terms, and crm's texts handed to its SMS API under DLT.

Chosen by SMS_PROVIDER=exotel; WhatsApp stays on Twilio (`ExotelTexts` hands WhatsApp messages to Twilio's carrier).
- Outbound: `POST /v1/Accounts/<sid>/Sms/send` with From (the DLT-registered header), To, Body, DltEntityId,
  DltTemplateId, SmsType, EncodingType and StatusCallback; HTTP Basic with the API key and token. The text must be
  a registered template (crm.platform.sms_templates): one that matches none is refused here, before Exotel.
- Inbound: a text to the ExoPhone is posted to /telephony/exotel/sms (SmsSid, From, To, Body), the same crm call as
  Twilio's (crm.helpline.messages.inbound.receive), idempotent on SmsSid.
- Delivery reports: /telephony/exotel/sms/status (SmsSid, Status, DetailedStatus, DetailedStatusCode), mapped onto
  the message states crm keeps (crm.helpline.messages.delivery).
Exotel signs no webhook: each URL carries a secret token (EXOTEL_WEBHOOK_TOKEN, compared in constant time), the URLs
are https, and Exotel's addresses can be allowed at the proxy. A wrong token is 403, a missing field 400; never a 500.
"""

from __future__ import annotations

import base64
import hmac
import logging

from flask import Blueprint, Response, current_app, request

from crm.helpline.messages import delivery, inbound
from crm.models import Message
from crm.platform import sms_templates
from crm.platform.outbox import Carrier, SendRefused, SendUnconfirmed
from crm.platform.phones import PhoneError, normalize
from crm.platform.sms_parts import is_gsm
from crm.staff.auth.access import csrf_exempt, public
from telephony import webhook_fields

log = logging.getLogger(__name__)
bp = Blueprint("telephony_exotel", __name__, url_prefix="/telephony/exotel")
HTTP = "sampark_exotel_http"  # app.extensions: (method, url, form, headers, timeout) -> (status, json); the emulator's
HTTP_TIMEOUT = 10
SMS_ID_LONGEST = 64
MAX_FIELDS, BODY_LONGEST, OTHER_LONGEST = 40, 2000, 200  # Exotel's longest Body is 2000 characters
# DLT's categories as Exotel's SmsType names them.
SMS_TYPE = {"transactional": "transactional", "service_implicit": "transactional",
            "service_explicit": "transactional_opt_in", "promotional": "promotional"}
# Exotel's statuses in the words crm keeps (Twilio's): submitted is still on its way; expired is undelivered.
STATUS = {"queued": "queued", "sending": "sending", "submitted": "sending", "sent": "sent", "delivered": "delivered",
          "failed": "failed", "failed-dnd": "failed", "expired": "undelivered", "undelivered": "undelivered"}
# Exotel's detailed codes the desk should read in words (its SMS status codes, DLT's among them).
KNOWN_ERRORS = {
    "23005": "The number is on India's Do Not Disturb register.",
    "23010": "Not a mobile number that can receive texts.",
    "23072": "The sender header is not registered on DLT.",
    "23080": "The carrier's DLT scrubber refused the text: it does not match its registered template.",
    "23081": "The DLT entity id is not registered.",
    "23082": "The DLT template id is not registered or does not match the text.",
    "23083": "DLT consent not found for this number.",
}
UNREGISTERED = "not_in_dlt"  # fits the error code column (10)


def _token_ok() -> bool:
    expected = current_app.config.get("EXOTEL_WEBHOOK_TOKEN") or ""
    given = request.args.get("token", "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def _refusal() -> Response | None:
    if not _token_ok():
        log.warning("refused Exotel webhook %s without its token from %s", request.path, request.remote_addr)
        return Response("Forbidden: wrong or missing token\n", status=403, mimetype="text/plain")
    problem = _form_problem()
    if problem:
        return Response(f"Bad request: {problem}\n", status=400, mimetype="text/plain")
    sms_sid = request.form.get("SmsSid", "")
    if not sms_sid or len(sms_sid) > SMS_ID_LONGEST or not sms_sid.replace("-", "").isalnum():
        return Response("Bad request: SmsSid is missing or not Exotel's\n", status=400, mimetype="text/plain")
    return None


def _form_problem() -> str | None:
    """Exotel's fields are few and short; a field sent twice, or an overlong one, is refused before anything is kept."""
    if len(request.form) > MAX_FIELDS:
        return "too many fields"
    for name, values in request.form.lists():
        if len(values) > 1:
            return f"field {name[:40]!r} was sent more than once"
        if len(values[0]) > (BODY_LONGEST if name == "Body" else OTHER_LONGEST):
            return f"field {name[:40]!r} is too long"
    return None


@bp.post("/sms")
@public
@csrf_exempt
def sms():
    """A citizen texted the ExoPhone; replies go out as jobs, so the answer is an empty 200."""
    refused = _refusal()
    if refused is not None:
        return refused
    form = webhook_fields.cleaned(request.form)
    try:
        sender = normalize(form.get("From", ""))
    except PhoneError:
        return Response("Bad request: From is not a phone number\n", status=400, mimetype="text/plain")
    inbound.receive(inbound.InboundText(
        provider_id=_provider_id(form["SmsSid"]), sender=sender, helpline=current_app.config["SMS_NUMBER"],
        body=form.get("Body", ""), channel="sms"))
    return Response(status=200)


@bp.post("/sms/status")
@public
@csrf_exempt
def sms_status():
    """A delivery report for a text Exotel accepted, possibly repeated or out of order: applied once, forward only."""
    refused = _refusal()
    if refused is not None:
        return refused
    record_status(request.form.to_dict())
    return Response(status=204)


PROVIDER_PREFIX = "EX"


def _provider_id(sms_sid: str) -> str:
    """Exotel's SmsSid as crm keeps provider ids (apart from Twilio's SM... sids, which they cannot collide with)."""
    return PROVIDER_PREFIX + sms_sid


def settle_unfinished_sends(now) -> int:
    """Ask Exotel (its SMS details API) about texts it accepted and has not reported on for a while: a lost status
    callback (Exotel retries twice, then gives up) otherwise leaves a delivered text 'sending' on the case."""
    from datetime import timedelta

    from sqlalchemy import select, update

    from crm.platform.extensions import db

    quiet = now - timedelta(minutes=10)
    unfinished = db.session.scalars(select(Message).where(
        Message.sid.like(PROVIDER_PREFIX + "%"), Message.status.in_(("queued", "sending", "sent")),
        Message.updated_at <= quiet, Message.created_at >= now - timedelta(days=2)).order_by(Message.id).limit(100)).all()
    moved = 0
    for message in unfinished:
        won = db.session.execute(update(Message).where(Message.id == message.id, Message.updated_at <= quiet)
                                 .values(updated_at=now).execution_options(synchronize_session=False)).rowcount
        if not won:
            continue
        sms_sid = message.sid[len(PROVIDER_PREFIX):]
        try:
            status, answer = _request("GET", f"/v1/Accounts/{current_app.config['EXOTEL_ACCOUNT_SID']}"
                                             f"/SMS/Messages/{sms_sid}.json", None)
        except SendUnconfirmed:
            continue  # Exotel unreachable: asked again next time
        details = (answer or {}).get("SMSMessage") if status == 200 and isinstance(answer, dict) else None
        if details and record_status({"SmsSid": sms_sid, "Status": details.get("Status"),
                                      "DetailedStatus": details.get("DetailedStatus"),
                                      "DetailedStatusCode": details.get("DetailedStatusCode")}) is not None:
            moved += 1
    return moved


def record_status(params: dict) -> Message | None:
    """Exotel's status callback applied by crm (an unknown status or message changes nothing)."""
    status = STATUS.get(str(params.get("Status", "")).lower())
    if status is None:
        return None
    code = str(params.get("DetailedStatusCode") or "")[:10] or None
    failing = status in ("failed", "undelivered")
    words = KNOWN_ERRORS.get(code or "") or (str(params.get("DetailedStatus") or "")[:200] or None)
    return delivery.record_status(_provider_id(params.get("SmsSid", "")), status,
                                  code if failing else None, words if failing else None)


def webhook_url(endpoint: str) -> str:
    """The absolute URL of one of these webhooks, with its token (what Exotel is given)."""
    from telephony.gateway import public_url

    return public_url(endpoint) + "?token=" + current_app.config["EXOTEL_WEBHOOK_TOKEN"]


class ExotelTexts:
    """crm.platform.outbox.Carrier on Exotel for SMS (DLT), on Twilio's carrier for WhatsApp."""

    registered_only = True  # an SMS leaves only as a registered DLT template (crm.platform.outbox.registered_only)

    def __init__(self, whatsapp: Carrier) -> None:
        self.whatsapp = whatsapp

    def send(self, message: Message, text: str) -> str:
        """Hand an SMS to Exotel under its DLT template; its SmsSid (as crm keeps it)."""
        if message.channel == "whatsapp":
            return self.whatsapp.send(message, text)
        template = sms_templates.match(text)
        if template is None:
            raise SendRefused(UNREGISTERED, "Not sent: this text is not a registered DLT template, and carriers in "
                              "India drop any other. Send it on WhatsApp or call the citizen.")
        config = current_app.config
        form = {"From": config["EXOTEL_SENDER_ID"], "To": message.to_number, "Body": text,
                "DltEntityId": config["DLT_ENTITY_ID"], "DltTemplateId": template.dlt_template_id,
                "SmsType": SMS_TYPE[template.category], "EncodingType": "plain" if is_gsm(text) else "unicode",
                "StatusCallback": webhook_url("telephony_exotel.sms_status"), "CustomField": str(message.id)}
        status, answer = _request("POST", f"/v1/Accounts/{config['EXOTEL_ACCOUNT_SID']}/Sms/send.json", form)
        if status in (200, 202) and isinstance(answer, dict) and answer.get("SMSMessage", {}).get("Sid"):
            return _provider_id(str(answer["SMSMessage"]["Sid"]))
        if 400 <= status < 500:
            problem = (answer or {}).get("RestException", {}) if isinstance(answer, dict) else {}
            raise SendRefused(str(problem.get("Code") or status), str(problem.get("Message") or "Exotel refused it."))
        raise SendUnconfirmed(f"Exotel answered {status}")


def _request(method: str, path: str, form: dict | None) -> tuple[int, dict | None]:
    """A request to Exotel's API (or the emulator's, in the demo and tests); (HTTP status, JSON answer)."""
    config = current_app.config
    credentials = base64.b64encode(f"{config['EXOTEL_API_KEY']}:{config['EXOTEL_API_TOKEN']}".encode()).decode()
    headers = {"Authorization": f"Basic {credentials}", "Accept": "application/json"}
    send = current_app.extensions.get(HTTP) or _https
    try:
        return send(method, f"https://{config['EXOTEL_SUBDOMAIN']}{path}", form, headers, HTTP_TIMEOUT)
    except OSError as exc:
        raise SendUnconfirmed(str(exc)) from exc


def _https(method: str, url: str, form: dict | None, headers: dict, timeout: float) -> tuple[int, dict | None]:
    import requests

    try:
        response = requests.request(method, url, data=form, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        raise OSError(str(exc)) from exc
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, None
