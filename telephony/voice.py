"""Voice webhooks: the number's entry points and the IVR's own URLs. Views parse, call, answer TwiML."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, url_for

from crm.cases import queue
from crm.cases import voice as steps
from crm.models import Case
from crm.models.base import utcnow
from crm.platform.extensions import db
from crm.platform.security.bounds import optional_id
from telephony import calls, prompts
from telephony.signature import twilio_webhook

bp = Blueprint("telephony", __name__, url_prefix="/telephony")


def twiml(xml: str) -> Response:
    """A TwiML answer."""
    return Response(xml, mimetype="text/xml")


def _url(endpoint: str, case: int) -> str:
    """The IVR's URL `endpoint` for `case`, as url_for(endpoint, case=case) gives it (relative to the public base,
    so the URL Twilio later signs is the one we check). Each endpoint's path is found once per application and
    mount point: building the URL afresh cost as much as a third of the wait request's own view."""
    paths = current_app.extensions.setdefault("telephony_paths", {})
    key = (endpoint, request.script_root)
    path = paths.get(key)
    if path is None:
        path = paths[key] = url_for(endpoint)
    return f"{path}?case={int(case)}"


def _params() -> dict:
    return request.form.to_dict()


@bp.post("/voice")
@twilio_webhook
def voice():
    """A citizen calls the helpline: open the case, greet, offer the menu."""
    params = _params()
    if not params.get("CallSid"):
        return twiml(prompts.hangup("hi")), 400
    if _is_missed_call_number(params.get("To", "")):
        return missed_call()
    case = steps.open_call(params["CallSid"], calls.caller_number(params.get("From", "")), params.get("To", ""),
                           params.get("CallStatus", ""))
    return twiml(prompts.greeting(_url("telephony.menu", case=case.id), calls.known_language(case), _speech()))


def _is_missed_call_number(to: str) -> bool:
    number = current_app.config.get("MISSED_CALL_NUMBER")
    return bool(number) and calls.caller_number(to) == number


@bp.post("/voice/missed-call")
@twilio_webhook
def missed_call():
    """The missed-call number: reject unanswered (the caller pays nothing), keep their place for a call-back, text them.

    Configure it as the second number's voice URL, or let /telephony/voice route it by the To number.
    """
    params = _params()
    from crm.helpline.missed_call import services as missed_calls

    if params.get("CallSid"):
        missed_calls.record(params["CallSid"], calls.caller_number(params.get("From", "")), params.get("To", ""),
                            utcnow())
    return twiml(prompts.reject())


def _speech() -> bool:
    return bool(current_app.config.get("IVR_SPEECH", True))


@bp.post("/voice/menu")
@twilio_webhook
def menu():
    """The language / emergency choice."""
    noinput = request.args.get("noinput", 0, type=int)
    form = request.form
    step = steps.menu(form.get("CallSid", ""), form.get("CallStatus", ""), form.get("Digits", ""),
                      form.get("SpeechResult", "").strip(), noinput)
    if step is None:
        return twiml(prompts.hangup("hi"))
    case = step.case
    if step.outcome in ("again", "invalid"):
        return twiml(prompts.menu_again(_url("telephony.menu", case=case.id), step.outcome == "invalid", noinput,
                                        _speech()))
    if step.outcome == "emergency" or case.queue == queue.EMERGENCY:
        return _emergency(case)
    if case.patient_id:
        return _enqueued(case)
    return twiml(prompts.ask_card(case.language, _url("telephony.card", case=case.id)))


@bp.post("/voice/card")
@twilio_webhook
def card():
    """The keypad card number (or hash to skip)."""
    form = request.form
    step = steps.card(form.get("CallSid", ""), form.get("CallStatus", ""), form.get("Digits", ""), request.remote_addr)
    if step is None:
        return twiml(prompts.hangup("hi"))
    if step.outcome == "retry":
        return twiml(prompts.ask_card(step.case.language, _url("telephony.card", case=step.case.id), retry=True))
    before = {"ok": "card_ok", "unknown": "card_unknown", "revoked": "card_revoked"}.get(step.outcome)
    return _enqueued(step.case, before)


def _emergency(case: Case) -> Response:
    return twiml(prompts.emergency(case.language, queue.EMERGENCY, _url("telephony.wait", case=case.id),
                                   _url("telephony.queue_result", case=case.id)))


def _enqueued(case: Case, before: str | None = None) -> Response:
    """Into the case's queue: the emergency queue with the advice (a repeat after the caller pressed 9), or tier 1."""
    if case.queue == queue.EMERGENCY:
        return _emergency(case)
    return twiml(prompts.enqueue(case.language, queue.TIER1, _url("telephony.wait", case=case.id),
                                 _url("telephony.queue_result", case=case.id), before))


@bp.post("/voice/wait")
@twilio_webhook
def wait():
    """Wait music: position, expected wait, call-back offer (tier 1) or advice (emergency)."""
    params = _params()
    waiting = steps.waiting(params.get("CallSid", ""), params.get("CallStatus", ""), params.get("QueueSid"),
                            max(calls.param_int(params.get("QueuePosition"), 1), 1))
    if waiting is None:
        # The case has ended (closed by staff, say) while Twilio still holds the caller: an empty answer would
        # only have Twilio ask again at once, in silence. Leaving the queue brings the Enqueue's action, which
        # says goodbye in the caller's language.
        return twiml(prompts.leave_queue())
    if waiting.status in calls.TAKEN:
        # Claimed before Twilio told us its queue: leave, and the Enqueue action connects the caller.
        return twiml(prompts.leave_queue())
    if waiting.queue == queue.EMERGENCY:
        return twiml(prompts.emergency_waiting(waiting.language))
    minutes = calls.expected_minutes(params, waiting.position)
    # The call-back key is tier 1's (a caller handed back to a doctors' queue waits for the doctor).
    choice = _url("telephony.wait_choice", case=waiting.case_id) if waiting.queue == queue.TIER1 else None
    return twiml(prompts.waiting(waiting.language, waiting.position, minutes, choice))


@bp.post("/voice/wait/choice")
@twilio_webhook
def wait_choice():
    """A key pressed during the wait: 1 books a call-back and leaves the queue."""
    form = request.form
    step = steps.wait_choice(form.get("CallSid", ""), form.get("CallStatus", ""), form.get("Digits", ""))
    if step is None:
        return twiml(prompts.empty())
    if step.outcome == "callback":
        config = current_app.config
        return twiml(prompts.callback_booked(step.case.language, config["TWILIO_WHATSAPP_NUMBER"], config["SMS_NUMBER"]))
    return twiml(prompts.waiting(step.case.language, step.position or 1, 2, None))


@bp.post("/voice/queue-result")
@twilio_webhook
def queue_result():
    """The Enqueue action: bridged, hangup, leave, redirected, error."""
    form = request.form
    case = steps.queue_result(form.get("CallSid", ""), form.get("CallStatus", ""), form.get("QueueResult", ""),
                              calls.param_int(form.get("QueueTime")))
    if request.form.get("QueueResult") == "leave" and case is not None:
        if case.status in calls.TAKEN:
            return twiml(prompts.conference(conference_name(case), case.language,
                                            _url("telephony.conference_status", case=case.id), caller=True))
        return twiml(prompts.hangup(case.language))
    return twiml(prompts.empty())


@bp.post("/voice/connect")
@twilio_webhook
def connect():
    """Where a claimed caller (or an answered call-back) goes: the case's conference."""
    case = db.session.get(Case, optional_id(request.args.get("case")) or 0)
    if case is None:
        return twiml(prompts.hangup("hi"))
    return twiml(prompts.conference(conference_name(case), case.language,
                                    _url("telephony.conference_status", case=case.id), caller=True))


@bp.post("/voice/requeue")
@twilio_webhook
def requeue():
    """A caller taken out of the conference because the one they talked to left the floor: into the case's queue
    again (tier 1, the emergency queue with its advice, or a doctors' queue). Twilio may ask before the request that
    moved the case has committed, so this reads only what that request does not change (the queue it keeps); if
    someone takes the case meanwhile, the first wait request sees it and leaves for the conference."""
    case = db.session.get(Case, optional_id(request.args.get("case")) or 0)
    if case is None or not calls.is_live(case):
        return twiml(prompts.hangup(case.language if case else "hi"))
    if case.queue == queue.EMERGENCY:
        return _emergency(case)
    return twiml(prompts.enqueue(case.language, case.queue or queue.TIER1, _url("telephony.wait", case=case.id),
                                 _url("telephony.queue_result", case=case.id)))


@bp.post("/voice/hold")
@twilio_webhook
def hold():
    """The holdUrl of a caller put on hold by staff: a reassuring word in their language."""
    case = db.session.get(Case, request.args.get("case", type=int) or 0)
    return twiml(prompts.on_hold(case.language if case else "hi"))


@bp.post("/voice/staff")
@twilio_webhook
def staff():
    """A staff member's phone or browser answered: into the case's conference."""
    case = db.session.get(Case, optional_id(request.args.get("case")) or 0)
    if case is None:
        return twiml(prompts.empty())
    return twiml(prompts.staff_leg(case.reference, conference_name(case),
                                   _url("telephony.conference_status", case=case.id)))


@bp.post("/voice/conference-status")
@twilio_webhook
def conference_status():
    """Conference start / join / leave / end, written on the case timeline."""
    from telephony import conferences

    conferences.record(optional_id(request.args.get("case")), _params())
    return Response(status=204)


@bp.post("/voice/status")
@twilio_webhook
def status():
    """Call status callbacks, possibly repeated or out of order."""
    form = request.form
    sequence = calls.param_int(form.get("SequenceNumber"), -1)
    steps.call_status(form.get("CallSid", ""), form.get("CallStatus", ""), sequence if sequence >= 0 else None,
                      calls.param_int(form.get("CallDuration")) or None)
    return Response(status=204)


def conference_name(case: Case) -> str:
    """One conference per case."""
    return f"case-{case.id}"
