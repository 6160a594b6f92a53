"""The JSON API at /emulator-api: what the phone page and the test driver use to play the phones.

Not part of Twilio: it is how a person (or a test) acts as the citizen and watches the staff legs.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, jsonify, request

from emulators.twilio.state import Call

bp = Blueprint("emulator_api", __name__, url_prefix="/emulator-api")
KEYS = re.compile(r"^[0-9*#]+$")
NUMBER = re.compile(r"^\+[1-9]\d{6,14}$")


TYPED_APART = re.compile(r"[\s\-().]")  # how people write a number: 98100 00071, (+91) 98100-00071
UNREADABLE_NUMBER = ("Type a mobile number: 10 digits (98100 00071), with or without +91 or a 0 in front. "
                     "· मोबाइल नंबर लिखें: 10 अंक, आगे +91 या 0 हो या न हो।")


def _emulator():
    return current_app.extensions["twilio_emulator"]


def phone_number(typed: str) -> str | None:
    """The E.164 number a person meant: +91 added to an Indian mobile typed without it; None if it is not one."""
    compact = TYPED_APART.sub("", typed or "")
    if NUMBER.match(compact):
        return compact
    indian = re.fullmatch(r"(?:0|91|0091)?([6-9]\d{9})", compact)
    return f"+91{indian.group(1)}" if indian else None


def _body() -> dict:
    return request.get_json(silent=True) or request.form.to_dict()


def _call(sid: str) -> Call:
    call = _emulator().store.calls.get(sid)
    if call is None:
        abort(404, description=f"no call {sid}")
    return call


def call_view(call: Call, transcript: bool = True) -> dict:
    """A call as the page and the driver see it: status, where it is, and what was said."""
    emulator = _emulator()
    store = emulator.store
    with store.lock:
        view = {"sid": call.sid, "from": call.from_, "to": call.to, "party": call.party, "device": call.device,
                "direction": call.direction, "status": call.status, "where": emulator.switchboard.where(call),
                "parent_call_sid": call.parent_call_sid, "duration": call.duration(), "error": call.error,
                "queue": None, "conference": None}
        target = store.queues.get(call.queue_sid or "")
        if target and target.position(call.sid):
            view["queue"] = {"sid": target.sid, "name": target.friendly_name,
                             "position": target.position(call.sid), "size": len(target.members)}
        conf = store.conferences.get(call.conference_sid or "")
        if conf:
            view["conference"] = conference_view(conf)
        if transcript:
            lines = list(call.transcript)  # one C-level copy: the worker may be appending meanwhile
            view["transcript"] = [line.as_json() for line in lines]
    return view


def conference_view(conf) -> dict:
    """A conference with who is in it."""
    store = _emulator().store
    members = []
    for sid, participant in conf.participants.items():
        call = store.calls.get(sid)
        members.append({"call_sid": sid, "name": participant.label or (call.party if call else sid),
                        "status": participant.status, "muted": participant.muted, "hold": participant.hold,
                        "coaching": participant.coaching, "call_sid_to_coach": participant.call_sid_to_coach,
                        "hears": _emulator().conferences.hears(conf, sid)})
    return {"sid": conf.sid, "name": conf.friendly_name, "status": conf.status, "hidden": conf.hidden,
            "members": members}


@bp.post("/phones")
def register_phone():
    """Declare a number as a citizen's phone (so calls to it ring on the page instead of auto-answering).

    The number may be typed as a person would (spaces, no +91); the answer names it as E.164.
    """
    number = phone_number(str(_body().get("number", "")))
    if number is None:
        abort(400, description=UNREADABLE_NUMBER)
    with _emulator().store.lock:
        _emulator().store.citizens.setdefault(number, None)
    return jsonify({"number": number})


@bp.post("/calls")
def start_call():
    """The citizen dials the helpline (or `to`); `chaos` makes this call's status callbacks unruly."""
    body = _body()
    number = body.get("from", "")
    if not NUMBER.match(number):
        abort(400, description="from must be E.164, like +919810000001")
    call = _emulator().switchboard.start_inbound(number, body.get("to"), body.get("chaos"))
    return jsonify({"sid": call.sid}), 201


@bp.get("/calls")
def list_calls():
    """Calls of one number (?number=) or all, newest first, without transcripts."""
    number = request.args.get("number")
    with _emulator().store.lock:
        calls = [c for c in _emulator().store.calls.values() if not number or number in (c.from_, c.to)]
    calls.sort(key=lambda c: c.created, reverse=True)
    return jsonify([call_view(c, transcript=False) for c in calls])


@bp.get("/calls/<sid>")
def show_call(sid: str):
    """One call with its transcript."""
    return jsonify(call_view(_call(sid)))


@bp.post("/calls/<sid>/digits")
def press(sid: str):
    """Press keys during a call (0-9, * and #)."""
    call, digits = _call(sid), str(_body().get("digits", ""))
    if not KEYS.match(digits):
        abort(400, description="digits may be 0-9, * and #")
    for key in digits:
        call.say("press", f"Pressed {key}")
        call.inbox.put(("digit", key))
    return jsonify({"sid": sid, "pressed": digits})


@bp.post("/calls/<sid>/speech")
def speak(sid: str):
    """Say something into a <Gather input="speech">."""
    call, text = _call(sid), str(_body().get("text", "")).strip()
    call.say("speech", f'Said "{text}"')
    call.inbox.put(("speech", text))
    return jsonify({"sid": sid, "said": text})


@bp.post("/calls/<sid>/talk")
def talk(sid: str):
    """Say something into the call's conference: it reaches exactly the legs that can hear this one."""
    call, text = _call(sid), str(_body().get("text", "")).strip()[:500]
    if not text:
        abort(400, description="text is required")
    heard_by = _emulator().conferences.talk(call, text)
    return jsonify({"sid": sid, "said": text, "heard_by": heard_by})


@bp.post("/calls/<sid>/hangup")
def hang_up(sid: str):
    """Hang up (a ringing call-back is declined)."""
    call = _call(sid)
    if call.direction != "inbound" and call.status in ("queued", "ringing"):
        call.inbox.put(("decline", None))
    else:
        _emulator().switchboard.hang_up(call, "caller")
    return jsonify({"sid": sid})


@bp.post("/calls/<sid>/answer")
def answer(sid: str):
    """Pick up a ringing call (a call-back to a citizen, or a staff phone without auto-answer)."""
    _call(sid).inbox.put(("answer", None))
    return jsonify({"sid": sid})


@bp.post("/calls/<sid>/decline")
def decline(sid: str):
    """Refuse a ringing call (Twilio reports it as busy)."""
    _call(sid).inbox.put(("decline", None))
    return jsonify({"sid": sid})


@bp.post("/sms")
def send_sms():
    """The citizen texts the helpline; `channel` "whatsapp" writes on WhatsApp instead (`profile_name` optional)."""
    body = _body()
    number, text = body.get("from", ""), str(body.get("body", ""))
    channel = body.get("channel") or "sms"
    if not NUMBER.match(number) or not text or channel not in ("sms", "whatsapp"):
        abort(400, description="from (E.164) and body are required; channel is sms or whatsapp")
    message = _emulator().messaging.receive(number, text, body.get("to"), channel,
                                            str(body.get("profile_name") or "")[:60] or None)
    return jsonify({"sid": message.sid, "segments": message.num_segments, "channel": channel}), 201


@bp.post("/whatsapp/age")
def age_whatsapp():
    """Move a number's last WhatsApp message back by `hours` (reach past the 24-hour window without waiting)."""
    body = _body()
    number = body.get("number", "")
    try:
        hours = float(body.get("hours", 25))
    except (TypeError, ValueError):
        abort(400, description="hours must be a number")
    if not NUMBER.match(number):
        abort(400, description="number must be E.164")
    _emulator().messaging.age_whatsapp(number, hours)
    return jsonify({"number": number, "window": _emulator().messaging.whatsapp_window(number)})


@bp.get("/sms")
def thread():
    """The SMS thread of ?number=."""
    return jsonify(_emulator().messaging.thread(request.args.get("number", "")))


@bp.get("/state")
def state():
    """Everything the phone page shows, for the number in ?number=."""
    emulator = _emulator()
    store, number = emulator.store, request.args.get("number", "")
    with store.lock:
        calls = sorted(store.calls.values(), key=lambda c: c.created, reverse=True)
        mine = [c for c in calls if c.device == "citizen" and c.party == number]
        live = [c for c in mine if not c.ended and not (c.direction != "inbound" and c.status in ("queued", "ringing"))]
        current = live[0] if live else (mine[0] if mine else None)
        incoming = [c for c in mine if c.direction != "inbound" and c.status in ("queued", "ringing")]
        staff = [c for c in calls if c.device != "citizen" and not c.ended]
        queues = [{"sid": q.sid, "name": q.friendly_name, "size": len(q.members),
                   "members": [store.calls[m.call_sid].party for m in q.members if m.call_sid in store.calls]}
                  for q in store.queues.values()]
        conferences = [conference_view(c) for c in store.conferences.values()
                       if c.status != "completed" and not c.hidden]
        citizens = list(store.citizens)
        opted_out = number in store.opted_out
    return jsonify({
        "helpline": emulator.settings.phone_number, "number": number, "numbers": citizens,
        "call": call_view(current) if current else None,
        "incoming": [call_view(c, transcript=False) for c in incoming],
        "thread": emulator.messaging.thread(number) if number else [],
        "opted_out": opted_out,
        "whatsapp": emulator.messaging.whatsapp_window(number) if number else None,
        "missed_call_number": emulator.settings.missed_call_number,
        "staff": [call_view(c, transcript=False) for c in staff],
        "queues": queues, "conferences": conferences,
    })


@bp.get("/requests")
def requests_log():
    """The REST requests the app sent (?invalid=1 for only the invalid ones)."""
    return jsonify(_emulator().request_log(invalid_only=request.args.get("invalid") in ("1", "true")))


@bp.get("/webhooks")
def webhooks_log():
    """The requests the emulator made to the app (?kind=voice|gather|wait|action|status|sms|redirect)."""
    return jsonify(_emulator().webhook_log(request.args.get("kind")))


@bp.post("/settle")
def settle():
    """Wait (up to ?timeout= s) until every status callback has been delivered."""
    return jsonify({"idle": _emulator().settle(float(request.args.get("timeout", 5)))})


@bp.post("/chaos")
def chaos():
    """Switch callback chaos for every resource: {"duplicate": bool, "shuffle": bool}."""
    body = _body()
    with _emulator().store.lock:
        _emulator().store.chaos = {key: bool(body.get(key)) for key in ("duplicate", "shuffle")}
    return jsonify(_emulator().store.chaos)


@bp.post("/reset")
def reset():
    """Forget every call, queue, conference, message and log."""
    _emulator().reset()
    return jsonify({"reset": True})


@bp.errorhandler(400)
@bp.errorhandler(404)
def _error(error):
    return jsonify({"error": error.description}), error.code
