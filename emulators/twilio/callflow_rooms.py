"""The verbs that put a call somewhere: <Enqueue> (with its waitUrl loop) and <Dial>.

A mixin of CallFlow: it uses the flow's `wait`, `stay`, `fetch`, `notify` and `execute`.
"""

from __future__ import annotations

import time

from emulators.twilio.interrupts import Hangup, LeaveQueue, Redirected
from emulators.twilio.state import Call, new_sid
from emulators.twilio.twiml import Document, TwimlError, Verb


class RoomVerbs:
    """Enqueue and Dial for CallFlow."""

    # ---- <Enqueue> ---------------------------------------------------------------------------
    def _enqueue(self, verb: Verb, doc: Document, in_queue: bool) -> Document | None:
        call, name = self.call, verb.text
        action, method = doc.resolve(verb.get("action")), verb.get("method", "POST")
        target = self.sb.enqueue(call, name)
        if target is None:
            call.say("queue", f"Queue {name} is full")
            return self.fetch(action, method, {"QueueResult": "queue-full"}, kind="action") if action else None
        joined = time.monotonic()

        def result(outcome: str) -> dict:
            return {"QueueResult": outcome, "QueueSid": target.sid, "QueueTime": int(time.monotonic() - joined)}

        try:
            self._hold_in_queue(name, doc.resolve(verb.get("waitUrl")), verb.get("waitUrlMethod", "POST"))
        except LeaveQueue:
            self.sb.leave_queue(call)
            call.say("queue", f"Left queue {name}")
            return self.fetch(action, method, result("leave"), kind="action") if action else None
        except Hangup:
            self.sb.leave_queue(call)  # first, so the app's Members list agrees when it hears of it
            if action:
                self.notify(action, method, result("hangup") | {"CallStatus": "completed"})
            raise
        except Redirected:
            self.sb.leave_queue(call)
            call.say("queue", f"Taken out of queue {name}")
            if action:
                self.notify(action, method, result("redirected"))
            raise
        except TwimlError:
            self.sb.leave_queue(call)
            if action:
                self.notify(action, method, result("error"))
            raise
        return None  # not reached: the loop only ends by an exception

    def _hold_in_queue(self, name: str, wait_url: str | None, wait_method: str) -> None:
        call, told = self.call, None
        gap = self.settings.wait_loop_seconds
        while True:
            params = self.sb.queue_params(call)
            if params is None:  # dequeued a moment ago: the redirect is in the inbox
                self.wait(self.settings.scaled(0.1))
                continue
            position = (params["QueuePosition"], params["CurrentQueueSize"])
            if position != told:
                call.say("queue", f"In queue {name}, position {position[0]} of {position[1]}")
                told = position
            started = time.monotonic()
            if wait_url:
                wait_doc = self.fetch(wait_url, wait_method, params, kind="wait")
                while wait_doc is not None:
                    wait_doc = self.execute(wait_doc, in_queue=True)
            else:
                call.say("play", "Hold music (Twilio's default classical playlist)")
                self.wait(self.settings.scaled(10))
            # Twilio asks the waitUrl again as soon as its TwiML ends. WAIT_LOOP_SECONDS adds a gap;
            # without it, a floor of one (scaled) second keeps an empty document from hammering the app.
            rest = self.settings.scaled(gap) if gap is not None else (
                self.settings.scaled(1.0) - (time.monotonic() - started))
            if rest > 0:
                self.wait(rest)

    # ---- <Dial> ------------------------------------------------------------------------------
    def _dial(self, verb: Verb, doc: Document, in_queue: bool) -> Document | None:
        action, method = doc.resolve(verb.get("action")), verb.get("method", "POST")
        nouns = verb.children or ([Verb("Number", {}, verb.text)] if verb.text else [])
        if not nouns:
            raise TwimlError(13201, "Dial: nothing to dial")
        started, child_sid = time.monotonic(), None
        try:
            if nouns[0].name == "Conference":
                outcome = self._dial_conference(nouns[0], doc)
            elif all(noun.name in ("Number", "Client") for noun in nouns):
                outcome, child_sid = self._dial_parties(nouns, verb, doc)
            else:
                raise TwimlError(12200, f"<Dial><{nouns[0].name}> is not emulated")
        except Hangup:
            if action:
                self.notify(action, method, {"DialCallStatus": "completed", "CallStatus": "completed",
                                             "DialCallDuration": int(time.monotonic() - started)})
            raise
        params = {"DialCallStatus": outcome, "DialCallDuration": int(time.monotonic() - started)}
        if child_sid:
            params["DialCallSid"] = child_sid
        return self.fetch(action, method, params, kind="action") if action else None

    def _dial_conference(self, noun: Verb, doc: Document) -> str:
        events = (noun.get("statusCallbackEvent") or "start end").replace(",", " ").split()
        options = {
            "start_conference_on_enter": noun.flag("startConferenceOnEnter", True),
            "end_conference_on_exit": noun.flag("endConferenceOnExit", False),
            "muted": noun.flag("muted", False),
            "label": noun.get("participantLabel"),
            "status_callback": doc.resolve(noun.get("statusCallback")),
            "status_callback_method": noun.get("statusCallbackMethod", "POST"),
            "status_callback_events": tuple(events),
        }
        conf = self.rooms.room(noun.text)
        self.rooms.add(conf, self.call, options)
        self.stay(conf.sid)
        return "completed"

    def _dial_parties(self, nouns: list[Verb], verb: Verb, doc: Document) -> tuple[str, str | None]:
        """Ring every Number/Client at once; the first to answer is bridged, the others are canceled."""
        call = self.call
        caller_id = verb.get("callerId") or call.from_
        timeout = int(verb.number("timeout", 30))
        children = []
        for noun in nouns:
            target = noun.text if noun.name == "Number" or noun.text.startswith("client:") else f"client:{noun.text}"
            child = Call(new_sid("CA"), caller_id, target, "outbound-dial", self.sb.device_of(target),
                         parent_call_sid=call.sid, timeout=timeout, join={"bridge": True})
            child.status_callback = doc.resolve(noun.get("statusCallback"))
            child.status_callback_events = tuple((noun.get("statusCallbackEvent") or "completed").split())
            children.append(child)
        call.say("status", "Dialling " + ", ".join(child.to for child in children))
        for child in children:
            self.sb.start_outbound(child)
        outcomes: dict[str, str] = {}
        sids, winner = {child.sid: child for child in children}, None
        try:
            while winner is None and len(outcomes) < len(children):
                event = self.wait(3600, accept={"child"})
                report = event[1] if event else {}
                if report.get("sid") not in sids:
                    continue
                if report["outcome"] == "answered":
                    winner = sids[report["sid"]]
                else:
                    outcomes[report["sid"]] = report["outcome"]
        finally:
            for child in children:
                if child is not winner and not child.ended:
                    self.sb.hang_up(child, "canceled by the Dial")
        if winner is None:
            return _worst(outcomes.values()), None
        self.dial_count += 1
        bridge = self.rooms.room(f"bridge-{call.sid}-{self.dial_count}", hidden=True)
        self.rooms.add(bridge, winner, {"end_conference_on_exit": True})
        winner.inbox.put(("bridged", bridge.sid))
        self.rooms.add(bridge, call, {"end_conference_on_exit": True})
        self.stay(bridge.sid)
        return "completed", winner.sid

    # ---- legs the app placed into a conference or a Dial -------------------------------------
    def _join_as_participant(self) -> None:
        """An answered leg of a REST participant (or a Dial child): into its room, until it is over."""
        if self.call.join.get("bridge"):
            self._tell_parent("answered")
            event = self.wait(self.settings.scaled(60), accept={"bridged"})
            room = event[1] if event else None
        else:
            conf = self.rooms.connect(self.call)
            room = conf.sid if conf else None
        if room:
            self.stay(room)


def _worst(outcomes) -> str:
    """The DialCallStatus when nobody answered."""
    outcomes = set(outcomes)
    for status in ("busy", "failed", "no-answer"):
        if status in outcomes:
            return status
    return "no-answer"
