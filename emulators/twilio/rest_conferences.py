"""REST handlers for Conferences and their Participants."""

from __future__ import annotations

from emulators.twilio.resources import conference_json, page, participant_json
from emulators.twilio.rest import RestCall, RestError, handles, not_found
from emulators.twilio.rest_calls import check_byoc, check_url, endpoint_ok, status_events
from emulators.twilio.state import Call, new_sid


def _conference(rc: RestCall, sid: str):
    found = rc.emulator.store.conferences.get(sid)
    if found is None or found.hidden:
        raise not_found(f"Conference {sid}")
    return found


@handles("ListConference")
def list_conferences(rc: RestCall):
    """Conferences, newest first, filtered by FriendlyName and Status."""
    with rc.emulator.store.lock:
        found = sorted((c for c in rc.emulator.store.conferences.values() if not c.hidden),
                       key=lambda c: c.created, reverse=True)
    if rc.query.get("FriendlyName"):
        found = [c for c in found if c.friendly_name == rc.query["FriendlyName"]]
    if rc.query.get("Status"):
        found = [c for c in found if c.status == rc.query["Status"]]
    items = [conference_json(rc.emulator.settings, c) for c in found]
    return 200, page("conferences", items, rc.path_text, rc.query)


@handles("FetchConference")
def fetch_conference(rc: RestCall):
    """One conference."""
    return 200, conference_json(rc.emulator.settings, _conference(rc, rc.path["Sid"]))


@handles("UpdateConference")
def update_conference(rc: RestCall):
    """Status=completed ends the conference and takes everyone out."""
    conf = _conference(rc, rc.path["Sid"])
    if rc.form.get("Status") == "completed":
        rc.emulator.conferences.end(conf, "conference-ended-via-api")
    return 200, conference_json(rc.emulator.settings, conf)


@handles("ListParticipant")
def list_participants(rc: RestCall):
    """The legs in a conference (pending ones too, with their status)."""
    conf = _conference(rc, rc.path["ConferenceSid"])
    with rc.emulator.store.lock:
        found = list(conf.participants.values())
    for field, attribute in (("Muted", "muted"), ("Hold", "hold")):
        if rc.query.get(field):
            found = [p for p in found if getattr(p, attribute) == (rc.query[field].lower() == "true")]
    items = [participant_json(rc.emulator.settings, conf, p) for p in found]
    return 200, page("participants", items, rc.path_text, rc.query)


@handles("CreateParticipant")
def create_participant(rc: RestCall):
    """Dial To and put the answered leg into the conference (by sid, or by name: created if needed)."""
    form, emulator = rc.form, rc.emulator
    key = rc.path["ConferenceSid"]
    if key.startswith("CF") and len(key) == 34:
        conf = _conference(rc, key)
        if conf.status == "completed":
            raise RestError(400, 20404, f"Conference {key} has ended")
    else:
        conf = emulator.conferences.room(key)
    to, from_ = form["To"], form["From"]
    if not endpoint_ok(to):
        raise RestError(400, 21211, f"Invalid 'To' Phone Number: {to}")
    check_byoc(form)
    check_url(form, "StatusCallback", 21609)
    check_url(form, "ConferenceStatusCallback", 21609)
    coaching = _coaching(rc, conf, None)
    if form.get("Label") and emulator.conferences.find(conf, form["Label"]):
        raise RestError(400, 16025, f"A participant labelled {form['Label']} is already in the conference")
    call = Call(new_sid("CA"), from_, to, "outbound-api", emulator.switchboard.device_of(to),
                timeout=int(form.get("Timeout") or 60), status_callback=form.get("StatusCallback"),
                status_callback_method=form.get("StatusCallbackMethod", "POST"),
                status_callback_events=status_events(form), join={"conference": conf.sid})
    options = {
        "label": form.get("Label"), "muted": rc.flag("Muted", False),
        "start_conference_on_enter": rc.flag("StartConferenceOnEnter", True),
        "end_conference_on_exit": rc.flag("EndConferenceOnExit", False),
        **coaching,
        "status_callback": form.get("ConferenceStatusCallback"),
        "status_callback_method": form.get("ConferenceStatusCallbackMethod", "POST"),
        "status_callback_events": status_events(form, "ConferenceStatusCallbackEvent")
        if form.get("ConferenceStatusCallbackEvent") else ("start", "end"),
    }
    participant = emulator.conferences.add(conf, call, options, status="queued")
    body = participant_json(emulator.settings, conf, participant)
    emulator.switchboard.start_outbound(call)
    return 201, body


def _coaching(rc: RestCall, conf, participant) -> dict:
    """Coaching and CallSidToCoach as Twilio's description reads them: CallSidToCoach alone implies
    coaching; coaching needs a leg to coach, and that leg must be in this conference."""
    target = rc.form.get("CallSidToCoach") or (participant.call_sid_to_coach if participant else None)
    coaching = rc.flag("Coaching", bool(rc.form.get("CallSidToCoach")) or bool(participant and participant.coaching))
    if not coaching:
        return {"coaching": False, "call_sid_to_coach": None}
    if not target:
        raise RestError(400, 21626, "CallSidToCoach is required when Coaching is true")
    coached = conf.participants.get(target)
    if coached is None or coached.status != "connected" or (participant and target == participant.call_sid):
        raise RestError(400, 21626, f"CallSidToCoach {target} is not another participant in conference {conf.sid}")
    return {"coaching": True, "call_sid_to_coach": target}


def _participant(rc: RestCall):
    conf = _conference(rc, rc.path["ConferenceSid"])
    participant = rc.emulator.conferences.find(conf, rc.path["CallSid"])
    if participant is None:
        raise not_found(f"Participant {rc.path['CallSid']} of conference {conf.sid}")
    return conf, participant


@handles("FetchParticipant")
def fetch_participant(rc: RestCall):
    """One participant, by call sid or label."""
    conf, participant = _participant(rc)
    return 200, participant_json(rc.emulator.settings, conf, participant)


@handles("UpdateParticipant")
def update_participant(rc: RestCall):
    """Hold, mute, coach (Coaching, CallSidToCoach), or change EndConferenceOnExit."""
    conf, participant = _participant(rc)
    changes = {}
    for field, key in (("Hold", "hold"), ("Muted", "muted"), ("EndConferenceOnExit", "end_conference_on_exit")):
        if rc.form.get(field) is not None:
            changes[key] = rc.flag(field)
    if rc.form.get("Coaching") is not None or rc.form.get("CallSidToCoach") is not None:
        changes |= _coaching(rc, conf, participant)
    rc.emulator.conferences.update(conf, participant, changes)
    return 200, participant_json(rc.emulator.settings, conf, participant)


@handles("DeleteParticipant")
def delete_participant(rc: RestCall):
    """Take a participant out of the conference (its TwiML continues after <Dial>, a REST leg hangs up)."""
    _, participant = _participant(rc)
    call = rc.emulator.store.calls[participant.call_sid]
    if participant.status == "connected":
        rc.emulator.conferences.leave(call, kicked=True)
    else:
        rc.emulator.switchboard.hang_up(call, "removed from the conference before answering")
    return 204, None
