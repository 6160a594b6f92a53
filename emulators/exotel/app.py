"""The Exotel SMS emulator's Flask app and state (see the package docstring)."""

from __future__ import annotations

import base64
import hmac
import itertools
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import phonenumbers
from flask import Flask, Response, jsonify, request

from emulators.exotel import dlt

IST = timezone(timedelta(hours=5, minutes=30))
LIFECYCLE = (("sending", 21015, "SENDING"), ("submitted", 21020, "SUBMITTED"),
             ("sent", 20006, "DELIVERED_TO_OPERATOR"), ("delivered", 20005, "DELIVERED_TO_HANDSET"))
BODY_LONGEST = 2000


def _now() -> str:
    return datetime.now(IST).strftime("%Y-%m-%d %H:%M:%S")  # Exotel's format, India time


class ExotelEmulator:
    """One emulated Exotel account: its messages, the phones' inboxes, and the webhooks waiting to be delivered."""

    def __init__(self, config: dict) -> None:
        self.account_sid = config["ACCOUNT_SID"]
        self.api_key, self.api_token = config["API_KEY"], config["API_TOKEN"]
        self.sender_id, self.exophone = config["SENDER_ID"], config["SMS_NUMBER"]
        self.entity_id = config["DLT_ENTITY_ID"]
        self.templates: dict[str, str] = dict(config.get("TEMPLATES") or {})  # DltTemplateId -> registered text
        self.inbound_url: str | None = config.get("INBOUND_URL")
        self.deliver: Callable[[str, dict], None] | None = config.get("DELIVER")  # else a thread posts over HTTP
        self.lock = threading.Lock()
        self.messages: dict[str, dict] = {}
        self.pending: list[tuple[str, dict]] = []
        self.requests: list[dict] = []  # every API request, as sent (tests read the DLT fields)
        self._order = itertools.count(1)

    def reset(self) -> None:
        """Forget every message and webhook (between tests)."""
        with self.lock:
            self.messages.clear(), self.pending.clear(), self.requests.clear()

    # --- the API -------------------------------------------------------------------------------------------

    def send(self, form: dict) -> dict:
        """Accept a text (queued), scrub it, and queue its status callbacks; the SMSMessage Exotel answers."""
        verdict = dlt.scrub(form.get("DltEntityId", ""), form.get("DltTemplateId", ""), form["Body"], self.entity_id,
                            self.templates)
        if verdict.code is None and not _mobile(form["To"]):
            verdict = dlt.INVALID_NUMBER  # a landline or no number: Exotel's carrier cannot deliver a text to it
        sid = uuid.uuid4().hex
        message = {"Sid": sid, "AccountSid": self.account_sid, "From": form["From"], "To": form["To"],
                   "Body": form["Body"], "Status": "queued", "DetailedStatusCode": 21010, "DetailedStatus": "QUEUED",
                   "Direction": "outbound-api", "DateCreated": _now(), "DateUpdated": _now(), "DateSent": None,
                   "Uri": f"/v1/Accounts/{self.account_sid}/SMS/Messages/{sid}", "Order": next(self._order),
                   "DltTemplateId": form.get("DltTemplateId"), "SmsType": form.get("SmsType"),
                   "EncodingType": form.get("EncodingType", "plain")}
        steps = LIFECYCLE if verdict.code is None else (("failed", verdict.code, verdict.detailed_status),)
        with self.lock:
            self.messages[sid] = message
            for status, code, detail in steps:
                if form.get("StatusCallback"):
                    self.pending.append((form["StatusCallback"], {
                        "SmsSid": sid, "To": form["To"], "Status": status, "DetailedStatus": detail,
                        "DetailedStatusCode": str(code), "DateSent": _now(), "CustomField": form.get("CustomField", "")}))
            final = steps[-1]
            message["_final"] = final
        self._kick()
        return {key: value for key, value in message.items() if not key.startswith("_") and key != "Order"}

    def flush(self) -> int:
        """Deliver every waiting webhook now (tests; the demo's thread does it by itself); how many."""
        done = 0
        while True:
            with self.lock:
                if not self.pending:
                    return done
                url, form = self.pending.pop(0)
                sid = form.get("SmsSid")
                message = self.messages.get(sid)
                if message is not None and "Status" in form:
                    message["Status"], message["DetailedStatus"] = form["Status"], form["DetailedStatus"]
                    message["DetailedStatusCode"], message["DateUpdated"] = int(form["DetailedStatusCode"]), _now()
            (self.deliver or _post)(url, form)
            done += 1

    def _kick(self) -> None:
        if self.deliver is None:  # the demo: deliver in the background, as Exotel does
            threading.Thread(target=self.flush, name="exotel-emulator-webhooks", daemon=True).start()

    # --- the citizen's phone -------------------------------------------------------------------------------

    def text_in(self, sender: str, body: str) -> str:
        """The citizen texts the ExoPhone: Exotel posts it to the inbound SMS webhook; its SmsSid."""
        sid = uuid.uuid4().hex
        with self.lock:
            self.messages[sid] = {"Sid": sid, "From": sender, "To": self.exophone, "Body": body, "Status": "received",
                                  "Direction": "inbound", "DateCreated": _now(), "Order": next(self._order)}
            if self.inbound_url:
                self.pending.append((self.inbound_url, {"SmsSid": sid, "From": sender, "To": self.exophone,
                                                        "Body": body, "Date": _now()}))
        self._kick()
        return sid

    def texts_of(self, number: str) -> list[dict]:
        """What the phone `number` sent and received (delivered texts only), oldest first."""
        with self.lock:
            found = [dict(m) for m in self.messages.values()
                     if (m["Direction"] == "inbound" and m["From"] == number)
                     or (m["Direction"] != "inbound" and m["To"] == number and m["Status"] == "delivered")]
        return [{k: v for k, v in m.items() if not k.startswith("_")} for m in sorted(found, key=lambda m: m["Order"])]


def _mobile(number: str) -> bool:
    try:
        parsed = phonenumbers.parse(number, "IN")
    except phonenumbers.NumberParseException:
        return False
    kind = phonenumbers.number_type(parsed)
    return phonenumbers.is_valid_number(parsed) and kind in (phonenumbers.PhoneNumberType.MOBILE,
                                                            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _post(url: str, form: dict) -> None:
    import requests

    try:
        requests.post(url, data=form, timeout=15)
    except requests.RequestException:
        pass  # Exotel retries twice and then gives up; the app's sweep asks for the status


def _error(status: int, message: str, code: int | str | None = None) -> Response:
    response = jsonify({"RestException": {"Status": status, "Message": message, "Code": code or status}})
    response.status_code = status
    return response


def create_exotel_emulator(config: dict) -> Flask:
    """The emulator's app; config: ACCOUNT_SID, API_KEY, API_TOKEN, SENDER_ID, SMS_NUMBER, DLT_ENTITY_ID, TEMPLATES,
    INBOUND_URL, DELIVER."""
    app = Flask("exotel_emulator")
    emulator = app.extensions["exotel_emulator"] = ExotelEmulator(config)

    def authorised() -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            given = base64.b64decode(header[6:]).decode()
        except (ValueError, UnicodeDecodeError):
            return False
        return hmac.compare_digest(given, f"{emulator.api_key}:{emulator.api_token}")

    @app.post("/v1/Accounts/<sid>/Sms/send")
    @app.post("/v1/Accounts/<sid>/Sms/send.json")
    def sms_send(sid: str):
        if not authorised() or sid != emulator.account_sid:
            return _error(401, "Authentication failed. Invalid API Key or Token.", "UNAUTHORIZED")
        form = request.form.to_dict()
        emulator.requests.append(dict(form))
        for field in ("From", "To", "Body"):
            if not form.get(field):
                return _error(400, f"Missing parameter: {field}")
        if not form.get("DltEntityId"):
            return _error(400, "DltEntityId is mandatory for SMS to India.")
        if form["From"] not in (emulator.sender_id, emulator.exophone):
            return _error(400, "No valid Sender ID for this account against the SMS body.", 23072)
        if len(form["Body"]) > BODY_LONGEST:
            return _error(400, f"Body is longer than {BODY_LONGEST} characters.")
        if form.get("EncodingType", "plain") not in ("plain", "unicode"):
            return _error(400, "EncodingType must be plain or unicode.")
        return jsonify({"SMSMessage": emulator.send(form)})

    @app.get("/v1/Accounts/<sid>/SMS/Messages/<sms_sid>")
    @app.get("/v1/Accounts/<sid>/SMS/Messages/<sms_sid>.json")
    def sms_details(sid: str, sms_sid: str):
        if not authorised() or sid != emulator.account_sid:
            return _error(401, "Authentication failed. Invalid API Key or Token.", "UNAUTHORIZED")
        message = emulator.messages.get(sms_sid)
        if message is None:
            return _error(404, "Resource not found")
        return jsonify({"SMSMessage": {k: v for k, v in message.items() if not k.startswith("_") and k != "Order"}})

    @app.post("/phone/text")
    def phone_text():
        data = request.get_json(silent=True) or request.form
        sender, body = str(data.get("from") or ""), str(data.get("body") or "")
        if not sender or not body.strip():
            return _error(400, "A number and a text, please.")
        return jsonify({"sid": emulator.text_in(sender, body[:BODY_LONGEST])})

    @app.get("/phone/texts")
    def phone_texts():
        return jsonify({"texts": emulator.texts_of(request.args.get("number", ""))})

    @app.get("/")
    def phone_page():
        return Response(_PAGE.replace("{exophone}", emulator.exophone), mimetype="text/html")

    @app.get("/phone.js")
    def phone_script():
        return Response(_SCRIPT, mimetype="text/javascript")

    return app


def exotel_of(app: Flask) -> ExotelEmulator:
    """The emulator behind its app."""
    return app.extensions["exotel_emulator"]


_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Exotel emulator: the citizen's phone</title>
<link rel="icon" type="image/svg+xml" href="/favicon.ico">
<h1>Citizen's phone (Exotel SMS, ExoPhone {exophone})</h1>
<p>Texts typed here go to the helpline's ExoPhone; its replies appear below once the DLT scrubber passes them.</p>
<form id="send"><label>My number <input name="from" value="+919810000001"></label>
<label>Text <input name="body" size="60"></label><button>Send</button></form>
<ol id="texts"></ol><script src="phone.js"></script></html>"""

# The page's script: sends what is typed, and reads the number's texts every two seconds (text only: no HTML).
_SCRIPT = """
const form = document.getElementById("send"), list = document.getElementById("texts");
const asked = new URLSearchParams(location.search).get("number");
if (asked) form.elements.from.value = asked;
async function refresh() {
  const number = form.elements.from.value;
  const answer = await fetch("phone/texts?number=" + encodeURIComponent(number));
  const texts = (await answer.json()).texts;
  list.replaceChildren(...texts.map((t) => {
    const item = document.createElement("li");
    item.textContent = (t.Direction === "inbound" ? "me: " : "helpline: ") + t.Body;
    return item;
  }));
}
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  await fetch("phone/text", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({from: form.elements.from.value, body: form.elements.body.value})});
  form.elements.body.value = "";
  refresh();
});
setInterval(refresh, 2000);
refresh();
"""
