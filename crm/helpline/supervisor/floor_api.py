"""Floor control, every URL of it: take over, reassign, move between queues, raise priority (case transitions of the
case domain, crm.cases.floor), and set an operator's or doctor's state (crm.helpline.supervisor.floor_control)."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from crm.cases import floor
from crm.helpline import presence
from crm.helpline.api.cases import case_json
from crm.helpline.supervisor import floor_control
from crm.helpline.supervisor.views import api as supervisor_api
from crm.models import Case, StaffUser
from crm.models.base import iso
from crm.platform import phone
from crm.platform.api import body, bounded_int, bp
from crm.platform.errors import load
from crm.staff.auth.capabilities import allow


def _ring_in(case: Case, staff: StaffUser) -> str:
    """Bring the new holder into a live call; the change stands even if the phone system fails."""
    if case.channel != "voice":
        return "sms"
    try:
        return phone.system().join(case, staff)
    except phone.PhoneFailed:
        return "failed"  # on the timeline already


@bp.post("/cases/<int:case_id>/take-over")
@allow("act_for_others")
def take_over(case_id: int):
    """The supervisor takes over a case an operator is working, with a reason."""
    case = floor.take_over(load(Case, case_id, "case"), current_user, str(body().get("reason", "")))
    return jsonify(case_json(case) | {"connection": _ring_in(case, current_user)})


@bp.post("/cases/<int:case_id>/reassign")
@allow("act_for_others")
def reassign(case_id: int):
    """Give the case to another operator or doctor (`staff_id`), with a reason."""
    data = body()
    to = load(StaffUser, bounded_int(data.get("staff_id"), "staff_id"), "staff member")
    case = floor.reassign(load(Case, case_id, "case"), current_user, to, str(data.get("reason", "")))
    return jsonify(case_json(case) | {"connection": _ring_in(case, to)})


@bp.post("/cases/<int:case_id>/move")
@allow("act_for_others")
def move(case_id: int):
    """Move a waiting case to another queue (`queue`), with a reason."""
    data = body()
    case = floor.move_queue(load(Case, case_id, "case"), current_user, str(data.get("queue", "")),
                            str(data.get("reason", "")))
    return jsonify(case_json(case))


@bp.post("/cases/<int:case_id>/priority")
@allow("act_for_others")
def priority(case_id: int):
    """Raise a case's priority (`priority`: P1..P3), with a reason."""
    data = body()
    case = floor.raise_priority(load(Case, case_id, "case"), current_user, str(data.get("priority", "")),
                                str(data.get("reason", "")))
    return jsonify(case_json(case))


@supervisor_api.put("/agents/<int:staff_id>/state")
@allow("supervise")
def agent_state(staff_id: int):
    """Set an operator's or doctor's state (available, break, offline) with a reason."""
    agent = load(StaffUser, staff_id, "operator or doctor")
    data = body()
    floor_control.set_state(current_user, agent, str(data.get("state", "")), str(data.get("reason", "")))
    presence.announce([agent.id])
    return jsonify({"id": agent.id, "state": agent.presence, "since": iso(agent.presence_since)})
