"""REST handlers for Calls, Queues and queue Members."""

from __future__ import annotations

import re

from emulators.twilio.resources import call_json, member_json, page, queue_json
from emulators.twilio.rest import RestCall, RestError, handles, not_found
from emulators.twilio.state import Call, new_sid

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def endpoint_ok(value: str) -> bool:
    """A number the emulator can ring: E.164 or client:NAME."""
    return bool(E164.match(value)) or (value.startswith("client:") and len(value) > len("client:"))


def check_url(form, name: str, code: int = 21205) -> None:
    """Twilio needs absolute http(s) URLs: a relative one is a bug in the app, so it is refused loudly."""
    value = form.get(name)
    if value and not value.startswith(("http://", "https://")):
        raise RestError(400, code, f"{name} is not a valid URL: {value!r} (it must be absolute)", invalid=True)


def status_events(form, name: str = "StatusCallbackEvent") -> tuple[str, ...]:
    """Repeated or space-separated event names; Twilio's default is just `completed`."""
    events = [part for value in form.getlist(name) for part in value.split()]
    return tuple(events) or ("completed",)


def _call(rc: RestCall, sid: str) -> Call:
    call = rc.emulator.store.calls.get(sid)
    if call is None:
        raise not_found(f"Call {sid}")
    return call


def check_byoc(form) -> None:
    """Twilio's rule for India: an outbound call to a +91 number from a +91 caller id goes only through a BYOC trunk
    (Twilio's India voice guidelines); without `Byoc` it is refused as Twilio refuses a call it may not place."""
    byoc = form.get("Byoc")
    if byoc and not re.fullmatch(r"BY[0-9a-fA-F]{32}", byoc):
        raise RestError(400, 21201, f"Invalid Byoc trunk sid: {byoc}", invalid=True)
    if form.get("To", "").startswith("+91") and form.get("From", "").startswith("+91") and not byoc:
        raise RestError(400, 21215, f"Account not authorized to call {form['To']}: calls to India from an Indian "
                                    "caller id are placed only through a BYOC trunk (Byoc).")


@handles("CreateCall")
def create_call(rc: RestCall):
    """Place a call: a desk phone or client auto-answers, a citizen's phone rings on the phone page."""
    form, settings = rc.form, rc.emulator.settings
    to, from_ = form["To"], form["From"]
    if not (form.get("Url") or form.get("Twiml") or form.get("ApplicationSid")):
        raise RestError(400, 21205, "Url parameter is required (or Twiml, or ApplicationSid).", invalid=True)
    check_url(form, "Url")
    check_url(form, "StatusCallback", 21609)
    if form.get("ApplicationSid"):
        raise RestError(400, 21218, "Invalid ApplicationSid: the emulator has no TwiML applications.")
    if not endpoint_ok(to):
        raise RestError(400, 21211, f"Invalid 'To' Phone Number: {to}")
    check_byoc(form)
    if from_ != settings.phone_number and not from_.startswith("client:"):
        raise RestError(400, 21210, f"The source phone number provided, {from_}, is not yet verified for your "
                                    "account. You may only make calls from phone numbers that you've verified "
                                    "or purchased from Twilio.")
    call = Call(new_sid("CA"), from_, to, "outbound-api", rc.emulator.switchboard.device_of(to),
                url=form.get("Url"), method=form.get("Method", "POST"), twiml=form.get("Twiml"),
                timeout=int(form.get("Timeout") or 60), status_callback=form.get("StatusCallback"),
                status_callback_method=form.get("StatusCallbackMethod", "POST"),
                status_callback_events=status_events(form))
    body = call_json(settings, call)  # before the worker starts: the answer shows the call as queued
    rc.emulator.switchboard.start_outbound(call)
    return 201, body


@handles("FetchCall")
def fetch_call(rc: RestCall):
    """One call."""
    return 200, call_json(rc.emulator.settings, _call(rc, rc.path["Sid"]))


@handles("ListCall")
def list_calls(rc: RestCall):
    """Calls, newest first, filtered by To, From, Status, ParentCallSid."""
    with rc.emulator.store.lock:
        calls = sorted(rc.emulator.store.calls.values(), key=lambda c: c.created, reverse=True)
    for field, attribute in (("To", "to"), ("From", "from_"), ("Status", "status"), ("ParentCallSid", "parent_call_sid")):
        if rc.query.get(field):
            calls = [c for c in calls if getattr(c, attribute) == rc.query[field]]
    items = [call_json(rc.emulator.settings, c) for c in calls]
    return 200, page("calls", items, rc.path_text, rc.query)


@handles("UpdateCall")
def update_call(rc: RestCall):
    """Redirect a live call to new TwiML, or end it (Status=completed / canceled)."""
    call, form, board = _call(rc, rc.path["Sid"]), rc.form, rc.emulator.switchboard
    check_url(form, "Url")
    status = form.get("Status")
    if call.ended:
        raise RestError(400, 21220, "Call is not in-progress. Cannot redirect.")
    if status == "canceled" and call.status not in ("queued", "ringing"):
        return 200, call_json(rc.emulator.settings, call)  # Twilio ignores canceling an answered call
    if status in ("completed", "canceled"):
        board.hang_up(call, "ended by the app (REST)")
    elif form.get("Url") or form.get("Twiml"):
        if call.status in ("queued", "ringing"):
            raise RestError(400, 21220, "Call is not in-progress. Cannot redirect.")
        board.redirect(call, form.get("Url"), form.get("Method", "POST"), form.get("Twiml"))
    if form.get("StatusCallback"):
        call.status_callback = form["StatusCallback"]
    return 200, call_json(rc.emulator.settings, call)


# ---- queues ----------------------------------------------------------------------------------
def _queue(rc: RestCall, sid: str):
    found = rc.emulator.store.queues.get(sid)
    if found is None:
        raise not_found(f"Queue {sid}")
    return found


@handles("ListQueue")
def list_queues(rc: RestCall):
    """Every queue."""
    with rc.emulator.store.lock:
        items = [queue_json(rc.emulator.settings, q) for q in rc.emulator.store.queues.values()]
    return 200, page("queues", items, rc.path_text, rc.query)


@handles("CreateQueue")
def create_queue(rc: RestCall):
    """Create a queue (Twilio refuses a second queue with the same name)."""
    name = rc.form["FriendlyName"]
    with rc.emulator.store.lock:
        if rc.emulator.store.queue_named(name):
            raise RestError(400, 22003, f"A queue with the friendly name {name} already exists")
        created = rc.emulator.switchboard.queue(name, int(rc.form.get("MaxSize") or 1000))
    return 201, queue_json(rc.emulator.settings, created)


@handles("FetchQueue")
def fetch_queue(rc: RestCall):
    """One queue, with its current size and average wait."""
    return 200, queue_json(rc.emulator.settings, _queue(rc, rc.path["Sid"]))


@handles("UpdateQueue")
def update_queue(rc: RestCall):
    """Rename a queue or change its maximum size."""
    target = _queue(rc, rc.path["Sid"])
    with rc.emulator.store.lock:
        target.friendly_name = rc.form.get("FriendlyName", target.friendly_name)
        target.max_size = int(rc.form.get("MaxSize") or target.max_size)
    return 200, queue_json(rc.emulator.settings, target)


@handles("DeleteQueue")
def delete_queue(rc: RestCall):
    """Delete an empty queue."""
    target = _queue(rc, rc.path["Sid"])
    with rc.emulator.store.lock:
        if target.members:
            raise RestError(400, 22004, "Queue is not empty: it cannot be deleted")
        del rc.emulator.store.queues[target.sid]
    return 204, None


@handles("ListMember")
def list_members(rc: RestCall):
    """The callers waiting in a queue, front first."""
    target = _queue(rc, rc.path["QueueSid"])
    with rc.emulator.store.lock:
        items = [member_json(rc.emulator.settings, target, m, i + 1) for i, m in enumerate(target.members)]
    return 200, page("queue_members", items, rc.path_text, rc.query)


def _member(rc: RestCall, target):
    key = rc.path["CallSid"]
    with rc.emulator.store.lock:
        for index, member in enumerate(target.members):
            if key == member.call_sid or (key == "Front" and index == 0):
                return member, index + 1
    raise not_found(f"Member {key} of queue {target.sid}")


@handles("FetchMember")
def fetch_member(rc: RestCall):
    """One waiting caller (or the one at the Front)."""
    target = _queue(rc, rc.path["QueueSid"])
    member, position = _member(rc, target)
    return 200, member_json(rc.emulator.settings, target, member, position)


@handles("UpdateMember")
def update_member(rc: RestCall):
    """Dequeue a caller to the TwiML at Url; 404 when the caller is no longer waiting."""
    check_url(rc.form, "Url")
    target = _queue(rc, rc.path["QueueSid"])
    member, position = _member(rc, target)
    # "Front" is resolved again under the switchboard's lock: two dequeues at once take two callers.
    key = "Front" if rc.path["CallSid"] == "Front" else member.call_sid
    taken = rc.emulator.switchboard.dequeue(target, key, rc.form["Url"], rc.form.get("Method", "POST"))
    if taken is None:  # hung up or dequeued by someone else a moment ago
        raise not_found(f"Member {rc.path['CallSid']} of queue {target.sid}")
    return 200, member_json(rc.emulator.settings, target, taken, position)
