"""Tier 1: the operator's queue and presence, the assessment and its outcomes.

Views parse, call triage.assessment / triage.presence / triage.board, emit the live event, answer.
The screen-pop, SMS thread and report endpoints are in crm.api.operator_case.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, jsonify, request
from flask_login import current_user
from sqlalchemy import select

from crm.api import body, bp, error
from crm.api.cases import case_json
from crm.auth.access import roles
from crm.extensions import db
from crm.models import Case, Facility
from crm.models.base import DELHI, iso, utcnow
from crm.security.bounds import bounded_int, optional_id
from triage import assessment, board, checklist, dispositions, events, presence

WORKERS = ("operator", "supervisor")
READERS = ("operator", "doctor", "supervisor")


def work_json(case: Case) -> dict:
    """A case as the workspace needs it: the API's case plus the assessment and outcome."""
    return case_json(case) | {
        "reason": case.reason, "red_flags": list(case.red_flags or []), "outcome": case.outcome,
        "disposition": case.disposition, "advice": case.advice, "escalation_summary": case.escalation_summary,
        "callback_due_at": iso(case.callback_due_at), "wrap_up_until": iso(case.wrap_up_until),
    }


def load_case(case_id: int) -> Case | None:
    """The case, or None."""
    return db.session.get(Case, case_id)


def failed(exc: assessment.AssessmentError):
    """An assessment refusal in the API's error shape."""
    return error(exc.code, exc.message, exc.status)


@bp.get("/queues/tier1")
@roles(*WORKERS)
def tier1_queue():
    """The tier-1 board: waiting cases, scheduled call-backs, my cases, presence counts."""
    now = utcnow()
    settled = assessment.settle(now)
    changed_presence = settled["available"] + ([current_user.id] if presence.sync(current_user) else [])
    db.session.commit()
    for case in settled["closed"]:
        events.case_changed(case, "case.closed")
    for case in settled["due"]:
        events.case_changed(case, "case.callback_due")
    presence.announce(changed_presence)
    seen = board.read(current_user, now)

    def item(case: Case) -> dict:
        return work_json(case) | seen.extras.get(case.id, {})

    return jsonify(
        server_time=iso(now), waiting=[item(c) for c in seen.waiting], scheduled=[item(c) for c in seen.scheduled],
        mine=[item(c) for c in seen.mine], operators=seen.counts, emergencies_waiting=seen.emergencies_waiting,
        me=presence.summary(current_user), sla_seconds=current_app.config.get("QUEUE_SLA_SECONDS", 60),
        wrap_up_seconds=presence.wrap_up_seconds())


@bp.put("/me/presence")
@roles(*WORKERS)
def set_presence():
    """Choose presence; 'available' during wrap-up means ready (the wrapped cases close)."""
    wanted = str(body().get("presence", ""))
    try:
        if wanted == "available" and current_user.presence == "wrap_up":
            for case in assessment.end_wrap_up(current_user):
                events.case_changed(case, "case.closed")
        else:
            presence.set_presence(current_user, wanted)
            db.session.commit()
    except presence.PresenceError as exc:
        db.session.rollback()
        return error("presence_refused", str(exc), 409 if wanted in presence.PRESENCES else 422)
    except assessment.AssessmentError as exc:
        return failed(exc)
    presence.announce([current_user.id])
    return jsonify(presence.summary(current_user) | {"operators": presence.counts()})


@bp.get("/dispositions")
@roles(*READERS)
def list_dispositions():
    """Disposition codes with English and Hindi labels."""
    return jsonify(dispositions=dispositions.as_json())


@bp.get("/canned-replies")
@roles(*READERS)
def canned_replies():
    """Canned SMS replies in Hindi and English, filled in for `case_id` if given."""
    case = load_case(optional_id(request.args.get("case_id")) or 0)
    return jsonify(replies=dispositions.canned_replies(case.reference if case else "",
                                                       current_app.config.get("HELPLINE_DISPLAY_NUMBER", "")))


@bp.get("/checklist")
@roles(*READERS)
def red_flag_checklist():
    """The red-flag checklist from the triage rules, in 'en' or 'hi', and the escalation specialties."""
    lang = request.args.get("lang", "en")
    if lang not in ("en", "hi"):
        return error("bad_language", "lang must be 'en' or 'hi'.", 422)
    return jsonify(lang=lang, items=checklist(lang), specialties=list(assessment.SPECIALTIES))


@bp.get("/facilities")
@roles(*READERS)
def facilities():
    """Facilities to inform, filtered by `q` (name, code or district)."""
    query = select(Facility).order_by(Facility.kind, Facility.name).limit(200)
    if text := request.args.get("q", "").strip():
        like = f"%{text}%"
        query = query.where(Facility.name.ilike(like) | Facility.code.ilike(like) | Facility.district.ilike(like))
    return jsonify(facilities=[{"id": f.id, "code": f.code, "name": f.name, "name_hi": f.name_hi, "kind": f.kind,
                                "district": f.district, "has_duty_phone": bool(f.phone)}
                               for f in db.session.scalars(query)])


@bp.post("/cases/<int:case_id>/assessment")
@roles(*WORKERS)
def save_assessment(case_id: int):
    """Save reason, ticked red flags and a note; the answer offers the escalation the flags call for."""
    case = load_case(case_id)
    if case is None:
        return error("not_found", f"There is no case {case_id}.", 404)
    data = body()
    flags = data.get("red_flags")
    if flags is not None and not (isinstance(flags, list) and all(isinstance(f, str) for f in flags)):
        return error("bad_request", "red_flags must be a list of checklist ids.", 400)
    try:
        offer = assessment.save(case, current_user, data.get("reason"), flags, str(data.get("notes") or ""))
    except assessment.AssessmentError as exc:
        return failed(exc)
    events.case_changed(case, "case.assessed")
    return jsonify(work_json(case) | {"offer": offer})


def _outcome(case_id: int, act, event: str):
    case = load_case(case_id)
    if case is None:
        return error("not_found", f"There is no case {case_id}.", 404)
    try:
        act(case, body())
    except assessment.AssessmentError as exc:
        return failed(exc)
    events.case_changed(case, event)
    presence.announce([current_user.id])
    return jsonify(work_json(case) | {"me": presence.summary(current_user)})


@bp.post("/cases/<int:case_id>/resolve")
@roles(*WORKERS)
def resolve(case_id: int):
    """Resolve at tier 1 with a disposition code and the advice given."""
    return _outcome(case_id, lambda case, data: assessment.resolve(
        case, current_user, str(data.get("disposition", "")), str(data.get("advice") or "")), "case.resolved")


@bp.post("/cases/<int:case_id>/inform")
@roles(*WORKERS)
def inform(case_id: int):
    """Inform the health staff on duty at a facility (SMS to its duty phone) and end the contact."""
    return _outcome(case_id, lambda case, data: assessment.inform(
        case, current_user, _int(data.get("facility_id")), str(data.get("message") or ""),
        str(data.get("disposition") or "") or None, str(data.get("advice") or "")), "case.informed")


@bp.post("/cases/<int:case_id>/escalate")
@roles(*WORKERS)
def escalate(case_id: int):
    """Escalate to tier 2 with specialty, urgency and a summary; an emergency raises the alarm."""
    return _outcome(case_id, lambda case, data: assessment.escalate(
        case, current_user, str(data.get("specialty") or "") or None, str(data.get("urgency", "")),
        str(data.get("summary") or "")), "case.escalated")


@bp.post("/cases/<int:case_id>/schedule-callback")
@roles(*WORKERS)
def schedule_callback(case_id: int):
    """Schedule a call-back: `due_at` (ISO 8601; Delhi time if no offset) or `in_minutes`."""
    return _outcome(case_id, lambda case, data: assessment.schedule_callback(
        case, current_user, _due(data), str(data.get("note") or "")), "case.callback_scheduled")


MAX_CALLBACK_MINUTES = 30 * 24 * 60


def _due(data: dict) -> datetime:
    if data.get("in_minutes") not in (None, ""):
        try:
            return utcnow() + timedelta(minutes=bounded_int(data["in_minutes"], 1, MAX_CALLBACK_MINUTES))
        except ValueError as exc:
            raise assessment.AssessmentError(
                "bad_time", f"in_minutes is a whole number from 1 to {MAX_CALLBACK_MINUTES} (30 days).", 422) from exc
    try:
        due = datetime.fromisoformat(str(data.get("due_at", "")))
    except ValueError as exc:
        raise assessment.AssessmentError("bad_time", "Give due_at as an ISO 8601 time, or in_minutes.", 422) from exc
    return due if due.tzinfo else due.replace(tzinfo=DELHI)


def _int(value) -> int:
    return optional_id(value) or 0


from crm.api import operator_case  # noqa: F401  (registers the screen-pop, thread and report routes)
