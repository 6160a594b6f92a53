"""Floor control that is not a case transition: a supervisor sets an operator's or doctor's state
(offline at the end of a shift, back from a break). Case transitions are crm.cases.floor."""

from __future__ import annotations

from crm.helpline import presence
from crm.models import StaffUser
from crm.models.base import utcnow
from crm.platform import audit
from crm.platform.errors import Refused

SETTABLE = ("available", "break", "offline")




def set_state(supervisor: StaffUser, agent: StaffUser | None, state: str, reason: str) -> StaffUser:
    """Set an agent's state for them, with the reason; refused while they hold a live case (flushed)."""
    if agent is None or agent.role not in ("operator", "doctor") or not agent.active:
        raise Refused("not_found", "No such operator or doctor.", 404)
    if state not in SETTABLE:
        raise Refused("bad_state", f"State must be one of {', '.join(SETTABLE)}.", 422)
    reason = (reason or "").strip()[:200]
    if not reason:
        raise Refused("reason_required", "Say why (it is kept in the audit log).", 422)
    before = agent.presence
    try:
        presence.set_presence(agent, state, utcnow())
    except Refused as exc:
        raise Refused("agent_busy", exc.message.replace("You are", f"{agent.name} is"), 409) from exc
    if agent.role == "doctor":
        agent.on_duty = state == "available"  # who is alarmed for emergencies follows the doctor's state
    audit.record("set_agent_state", staff_id=supervisor.id, agent=agent.id, before=before, after=state, reason=reason)
    return agent


