"""Cases: list and follow them, claim the next or a given one."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import select

from crm.cases import lifecycle
from crm.models import Case, StaffUser
from crm.models.base import iso
from crm.platform import audit, phone, phones
from crm.platform.api import bp
from crm.platform.errors import Refused, load
from crm.platform.extensions import db
from crm.platform.security.bounds import page_size
from crm.staff.auth.capabilities import allow


def case_json(case: Case, timeline: bool = False) -> dict:
    """A case for the API; the caller's number masked as everywhere outside the patient panel."""
    data = {
        "id": case.id, "reference": case.reference, "channel": case.channel, "status": case.status,
        "priority": case.priority, "specialty": case.specialty, "language": case.language, "queue": case.queue,
        "caller": phones.masked(case.caller_phone), "patient_id": case.patient_id,
        "assigned_to": case.assigned_to_id, "created_at": iso(case.created_at), "queued_at": iso(case.queued_at),
        "claimed_at": iso(case.claimed_at), "callback_requested_at": iso(case.callback_requested_at),
        "abandoned_at": iso(case.abandoned_at), "closed_at": iso(case.closed_at),
    }
    if timeline:
        names = {s.id: s.name for s in db.session.scalars(select(StaffUser).where(
            StaffUser.id.in_({e.staff_id for e in case.events if e.staff_id})))}
        data["timeline"] = [{"at": iso(e.at), "kind": e.kind, "staff": names.get(e.staff_id), "detail": e.detail}
                            for e in case.events]
        data["calls"] = [{"sid": c.sid, "purpose": c.purpose, "status": c.status, "queue_result": c.queue_result,
                          "queue_seconds": c.queue_seconds, "duration": c.duration} for c in case.calls]
        data["messages"] = [{"id": m.id, "direction": m.direction, "status": m.status, "body": m.body,
                             "created_at": iso(m.created_at)} for m in case.messages]
    return data


@bp.get("/cases")
@allow("read_cases")
def list_cases():
    """Cases, newest first; filters phone, status, channel, priority."""
    query = select(Case).order_by(Case.id.desc()).limit(page_size(request.args.get("limit"), 100, 500))
    if request.args.get("phone"):
        try:
            query = query.where(Case.caller_phone == phones.normalize(request.args["phone"]))
        except phones.PhoneError as exc:
            raise Refused("bad_phone", str(exc), 422) from exc
    for name in ("status", "channel", "priority", "queue"):
        if request.args.get(name):
            query = query.where(getattr(Case, name) == request.args[name])
    found = list(db.session.scalars(query))
    audit.record_cases("list_cases", found, via="api")
    return jsonify(cases=[case_json(c) for c in found])


@bp.get("/cases/<int:case_id>")
@allow("read_cases")
def get_case(case_id: int):
    """One case with its timeline, calls and messages."""
    case = load(Case, case_id, "case")
    audit.record("view_case", case_id=case.id, patient_id=case.patient_id, via="api")
    return jsonify(case_json(case, timeline=True))


@bp.post("/cases/<int:case_id>/claim")
@allow("work_tier1")
def claim(case_id: int):
    """Answer this case: 200 for the one who wins, 409 for everyone else."""
    case = lifecycle.claim(case_id, current_user)
    if case is None:
        load(Case, case_id, "case")  # 404 for a case that does not exist (only the loser of a claim asks)
        raise Refused("claimed_by_other", "Someone else answered this case first.", 409)
    return connected(case)


@bp.post("/queues/tier1/next")
@allow("work_tier1")
def claim_next():
    """Answer the most urgent, longest-waiting tier-1 case."""
    case = lifecycle.claim_next(current_user)
    if case is None:
        raise Refused("queue_empty", "Nobody is waiting.", 409)
    return connected(case)


def connected(case: Case):
    """After a claim: the caller and the operator into the call; the answer says how it went."""
    try:
        how = phone.system().connect(case, current_user)
    except phone.PhoneFailed:
        how = "failed"  # the claim stands; the operator sees the failure and can call back
    return jsonify(case_json(case) | {"connection": how})
