"""Calls, queues and conferences: the operations the TwiML interpreter and the REST API share.

Every change of shared state happens here under the store's lock. Calls are told what happened to
them through their inbox (hang up, redirect, kicked out of a conference); their own worker thread
(callflow.py) reacts. Status callbacks go to the courier and never block the caller of these methods.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from emulators.twilio.state import API_VERSION, Call, Member, Queue, new_sid, now, rfc2822

if TYPE_CHECKING:
    from emulators.twilio.app import Emulator

FINAL = ("completed", "busy", "no-answer", "failed", "canceled")
PROGRESS_STATUS = {"initiated": "initiated", "ringing": "ringing", "answered": "in-progress"}


class Switchboard:
    """The voice side of the emulated Twilio account."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.store = emulator.store
        self.settings = emulator.settings
        self.courier = emulator.courier

    # ---- calls -------------------------------------------------------------------------------
    def device_of(self, number: str) -> str:
        """Which emulated device answers `number`: a browser client, a citizen's phone or a desk phone."""
        if number.startswith("client:"):
            return "client"
        return "citizen" if self.store.is_citizen(number) else "desk"

    def start_inbound(self, from_: str, to: str | None = None, chaos: dict | None = None) -> Call:
        """A citizen dials the helpline: the call rings and its worker asks the app what to do."""
        from emulators.twilio.callflow import CallFlow

        call = Call(new_sid("CA"), from_, to or self.settings.phone_number, "inbound", "citizen",
                    status="ringing", chaos=chaos)
        with self.store.lock:
            self.store.citizens.setdefault(from_, None)
            self.store.calls[call.sid] = call
        call.say("status", f"Calling {call.to}")
        self._spawn(CallFlow(self.emulator, call).run_inbound, call)
        return call

    def start_outbound(self, call: Call) -> Call:
        """Place a call the app asked for (REST, a Dial noun, or a conference participant)."""
        from emulators.twilio.callflow import CallFlow

        with self.store.lock:
            self.store.calls[call.sid] = call
        self._spawn(CallFlow(self.emulator, call).run_outbound, call)
        return call

    def _spawn(self, target, call: Call) -> None:
        threading.Thread(target=target, name=f"call-{call.sid[-6:]}", daemon=True).start()

    def call_params(self, call: Call) -> dict:
        """The parameters Twilio sends with every voice request about this call."""
        params = {"CallSid": call.sid, "AccountSid": self.settings.account_sid, "From": call.from_, "To": call.to,
                  "Caller": call.from_, "Called": call.to, "CallStatus": call.status,
                  "Direction": call.direction, "ApiVersion": API_VERSION}
        if call.parent_call_sid:
            params["ParentCallSid"] = call.parent_call_sid
        return params

    def progress(self, call: Call, event: str) -> None:
        """Move a call forward (initiated, ringing, answered) and tell the app if it asked to know."""
        with self.store.lock:
            if event == "answered":
                call.answered_at = now()
            call.status = "queued" if event == "initiated" else PROGRESS_STATUS[event]
            call.updated = now()
        if event == "answered" and call.direction != "inbound":
            call.say("status", "Answered")
        self._status_callback(call, event, PROGRESS_STATUS[event], final=False)

    def finish(self, call: Call, status: str) -> None:
        """End a call: leave any queue or conference, set the final status, send the last callback."""
        with self.store.lock:
            if call.ended:
                return
            self.leave_queue(call)
            self.emulator.conferences.leave(call)
            call.status = status
            call.ended_at = call.updated = now()
        label = {"completed": "Call ended", "busy": "Busy", "no-answer": "No answer",
                 "failed": "Call failed", "canceled": "Call canceled"}[status]
        call.say("status", f"{label} ({call.duration()} s)" if call.answered_at else label)
        self._status_callback(call, "completed", status, final=True)

    def _status_callback(self, call: Call, event: str, status: str, final: bool) -> None:
        if call.detached:
            return
        if call.direction == "inbound":
            url = self.settings.app_url(self.settings.voice_status_url) if event == "completed" else None
            method = "POST"
        else:
            url = call.status_callback if event in call.status_callback_events else None
            method = call.status_callback_method
        params = {}
        if url:
            with self.store.lock:
                params = self.call_params(call) | {
                    "CallStatus": status, "SequenceNumber": call.sequence, "Timestamp": rfc2822(now()),
                    "CallbackSource": "call-progress-events"}
                call.sequence += 1
            if event == "completed":
                params |= {"CallDuration": call.duration(), "Duration": (call.duration() + 59) // 60}
        self.courier.post(call.sid, url, params, method, final=final, chaos=call.chaos)

    def hang_up(self, call: Call, reason: str = "caller") -> None:
        """Ask a live call to end (the citizen hung up, or the app did through the REST API)."""
        call.inbox.put(("hangup", reason))

    def redirect(self, call: Call, url: str | None, method: str = "POST", twiml: str | None = None,
                 dequeued: bool = False) -> None:
        """Make a live call leave what it is doing and run new TwiML."""
        call.inbox.put(("redirect", {"url": url, "method": method or "POST", "twiml": twiml, "dequeued": dequeued}))

    # ---- queues ------------------------------------------------------------------------------
    def queue(self, name: str, max_size: int = 1000) -> Queue:
        """The queue with this name, created on first use."""
        with self.store.lock:
            found = self.store.queue_named(name)
            if found is None:
                found = Queue(new_sid("QU"), name, max_size)
                self.store.queues[found.sid] = found
            return found

    def enqueue(self, call: Call, name: str) -> Queue | None:
        """Put the call at the back of the named queue; None when the queue is full."""
        with self.store.lock:
            target = self.queue(name)
            if len(target.members) >= target.max_size:
                return None
            target.members.append(Member(call.sid))
            target.updated = now()
            call.queue_sid = target.sid
        return target

    def leave_queue(self, call: Call) -> Member | None:
        """Take the call out of its queue (if it is in one)."""
        with self.store.lock:
            target = self.store.queues.get(call.queue_sid or "")
            call.queue_sid = None
            if target is None:
                return None
            for member in list(target.members):
                if member.call_sid == call.sid:
                    target.members.remove(member)
                    target.updated = now()
                    return member
        return None

    def dequeue(self, target: Queue, call_sid: str, url: str, method: str = "POST") -> Member | None:
        """REST Members update: take that caller (or the front one) out and send it to `url`."""
        with self.store.lock:
            if call_sid == "Front":
                member = target.members[0] if target.members else None
            else:
                member = next((m for m in target.members if m.call_sid == call_sid), None)
            if member is None:
                return None
            call = self.store.calls[member.call_sid]
            self.leave_queue(call)
        self.redirect(call, url, method, dequeued=True)
        return member

    def queue_params(self, call: Call) -> dict | None:
        """QueuePosition and friends for a waitUrl request; None if the call is no longer queued."""
        with self.store.lock:
            target = self.store.queues.get(call.queue_sid or "")
            position = target.position(call.sid) if target else None
            if position is None:
                return None
            member = target.members[position - 1]
            return {"QueueSid": target.sid, "QueuePosition": position, "QueueTime": member.wait_time(),
                    "AvgQueueTime": target.average_wait(), "CurrentQueueSize": len(target.members),
                    "MaxQueueSize": target.max_size}

    def where(self, call: Call) -> str:
        """Where the call is, in words: queue and position, conference and who else is there."""
        with self.store.lock:
            if call.direction != "inbound" and call.status in ("queued", "ringing"):
                return f"Incoming call from {call.from_}"
            target = self.store.queues.get(call.queue_sid or "")
            if target and target.position(call.sid):
                return f"In queue {target.friendly_name}, position {target.position(call.sid)}"
            conf = self.store.conferences.get(call.conference_sid or "")
            if conf:
                others = [self.emulator.conferences.party_name(s) for s, p in conf.participants.items()
                          if s != call.sid and p.status == "connected"]
                place = "a call" if conf.hidden else f"conference {conf.friendly_name}"
                return f"In {place} with {', '.join(others)}" if others else f"In {place}, alone"
            return {"ringing": "Ringing", "in-progress": "Talking to the helpline", "queued": "Dialling"}.get(
                call.status, call.status.replace("-", " ").capitalize())
