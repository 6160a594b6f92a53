"""Conferences: rooms that calls join, leave and get taken out of, with Twilio's status callbacks.

A TwiML <Dial><Conference> leg joins connected; a REST Participants-create leg is listed as pending
(queued) until its phone answers. <Dial><Number>/<Client> bridges reuse this as a hidden two-party room.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulators.twilio.state import Call, Conference, Participant, new_sid, now, rfc2822

if TYPE_CHECKING:
    from emulators.twilio.app import Emulator

CONFERENCE_EVENTS = {"conference-start": "start", "conference-end": "end", "participant-join": "join",
                     "participant-leave": "leave", "participant-mute": "mute", "participant-unmute": "mute",
                     "participant-hold": "hold", "participant-unhold": "hold"}


class Conferences:
    """The conference rooms of the emulated account."""

    def __init__(self, emulator: Emulator) -> None:
        self.store = emulator.store
        self.settings = emulator.settings
        self.courier = emulator.courier

    def room(self, name: str, hidden: bool = False) -> Conference:
        """The live conference with this name, created (status init) when there is none."""
        with self.store.lock:
            found = self.store.live_conference(name)
            if found is None:
                found = Conference(new_sid("CF"), name, hidden=hidden)
                self.store.conferences[found.sid] = found
            return found

    def add(self, conf: Conference, call: Call, options: dict, status: str = "connected") -> Participant:
        """Add a leg to a conference: connected now (TwiML Dial) or pending until answered (REST)."""
        with self.store.lock:
            if not conf.status_callback and options.get("status_callback"):
                conf.status_callback = options["status_callback"]
                conf.status_callback_method = options.get("status_callback_method") or "POST"
                conf.status_callback_events = tuple(options.get("status_callback_events") or ("start", "end"))
            participant = Participant(
                call.sid, options.get("label"), bool(options.get("muted")), False,
                options.get("start_conference_on_enter", True), options.get("end_conference_on_exit", False),
                status, coaching=bool(options.get("coaching")), call_sid_to_coach=options.get("call_sid_to_coach"))
            conf.participants[call.sid] = participant
            call.conference_sid = conf.sid
            if status == "connected":
                self._connected(conf, call, participant)
            return participant

    def connect(self, call: Call) -> Conference | None:
        """A pending participant's leg answered: it is now in the conference."""
        with self.store.lock:
            conf = self.store.conferences.get(call.conference_sid or "")
            participant = conf.participants.get(call.sid) if conf else None
            if participant is None or conf.status == "completed":
                return None
            participant.status, participant.updated = "connected", now()
            self._connected(conf, call, participant)
            return conf

    def _connected(self, conf: Conference, call: Call, participant: Participant) -> None:
        if conf.status == "init" and participant.start_conference_on_enter:
            conf.status, conf.updated = "in-progress", now()
            self.event(conf, "conference-start")
            for sid, other in conf.participants.items():
                if sid != call.sid and other.status == "connected":
                    self.store.calls[sid].say("conference", "The conference has started")
        self.event(conf, "participant-join", call)
        others = [self.party_name(sid) for sid, p in conf.participants.items()
                  if sid != call.sid and p.status == "connected"]
        place = "a call" if conf.hidden else f"conference {conf.friendly_name}"
        call.say("conference", f"In {place} with {', '.join(others)}" if others else f"In {place}, alone")
        if conf.status == "init":
            call.say("conference", "Waiting for the conference to start (hold music)")
        for sid in self.audience(conf, call.sid):  # a muted listener or a coach is not noticed by the others
            self.store.calls[sid].say("conference", f"{call.party} joined")

    def party_name(self, call_sid: str) -> str:
        """How a leg is shown to the others: its label or the device's number / client name."""
        call = self.store.calls.get(call_sid)
        return call.party if call else call_sid

    def leave(self, call: Call, kicked: bool = False) -> None:
        """Take the call out of its conference; the conference may end because of it."""
        with self.store.lock:
            conf = self.store.conferences.get(call.conference_sid or "")
            call.conference_sid = None
            if conf is None or call.sid not in conf.participants:
                return
            participant = conf.participants[call.sid]
            was_connected = participant.status == "connected"
            if kicked:
                call.inbox.put(("kicked", conf.sid))
            if was_connected:
                self.event(conf, "participant-leave", call)
            audience = self.audience(conf, call.sid)
            del conf.participants[call.sid]
            participant.status = "complete"
            for sid in audience:
                if sid in conf.participants:
                    self.store.calls[sid].say("conference", f"{call.party} left")
            connected_left = any(p.status == "connected" for p in conf.participants.values())
            if participant.end_conference_on_exit and was_connected:
                self.end(conf, "participant-with-end-conference-on-exit-left", call.sid)
            elif (was_connected and not connected_left) or not conf.participants:
                # The last one in the room left: legs still ringing for it are hung up by end().
                self.end(conf, "last-participant-left", call.sid)

    def end(self, conf: Conference, reason: str, by_call: str | None = None) -> None:
        """End a conference: everyone still in it is taken out (pending legs are hung up)."""
        with self.store.lock:
            if conf.status == "completed":
                return
            conf.status, conf.updated = "completed", now()
            conf.reason_ended, conf.call_sid_ending = reason, by_call
            for sid, participant in list(conf.participants.items()):
                call = self.store.calls[sid]
                if participant.status == "connected":
                    self.leave(call, kicked=True)
                else:
                    conf.participants.pop(sid)
                    call.inbox.put(("hangup", "conference-ended"))
            self.event(conf, "conference-end")

    def event(self, conf: Conference, event: str, call: Call | None = None) -> None:
        """Post a conference status callback if the conference asked for this kind of event."""
        final = event == "conference-end"
        wanted = conf.status_callback and CONFERENCE_EVENTS[event] in conf.status_callback_events
        if not wanted:
            if final:
                self.courier.post(conf.sid, None, {}, final=True)
            return
        with self.store.lock:
            params = {"AccountSid": self.settings.account_sid, "ConferenceSid": conf.sid,
                      "FriendlyName": conf.friendly_name, "StatusCallbackEvent": event,
                      "SequenceNumber": conf.sequence, "Timestamp": rfc2822(now())}
            conf.sequence += 1
            participant = conf.participants.get(call.sid) if call else None
            if call:
                params["CallSid"] = call.sid
            if participant:
                params |= {"Muted": _bool(participant.muted), "Hold": _bool(participant.hold),
                           "Coaching": _bool(participant.coaching),
                           "EndConferenceOnExit": _bool(participant.end_conference_on_exit),
                           "StartConferenceOnEnter": _bool(participant.start_conference_on_enter)}
                if participant.label:
                    params["ParticipantLabel"] = participant.label
                if participant.call_sid_to_coach:
                    params["CallSidToCoach"] = participant.call_sid_to_coach
            if final:
                params |= {"ReasonConferenceEnded": conf.reason_ended, "CallSidEndingConference": conf.call_sid_ending}
        self.courier.post(conf.sid, conf.status_callback, params, conf.status_callback_method, final=final)

    def update(self, conf: Conference, participant: Participant, changes: dict) -> None:
        """Hold, mute or change EndConferenceOnExit of a participant, with the matching events."""
        with self.store.lock:
            call = self.store.calls[participant.call_sid]
            if "hold" in changes and changes["hold"] != participant.hold:
                participant.hold = changes["hold"]
                call.say("conference", "On hold (hold music)" if participant.hold else "Back from hold")
                self.event(conf, "participant-hold" if participant.hold else "participant-unhold", call)
            if "muted" in changes and changes["muted"] != participant.muted:
                participant.muted = changes["muted"]
                call.say("conference", "Muted" if participant.muted else "Unmuted")
                self.event(conf, "participant-mute" if participant.muted else "participant-unmute", call)
            if "end_conference_on_exit" in changes:
                participant.end_conference_on_exit = changes["end_conference_on_exit"]
            if "coaching" in changes or "call_sid_to_coach" in changes:
                participant.coaching = changes.get("coaching", participant.coaching)
                participant.call_sid_to_coach = changes.get("call_sid_to_coach", participant.call_sid_to_coach)
                if not participant.coaching:
                    participant.call_sid_to_coach = None
                call.say("conference", f"Coaching {self.party_name(participant.call_sid_to_coach)}"
                         if participant.coaching else "Speaking to the whole conference")
            participant.updated = now()

    def audience(self, conf: Conference, speaker_sid: str) -> list[str]:
        """The legs that hear `speaker_sid`: nobody if it is muted or held; only the coached leg if it coaches."""
        with self.store.lock:
            speaker = conf.participants.get(speaker_sid)
            if speaker is None or speaker.status != "connected" or speaker.muted or speaker.hold:
                return []
            return [sid for sid, p in conf.participants.items()
                    if sid != speaker_sid and p.status == "connected" and not p.hold
                    and (not speaker.coaching or sid == speaker.call_sid_to_coach)]

    def hears(self, conf: Conference, listener_sid: str) -> list[str]:
        """The names of the legs this leg hears right now."""
        with self.store.lock:
            return [self.party_name(sid) for sid in conf.participants
                    if sid != listener_sid and listener_sid in self.audience(conf, sid)]

    def talk(self, call: Call, text: str) -> list[str]:
        """The leg says something in its conference: written on the transcript of everyone who hears it."""
        with self.store.lock:
            conf = self.store.conferences.get(call.conference_sid or "")
            if conf is None:
                return []
            call.say("talk", f'Said "{text}"')
            heard = self.audience(conf, call.sid)
            for sid in heard:
                self.store.calls[sid].say("heard", f'{call.party}: "{text}"')
            return [self.party_name(sid) for sid in heard]

    def find(self, conf: Conference, key: str) -> Participant | None:
        """A participant by call sid or by label."""
        with self.store.lock:
            return conf.participants.get(key) or next(
                (p for p in conf.participants.values() if p.label == key), None)


def _bool(value: bool) -> str:
    return "true" if value else "false"
