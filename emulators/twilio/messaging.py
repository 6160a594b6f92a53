"""SMS and WhatsApp: the citizen's messages to the helpline, the app's replies and REST messages, opt-out keywords.

WhatsApp uses `whatsapp:+91...` addresses and keeps WhatsApp's 24-hour rule the way Twilio reports
it: a free-form message to a number that has not written within 24 hours is accepted ('queued') and
then fails with error 63016; an approved template (ContentSid) is delivered whenever.

Segments are counted the way carriers do: GSM-7 (160 characters, 153 per part when split) unless any
character is outside it, such as Devanagari, which makes the whole message UCS-2 (70, 67 per part).
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from emulators.twilio.state import API_VERSION, Message, new_sid, now, rfc2822
from emulators.twilio.twiml import TwimlError, parse

if TYPE_CHECKING:
    from emulators.twilio.app import Emulator

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")  # two septets each (escape + character)
OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
OPT_IN = {"START", "UNSTOP", "YES"}
HELP = {"HELP", "INFO"}
# Twilio's default replies on long codes (Advanced Opt-Out off), sent without asking the app.
AUTO_REPLY = {
    "STOP": "You have successfully been unsubscribed. You will not receive any more messages from this number. "
            "Reply START to resubscribe.",
    "START": "You have successfully been re-subscribed to messages from this number. Reply HELP for help. "
             "Reply STOP to unsubscribe. Msg&Data Rates May Apply.",
    "HELP": "Reply STOP to unsubscribe. Msg&Data Rates May Apply.",
}
LIFECYCLE = ("sending", "sent", "delivered")
WHATSAPP = "whatsapp:"
WINDOW = timedelta(hours=24)
OUTSIDE_WINDOW = (63016, ("Failed to send freeform message because you are outside the allowed window. "
                         "If you are using WhatsApp, please use a Message Template."))
PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")


class MessagingError(Exception):
    """Twilio refuses to send: `code` and `message` are Twilio's (e.g. 21610 for an opted-out number)."""

    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def landline(number: str) -> bool:
    """Whether `number` is a fixed line (Twilio's lookup of the number type; its REST API refuses SMS to it: 21614)."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(parsed) in (phonenumbers.PhoneNumberType.FIXED_LINE,
                                                 phonenumbers.PhoneNumberType.TOLL_FREE)


def encoding(body: str) -> str:
    """'GSM-7' when every character fits the GSM alphabet, else 'UCS-2'."""
    return "GSM-7" if all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in body) else "UCS-2"


def segments(body: str) -> int:
    """How many SMS parts `body` is sent as (at least 1)."""
    if encoding(body) == "GSM-7":
        units, single, part = sum(2 if ch in GSM_EXTENDED else 1 for ch in body), 160, 153
    else:
        units, single, part = len(body.encode("utf-16-le")) // 2, 70, 67  # UTF-16 code units
    return 1 if units <= single else math.ceil(units / part)


def keyword(body: str) -> str | None:
    """'STOP', 'START' or 'HELP' when the whole message is one of Twilio's keywords."""
    word = body.strip().upper()
    if word in OPT_OUT:
        return "STOP"
    if word in OPT_IN:
        return "START"
    return "HELP" if word in HELP else None


class Messaging:
    """The SMS side of the emulated account."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.store = emulator.store
        self.settings = emulator.settings
        self.courier = emulator.courier

    def receive(self, from_: str, body: str, to: str | None = None, channel: str = "sms",
                profile_name: str | None = None) -> Message:
        """A citizen texts the helpline (or writes on WhatsApp): record it, apply keywords, post the webhook."""
        whatsapp = channel == "whatsapp"
        if whatsapp:
            message = Message(new_sid("SM"), WHATSAPP + from_, self.settings.whatsapp_sender, body, "inbound",
                              "received", 1)
        else:
            message = Message(new_sid("SM"), from_, to or self.settings.phone_number, body, "inbound", "received",
                              segments(body))
        kind = None if whatsapp else keyword(body)  # Twilio's STOP/START handling is for SMS long codes
        with self.store.lock:
            self.store.citizens.setdefault(from_, None)
            if whatsapp:
                self.store.whatsapp_last_inbound[from_] = message.created
            self.store.messages[message.sid] = message
            if kind == "STOP":
                self.store.opted_out.add(from_)
            elif kind == "START":
                self.store.opted_out.discard(from_)
        threading.Thread(target=self._deliver_inbound, args=(message, kind, profile_name), daemon=True,
                         name=f"sms-{message.sid[-6:]}").start()
        return message

    def age_whatsapp(self, number: str, hours: float) -> None:
        """Move `number`'s last WhatsApp message back by `hours` (tests and the demo reach past the 24-hour window)."""
        with self.store.lock:
            if number in self.store.whatsapp_last_inbound:
                self.store.whatsapp_last_inbound[number] -= timedelta(hours=hours)

    def _deliver_inbound(self, message: Message, kind: str | None, profile_name: str | None = None) -> None:
        if kind:
            self._record_reply(message.from_, AUTO_REPLY[kind])
        params = {"MessageSid": message.sid, "SmsSid": message.sid, "SmsMessageSid": message.sid,
                  "AccountSid": self.settings.account_sid, "From": message.from_, "To": message.to,
                  "Body": message.body, "NumMedia": "0", "NumSegments": message.num_segments,
                  "SmsStatus": "received", "ApiVersion": API_VERSION}
        if kind:
            params["OptOutType"] = kind
        if message.channel == "whatsapp":  # what Twilio adds for WhatsApp senders
            params |= {"ProfileName": profile_name or "Citizen", "WaId": message.from_[len(WHATSAPP) + 1:],
                       "MessageType": "text"}
        url = self.settings.app_url(self.settings.sms_url)
        reply = self.emulator.sender.send(url, params, "POST", kind="sms")
        if not reply.ok:
            self._note(message, f"the app answered {reply.status or reply.error} to the SMS webhook")
            return
        if not reply.body.strip():
            return  # an empty 200 means "no reply", which Twilio accepts
        try:
            document = parse(reply.body, url, reply.content_type, messaging=True)
        except TwimlError as error:
            self._note(message, f"error {error.code}: {error.message}")
            return
        for verb in document.verbs:
            if verb.name in ("Message", "Sms"):
                body = verb.text or next((c.text for c in verb.children if c.name == "Body"), "")
                self.send_from_twiml(verb.get("to", message.from_), verb.get("from", message.to), body,
                                     document.resolve(verb.get("statusCallback") or verb.get("action")),
                                     direction="outbound-reply")

    def _note(self, message: Message, text: str) -> None:
        with self.store.lock:
            message.error_message = text

    def _record_reply(self, to: str, body: str) -> None:
        reply = Message(new_sid("SM"), self.settings.phone_number, to, body, "outbound-reply", "delivered",
                        segments(body), date_sent=now())
        with self.store.lock:
            self.store.messages[reply.sid] = reply

    def send(self, to: str, from_: str | None, body: str, status_callback: str | None = None,
             direction: str = "outbound-api", service_sid: str | None = None, content_sid: str | None = None,
             content_variables: str | None = None) -> Message:
        """Queue an outbound SMS (REST or TwiML); raises MessagingError the way Twilio refuses."""
        if to.startswith(WHATSAPP):
            return self._send_whatsapp(to, from_, body, status_callback, content_sid, content_variables)
        if not (to.startswith("+") and to[1:].isdigit() and 8 <= len(to) <= 16):
            raise MessagingError(21211, f"The 'To' number {to} is not a valid phone number.")
        if landline(to):
            raise MessagingError(21614, f"'To' number {to} is not a valid mobile number: a landline cannot receive SMS.")
        if from_ and from_ != self.settings.phone_number:
            raise MessagingError(21606, f"The 'From' phone number {from_} is not a valid, SMS-capable "
                                        "inbound phone number or short code for your account.")
        with self.store.lock:
            if to in self.store.opted_out:
                raise MessagingError(21610, "Attempt to send to unsubscribed recipient")
            message = Message(new_sid("SM"), from_ or self.settings.phone_number, to, body, direction, "queued",
                              segments(body), status_callback=status_callback, messaging_service_sid=service_sid)
            self.store.messages[message.sid] = message
        threading.Thread(target=self._lifecycle, args=(message,), daemon=True,
                         name=f"sms-{message.sid[-6:]}").start()
        return message

    def _send_whatsapp(self, to: str, from_: str | None, body: str, status_callback: str | None,
                       content_sid: str | None, content_variables: str | None) -> Message:
        number = to[len(WHATSAPP):]
        if not (number.startswith("+") and number[1:].isdigit() and 8 <= len(number) <= 16):
            raise MessagingError(21211, f"The 'To' number {to} is not a valid phone number.")
        if from_ != self.settings.whatsapp_sender:
            raise MessagingError(63007, f"Twilio could not find a Channel with the specified From address: {from_}")
        fail_with = None
        if content_sid:
            body = self._render(content_sid, content_variables)
        else:
            with self.store.lock:
                last = self.store.whatsapp_last_inbound.get(number)
            if last is None or now() - last >= WINDOW:
                fail_with = OUTSIDE_WINDOW
        message = Message(new_sid("SM" if not content_sid else "MM"), from_, to, body, "outbound-api", "queued", 1,
                          status_callback=status_callback, content_sid=content_sid, fail_with=fail_with)
        with self.store.lock:
            self.store.messages[message.sid] = message
        threading.Thread(target=self._lifecycle, args=(message,), daemon=True,
                         name=f"wa-{message.sid[-6:]}").start()
        return message

    def _render(self, content_sid: str, content_variables: str | None) -> str:
        try:
            values = json.loads(content_variables or "{}")
        except ValueError:
            raise MessagingError(21656, "The ContentVariables Parameter is invalid.") from None
        if not isinstance(values, dict):
            raise MessagingError(21656, "The ContentVariables Parameter is invalid.")
        body = (self.settings.content_templates or {}).get(content_sid)
        if body is None:
            return f"[template {content_sid}] " + " · ".join(str(v) for _k, v in sorted(values.items()))
        return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), body)

    def send_from_twiml(self, to: str, from_: str, body: str, status_callback: str | None,
                        direction: str = "outbound-call") -> str | None:
        """Send a <Message>/<Sms> from TwiML; a refusal is recorded as a failed message and returned."""
        try:
            self.send(to, from_, body, status_callback, direction)
            return None
        except MessagingError as error:
            failed = Message(new_sid("SM"), from_, to, body, direction, "failed", segments(body),
                             error_code=error.code, error_message=error.message)
            with self.store.lock:
                self.store.messages[failed.sid] = failed
            return f"{error.code} {error.message}"

    def _lifecycle(self, message: Message) -> None:
        """queued -> sending -> sent -> delivered, each after a short (scaled) delay, with callbacks."""
        if message.fail_with:
            self._fail(message)
            return
        for status in LIFECYCLE:
            time.sleep(self.settings.scaled(0.2))
            with self.store.lock:
                if message.sid not in self.store.messages:
                    return  # reset meanwhile
                message.status, message.updated = status, now()
                if status == "sent":
                    message.date_sent = now()
            url = message.status_callback or self.settings.app_url(self.settings.sms_status_url)
            params = {"MessageSid": message.sid, "SmsSid": message.sid, "MessageStatus": status,
                      "SmsStatus": status, "To": message.to, "From": message.from_,
                      "AccountSid": self.settings.account_sid, "ApiVersion": API_VERSION}
            self.courier.post(message.sid, url, params, final=status == LIFECYCLE[-1])

    def _fail(self, message: Message) -> None:
        """A WhatsApp message WhatsApp refuses: accepted, then failed with the error, as Twilio reports it."""
        time.sleep(self.settings.scaled(0.2))
        code, text = message.fail_with
        with self.store.lock:
            if message.sid not in self.store.messages:
                return
            message.status, message.updated, message.error_code, message.error_message = "failed", now(), code, text
        url = message.status_callback or self.settings.app_url(self.settings.sms_status_url)
        params = {"MessageSid": message.sid, "SmsSid": message.sid, "MessageStatus": "failed", "SmsStatus": "failed",
                  "To": message.to, "From": message.from_, "ErrorCode": str(code), "AccountSid": self.settings.account_sid,
                  "ApiVersion": API_VERSION}
        self.courier.post(message.sid, url, params, final=True)

    def thread(self, number: str) -> list[dict]:
        """Every message to or from `number` (SMS and WhatsApp), oldest first, for the phone page."""
        mine = {number, WHATSAPP + number}
        with self.store.lock:
            found = [m for m in self.store.messages.values() if mine & {m.from_, m.to}]
        found.sort(key=lambda m: m.created)
        return [{"sid": m.sid, "from": m.from_, "to": m.to, "body": m.body, "direction": m.direction,
                 "status": m.status, "segments": m.num_segments, "encoding": encoding(m.body),
                 "error_code": m.error_code, "error": m.error_message, "date": rfc2822(m.created),
                 "channel": m.channel, "template": bool(m.content_sid), "mine": m.from_ in mine} for m in found]

    def whatsapp_window(self, number: str) -> dict:
        """Whether `number` wrote on WhatsApp within 24 hours (free-form replies allowed) and until when."""
        with self.store.lock:
            last = self.store.whatsapp_last_inbound.get(number)
        closes = last + WINDOW if last else None
        return {"open": bool(closes and now() < closes), "last_inbound": rfc2822(last), "closes": rfc2822(closes)}
