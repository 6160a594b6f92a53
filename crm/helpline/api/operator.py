"""Tier 1: the operator's queue and presence, the assessment and its outcomes.

Views parse, call crm.cases.assessment / crm.helpline.presence / crm.cases.board, answer.
The screen-pop, SMS thread and report endpoints are in crm.helpline.api.operator_case.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, jsonify, request
from flask_login import current_user
from sqlalchemy import select

from crm.cases import assessment, board, dispositions, flag_hints
from crm.cases.status import TAKEN
from crm.helpline import distribution, presence
from crm.helpline.api.cases import case_json
from crm.helpline.supervisor import monitor
from crm.models import Case, Facility
from crm.models.base import DELHI, iso, utcnow
from crm.platform import audit, phones
from crm.platform.api import body, bounded_int, bp
from crm.platform.errors import Refused, load
from crm.platform.extensions import db
from crm.staff.auth.capabilities import allow
from triage import checklist


def work_json(case: Case) -> dict:
    """A case as the operator desk needs it: the API's case plus the assessment and outcome."""
    return case_json(case) | {
        "reason": case.reason, "red_flags": list(case.red_flags or []), "outcome": case.outcome,
        "disposition": case.disposition, "advice": case.advice, "escalation_summary": case.escalation_summary,
        "callback_due_at": iso(case.callback_due_at), "wrap_up_until": iso(case.wrap_up_until),
        "monitored_by": monitor.listeners(case) if case.status in TAKEN else [],
    }


@bp.get("/queues/tier1")
@allow("work_tier1")
def operator_queue():
    """The tier-1 board: waiting cases, scheduled call-backs, my cases, presence counts."""
    now = utcnow()
    assessment.settle(now)
    if presence.sync(current_user):
        presence.announce([current_user.id])
    distribution.run(now)
    seen = board.read(current_user, now)
    audit.record_cases("list_tier1", [*seen.waiting, *seen.scheduled, *seen.mine], via="board")

    def item(case: Case) -> dict:
        return work_json(case) | seen.extras.get(case.id, {})

    return jsonify(
        server_time=iso(now), waiting=[item(c) for c in seen.waiting], scheduled=[item(c) for c in seen.scheduled],
        mine=[item(c) for c in seen.mine], operators=seen.counts, emergencies_waiting=seen.emergencies_waiting,
        emergencies=[{"id": c.id, "reference": c.reference, "caller": phones.masked(c.caller_phone),
                      "channel": c.channel, "queued_at": iso(c.queued_at), "alarm_level": c.alarm_level}
                     for c in seen.emergencies],
        me=presence.summary(current_user), offer=distribution.current(current_user), sla_seconds=current_app.config.get("QUEUE_SLA_SECONDS", 60),
        wrap_up_seconds=presence.wrap_up_seconds())


@bp.put("/me/presence")
@allow("work_tier1")
def set_presence():
    """Choose presence; 'available' during wrap-up means ready (the wrapped cases close)."""
    wanted = str(body().get("presence", ""))
    if wanted == "available" and current_user.presence == "wrap_up":
        assessment.end_wrap_up(current_user, call=body().get("call"))
    else:
        presence.set_presence(current_user, wanted)
    presence.announce([current_user.id])
    return jsonify(presence.summary(current_user) | {"operators": presence.counts()})


@bp.get("/dispositions")
@allow("read_cases")
def list_dispositions():
    """Disposition codes with English and Hindi labels."""
    return jsonify(dispositions=dispositions.as_json())


@bp.get("/canned-replies")
@allow("read_cases")
def canned_replies():
    """Canned SMS replies (registered texts) in Hindi, English, Punjabi and Urdu, filled in for `case_id` if given."""
    case = load(Case, request.args["case_id"], "case") if request.args.get("case_id") else None
    return jsonify(replies=dispositions.canned_replies(case.reference if case else "",
                                                       current_app.config.get("HELPLINE_DISPLAY_NUMBER", "")))


@bp.get("/checklist")
@allow("read_cases")
def red_flag_checklist():
    """The red-flag checklist from the triage rules, in 'en' or 'hi', and the escalation specialties."""
    lang = request.args.get("lang", "en")
    if lang not in ("en", "hi"):
        raise Refused("bad_language", "lang must be 'en' or 'hi'.", 422)
    return jsonify(lang=lang, items=checklist(lang), specialties=list(assessment.SPECIALTIES))


@bp.get("/facilities")
@allow("read_cases")
def facilities():
    """Facilities to inform, filtered by `q` (name, code or district)."""
    query = select(Facility).order_by(Facility.kind, Facility.name).limit(200)
    if text := request.args.get("q", "").strip():
        like = f"%{text}%"
        query = query.where(Facility.name.ilike(like) | Facility.code.ilike(like) | Facility.district.ilike(like))
    return jsonify(facilities=[{"id": f.id, "code": f.code, "name": f.name, "name_hi": f.name_hi, "kind": f.kind,
                                "district": f.district, "has_duty_phone": bool(f.phone),
                                "duty_phone": phones.display(f.phone) if f.phone else None,
                                "landline_duty_phone": bool(f.phone) and not phones.can_receive_sms(f.phone)}
                               for f in db.session.scalars(query)])


@bp.post("/cases/<int:case_id>/assessment")
@allow("work_tier1")
def save_assessment(case_id: int):
    """Save reason, ticked red flags and a note; the answer offers the escalation the flags call for."""
    case = load(Case, case_id, "case")
    data = body()
    flags = data.get("red_flags")
    if flags is not None and not (isinstance(flags, list) and len(flags) <= 50 and all(isinstance(f, str) for f in flags)):
        raise Refused("bad_request", "red_flags must be a list of checklist ids.", 400)
    offer = assessment.save(case, current_user, data.get("reason"), flags, str(data.get("notes") or ""))
    return jsonify(work_json(case) | {"offer": offer})


@bp.post("/red-flags/suggest")
@allow("read_cases")
def suggest_red_flags():
    """What triage reads in typed words (the operator's reason, a doctor's note): flags to offer, and the layer."""
    return jsonify(flag_hints.suggest(body().get("text", "")))


@bp.post("/cases/<int:case_id>/assessment/suggested-flags")
@allow("work_tier1")
def accept_suggested_flags(case_id: int):
    """Record on the timeline that the operator took the flags triage suggested for `text` (ticking is the page's)."""
    case = load(Case, case_id, "case")
    data = body()
    ids = flag_hints.accept(case, current_user, flag_hints.bounded_text(data.get("text", "")), data.get("red_flags"))
    return jsonify(accepted=ids, offer=assessment.offer(ids))


def _outcome(case_id: int, act):
    case = load(Case, case_id, "case")
    act(case, body())
    return jsonify(work_json(case) | {"me": presence.summary(current_user)})


@bp.post("/cases/<int:case_id>/resolve")
@allow("work_tier1")
def resolve(case_id: int):
    """Resolve at tier 1 with a disposition code and the advice given."""
    return _outcome(case_id, lambda case, data: assessment.resolve(
        case, current_user, str(data.get("disposition", "")), str(data.get("advice") or ""), call=data.get("call")))


@bp.post("/cases/<int:case_id>/inform")
@allow("work_tier1")
def inform(case_id: int):
    """Inform the health staff on duty at a facility (the registered SMS to a mobile duty phone; a landline the operator
    calls) and end the contact."""
    return _outcome(case_id, lambda case, data: assessment.inform(
        case, current_user, _int(data.get("facility_id")), str(data.get("message") or ""),
        str(data.get("disposition") or "") or None, str(data.get("advice") or ""), call=data.get("call")))


@bp.post("/cases/<int:case_id>/escalate")
@allow("work_tier1")
def escalate(case_id: int):
    """Escalate to tier 2 with specialty, urgency and a summary; an emergency raises the alarm."""
    return _outcome(case_id, lambda case, data: assessment.escalate(
        case, current_user, str(data.get("specialty") or "") or None, str(data.get("urgency", "")),
        str(data.get("summary") or ""), call=data.get("call")))


@bp.post("/cases/<int:case_id>/emergency")
@allow("work_tier1")
def raise_emergency(case_id: int):
    """The emergency key: escalate as P1 at once (rings every doctor on duty), whatever triage said."""
    return _outcome(case_id, lambda case, data: assessment.raise_emergency(case, current_user, str(data.get("note") or "")))


@bp.post("/cases/<int:case_id>/schedule-callback")
@allow("work_tier1")
def schedule_callback(case_id: int):
    """Schedule a call-back: `due_at` (ISO 8601; Delhi time if no offset) or `in_minutes`."""
    return _outcome(case_id, lambda case, data: assessment.schedule_callback(
        case, current_user, _due(data), str(data.get("note") or ""), call=data.get("call")))


MAX_CALLBACK_MINUTES = 30 * 24 * 60


def _due(data: dict) -> datetime:
    if data.get("in_minutes") not in (None, ""):
        return utcnow() + timedelta(minutes=bounded_int(data["in_minutes"], "in_minutes", 1, 7 * 24 * 60))
    try:
        due = datetime.fromisoformat(str(data.get("due_at", "")))
    except (ValueError, OverflowError) as exc:
        raise Refused("bad_time", "Give due_at as an ISO 8601 time, or in_minutes.", 422) from exc
    return due if due.tzinfo else due.replace(tzinfo=DELHI)


def _int(value) -> int:
    return bounded_int(value, "facility_id") if value not in (None, "") else 0


from crm.helpline.api import operator_case  # noqa: F401  (registers the screen-pop, thread and report routes)
