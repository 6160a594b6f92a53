"""The TwiML interpreter: one worker thread per call asks the app for TwiML and does what it says.

The worker blocks only in `wait()`, where it reads the call's inbox; a hang-up, a REST redirect or
being taken out of a conference arrive there and unwind the verb being run as an exception, the way
Twilio abandons the current document. Queue and Dial verbs are in `callflow_rooms.py`.
"""

from __future__ import annotations

import logging
import queue
import time
from typing import TYPE_CHECKING

from emulators.twilio.callflow_rooms import RoomVerbs
from emulators.twilio.interrupts import Hangup, Kicked, LeaveQueue, Redirected, Rejected
from emulators.twilio.state import Call
from emulators.twilio.twiml import (
    WAIT_VERBS,
    Document,
    TwimlError,
    Verb,
    check_voice,
    parse,
    speech_warning,
    text_warning,
)

if TYPE_CHECKING:
    from emulators.twilio.app import Emulator

log = logging.getLogger(__name__)
FOREVER = 3600.0
MAX_LOOPS = 1000  # loop="0" means forever in Twilio; a caller who never hangs up gets this many
SORRY = "We are sorry, an application error has occurred. Goodbye."


class CallFlow(RoomVerbs):
    """Runs one call from its first webhook to its last status callback."""

    def __init__(self, emulator: Emulator, call: Call) -> None:
        self.emulator = emulator
        self.call = call
        self.settings = emulator.settings
        self.sb = emulator.switchboard
        self.rooms = emulator.conferences
        self.sender = emulator.sender
        self.room: str | None = None  # the conference this worker is staying in
        self.dial_count = 0

    # ---- entry points --------------------------------------------------------------------------
    def run_inbound(self) -> None:
        """A citizen's call: POST the voice URL, then follow the TwiML."""
        url = self.settings.app_url(self.settings.voice_url)
        self._run(lambda: self.fetch(url, "POST", kind="voice"))

    def run_outbound(self) -> None:
        """A call the app placed: ring the device, then run its TwiML or join its conference."""
        call = self.call
        self.sb.progress(call, "initiated")
        self.sb.progress(call, "ringing")
        call.say("status", f"Ringing {call.party}" + (" (auto-answer)" if self._auto_answer() else ""))
        try:
            outcome = self._ring()
        except Hangup:
            outcome = "canceled"
        if outcome != "answered":
            self.sb.finish(call, outcome)
            self._tell_parent(outcome)
            return
        self.sb.progress(call, "answered")
        if call.join is not None:
            self._run(self._join_as_participant)
        elif call.twiml:
            self._run(lambda: parse(call.twiml, self.settings.app_url("/")))
        else:
            self._run(lambda: self.fetch(call.url, call.method, kind="voice"))

    def _run(self, first) -> None:
        status = "completed"
        try:
            step = first
            while step is not None:
                try:
                    doc = step()
                except Redirected as moved:
                    doc = self._follow(moved.target)
                step = (lambda current=doc: self.execute(current)) if doc is not None else None
        except Hangup as ended:
            status = "completed" if self.call.answered_at else "canceled"
            self.call.say("status", str(ended))
        except Rejected as rejected:
            status = str(rejected)
        except TwimlError as error:
            self._application_error(error)
        except Exception as exc:  # a dead worker would leave the call "in-progress" forever: end it visibly
            log.exception("emulator call %s crashed", self.call.sid)
            self.call.say("error", f"Emulator fault: {type(exc).__name__}: {exc}")
            status = "failed"
        finally:
            self.sb.finish(self.call, status)

    def _auto_answer(self) -> bool:
        return self.call.device != "citizen" and self.settings.agent_auto_answer

    def _ring(self) -> str:
        if self._auto_answer():
            event = self.wait(self.settings.scaled(0.3), accept={"answer", "decline"})
        else:
            event = self.wait(self.settings.scaled(self.call.timeout), accept={"answer", "decline"})
            if event is None:
                return "no-answer"
        return "busy" if event and event[0] == "decline" else "answered"

    def _tell_parent(self, outcome: str) -> None:
        parent = self.emulator.store.calls.get(self.call.parent_call_sid or "")
        if parent is not None and self.call.direction == "outbound-dial":
            parent.inbox.put(("child", {"sid": self.call.sid, "outcome": outcome}))

    def _follow(self, target: dict) -> Document:
        self.sb.leave_queue(self.call)
        self.rooms.leave(self.call)
        if target.get("twiml"):
            return parse(target["twiml"], self.settings.app_url("/"))
        return self.fetch(target["url"], target.get("method", "POST"), kind="redirect")

    def _application_error(self, error: TwimlError) -> None:
        self.call.error = error.message
        self.call.say("error", f"Application error {error.code}: {error.message}")
        if not self.call.answered_at:
            self.sb.progress(self.call, "answered")  # Twilio answers to play the apology
        self.call.say("say", SORRY, "en-US", "alice")

    # ---- waiting -----------------------------------------------------------------------------
    def wait(self, seconds: float, accept: set[str] = frozenset()) -> tuple | None:
        """Block up to `seconds` for an event of a kind in `accept`; interrupts raise, others are dropped."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            try:
                kind, payload = self.call.inbox.get(timeout=left) if left > 0 else self.call.inbox.get_nowait()
            except queue.Empty:
                return None
            if kind == "hangup":
                raise Hangup({"caller": "You hung up"}.get(payload, f"Hung up ({payload})"))
            if kind == "redirect":
                raise Redirected(payload)
            if kind == "kicked":
                if payload == self.room:
                    raise Kicked()
                continue
            if kind in accept:
                return kind, payload

    def stay(self, conference_sid: str) -> None:
        """Stay in a conference until taken out of it (hang-ups and redirects raise as usual)."""
        self.room = conference_sid
        try:
            while True:
                self.wait(FOREVER)
        except Kicked:
            pass
        finally:
            self.room = None

    # ---- documents ---------------------------------------------------------------------------
    def fetch(self, url: str, method: str = "POST", extra: dict | None = None, kind: str = "twiml") -> Document:
        """Request TwiML from the app and parse it; any failure is a TwimlError like Twilio's."""
        if self.call.detached:
            raise Hangup("The emulator was reset")
        reply = self.sender.send(url, self.sb.call_params(self.call) | (extra or {}), method, kind=kind)
        self.call.say("webhook", f"{method.upper()} {url} → {reply.status or reply.error}")
        if reply.error:
            raise TwimlError(11200, f"HTTP retrieval failure: could not reach {url} ({reply.error})")
        if reply.status == 403:
            raise TwimlError(11200, f"HTTP retrieval failure: {url} answered 403 Forbidden "
                                    "(did the app refuse the request signature?)")
        if not reply.ok:
            raise TwimlError(11200, f"HTTP retrieval failure: {url} answered {reply.status}")
        return parse(reply.body, url, reply.content_type)

    def notify(self, url: str, method: str, extra: dict, kind: str = "action") -> None:
        """Request a URL whose answer Twilio ignores (an Enqueue action after a hang-up, say)."""
        if self.call.detached:
            return
        reply = self.sender.send(url, self.sb.call_params(self.call) | extra, method, kind=kind)
        self.call.say("webhook", f"{method.upper()} {url} → {reply.status or reply.error}")

    def execute(self, doc: Document, in_queue: bool = False) -> Document | None:
        """Run the verbs of a document; return the next document to run, or None when it ends."""
        for verb in doc.verbs:
            self.wait(0)  # a hang-up or redirect that arrived during the last request wins
            if in_queue and verb.name not in WAIT_VERBS:
                raise TwimlError(12200, f"<{verb.name}> is not allowed in waitUrl TwiML")
            if self.call.status == "ringing" and verb.name != "Reject":
                self.sb.progress(self.call, "answered")
            following = getattr(self, "_" + verb.name.lower())(verb, doc, in_queue)
            if following is not None:
                return following
        return None

    # ---- simple verbs ------------------------------------------------------------------------
    def speak(self, verb: Verb, accept: set[str] = frozenset()) -> tuple | None:
        """Say, Play or Pause; return a key press (barge-in) when `accept` allows one."""
        loops = int(verb.number("loop", 1)) or MAX_LOOPS
        if verb.name == "Pause":
            length = verb.number("length", 1)
            self.call.say("pause", f"Silence, {length:g} s")
            return self.wait(self.settings.scaled(length), accept)
        if verb.name == "Play":
            what = f"tones {verb.get('digits')}" if verb.get("digits") else verb.text or "(no URL)"
            seconds = self.settings.play_seconds
        else:
            language, voice = check_voice(verb)
            seconds = len(verb.text) / self.settings.say_chars_per_second
            warning = text_warning(verb.text, language)
            if warning:
                self.call.say("warning", warning)
        for _ in range(min(loops, MAX_LOOPS)):
            if verb.name == "Play":
                self.call.say("play", f"Playing {what}")
            else:
                self.call.say("say", verb.text, language, voice)
            event = self.wait(self.settings.scaled(seconds), accept)
            if event:
                return event
        return None

    def _say(self, verb: Verb, doc: Document, in_queue: bool) -> None:
        self.speak(verb)

    _play = _pause = _say

    def _gather(self, verb: Verb, doc: Document, in_queue: bool) -> Document | None:
        inputs = (verb.get("input") or "dtmf").split()
        if warning := speech_warning(verb):
            self.call.say("warning", warning)
            inputs = [i for i in inputs if i != "speech"] or ["dtmf"]
        accept = ({"digit"} if "dtmf" in inputs else set()) | ({"speech"} if "speech" in inputs else set())
        num_digits = int(verb.number("numDigits", 0))
        finish_key = verb.attrs.get("finishOnKey", "#")
        self.call.say("gather", "Listening for " + " or ".join("keys" if i == "dtmf" else "speech" for i in inputs))
        digits, speech, finished = "", None, False
        event = None
        for child in verb.children:
            event = self.speak(child, accept)
            if event:
                break
        while True:
            if event and event[0] == "speech":
                speech = event[1]
                break
            if event:
                if finish_key and event[1] in finish_key:
                    finished = True
                    break
                digits += event[1]
                if num_digits and len(digits) >= num_digits:
                    break
            event = self.wait(self.settings.scaled(verb.number("timeout", 5)), accept)
            if event is None:
                break
        action = doc.resolve(verb.get("action")) or doc.url
        method = verb.get("method", "POST")
        extra = (self.sb.queue_params(self.call) or {}) if in_queue else {}
        if speech is not None:
            extra |= {"SpeechResult": speech, "Confidence": "0.92"}
        elif digits or verb.flag("actionOnEmptyResult", False):
            extra |= {"Digits": digits} | ({"FinishedOnKey": finish_key[:1]} if finished else {})
        else:
            self.call.say("gather", "No input; moving on")
            return None
        return self.fetch(action, method, extra, kind="gather")

    def _redirect(self, verb: Verb, doc: Document, in_queue: bool) -> Document:
        return self.fetch(doc.resolve(verb.text), verb.get("method", "POST"), kind="redirect")

    def _hangup(self, verb: Verb, doc: Document, in_queue: bool) -> None:
        raise Hangup("The helpline hung up")

    def _reject(self, verb: Verb, doc: Document, in_queue: bool) -> None:
        reason = verb.get("reason", "rejected")
        self.call.say("status", f"Rejected ({reason})")
        raise Rejected("busy" if reason == "busy" else "no-answer")

    def _leave(self, verb: Verb, doc: Document, in_queue: bool) -> None:
        if in_queue:
            raise LeaveQueue()
        self.call.say("warning", "<Leave> outside a queue does nothing")

    def _sms(self, verb: Verb, doc: Document, in_queue: bool) -> None:
        caller = self.call.from_ if self.call.direction == "inbound" else self.call.to
        to, sender = verb.get("to", caller), verb.get("from", self.settings.phone_number)
        error = self.emulator.messaging.send_from_twiml(to, sender, verb.text, doc.resolve(verb.get("statusCallback")))
        self.call.say("sms", f"SMS to {to}: {verb.text}" + (f" (refused: {error})" if error else ""))
