"""An officer's work on one grievance: internal notes, replies to the citizen, transfers to another desk."""

from __future__ import annotations

from sqlalchemy import select

from crm.cases import channels
from crm.citizens.grievances import desks, services
from crm.models import Case, Facility, Grievance, GrievanceEvent, StaffUser
from crm.models.base import utcnow
from crm.platform import audit, outbox
from crm.platform.errors import Refused
from crm.platform.extensions import db

MAX_REASON = 500
HISTORY = 500


def note(grievance: Grievance, staff: StaffUser, body: str) -> GrievanceEvent:
    """An internal note: staff read it, the citizen never does."""
    services.ensure_may_act(grievance, staff)
    event = services.record(grievance, "note", services.answer_text(body, "note"), staff)
    audit.record("grievance_note", patient_id=grievance.patient_id, staff_id=staff.id, grievance=grievance.id)
    return event


def reply(grievance: Grievance, staff: StaffUser, body: str) -> GrievanceEvent:
    """Answer the citizen before resolving, the way they came: on WhatsApp the words themselves (inside its 24-hour
    window); by SMS, the portal or an operator, the words in the portal and a registered SMS saying so (DLT)."""
    services.ensure_may_act(grievance, staff)
    if grievance.status not in services.OPEN:
        raise Refused("grievance_state", f"{grievance.reference} is {grievance.status}: it is answered already.", 409)
    body = services.answer_text(body, "reply")
    channel = _send(grievance, body)
    if grievance.status == "open":
        grievance.status = "in_progress"
    grievance.officer_id, grievance.updated_at = staff.id, utcnow()
    event = services.record(grievance, "reply", body, staff, channel=channel, status=grievance.status)
    audit.record("grievance_reply", patient_id=grievance.patient_id, staff_id=staff.id, grievance=grievance.id,
                 channel=channel)
    return event


def transfer(grievance: Grievance, staff: StaffUser, desk: str, reason: str) -> Grievance:
    """Hand the grievance to another desk, saying why; its deadline stays."""
    services.ensure_may_act(grievance, staff)
    if grievance.status not in services.OPEN:
        raise Refused("grievance_state", f"{grievance.reference} is {grievance.status}; only an open one moves.", 409)
    desk = str(desk or "").strip()
    if not desks.is_desk(desk):
        raise Refused("bad_desk", "Choose a section or a facility's desk.", 422)
    if desk == grievance.routed_to:
        raise Refused("same_desk", f"{grievance.reference} is on that desk already.", 409)
    reason = str(reason or "").strip()
    if not 3 <= len(reason) <= MAX_REASON:
        raise Refused("reason_required", f"Say why it goes there (3 to {MAX_REASON} characters).", 422)
    before, grievance.routed_to, grievance.updated_at = grievance.routed_to, desk, utcnow()
    services.record(grievance, "transfer", reason, staff, from_desk=before, to_desk=desk)
    audit.record("grievance_transfer", patient_id=grievance.patient_id, staff_id=staff.id, grievance=grievance.id,
                 from_desk=before, to_desk=desk)
    return grievance


def history(grievance: Grievance) -> list[GrievanceEvent]:
    """Every step of the grievance, oldest first (bounded)."""
    return list(db.session.scalars(select(GrievanceEvent).where(GrievanceEvent.grievance_id == grievance.id)
                                   .order_by(GrievanceEvent.id).limit(HISTORY)))


def transfer_desks() -> list[tuple[str, str]]:
    """The desks a grievance can go to: every section, and each facility with an officer, by name."""
    staffed = select(StaffUser.section).where(StaffUser.role == "officer", StaffUser.active.is_(True))
    facilities = db.session.execute(select(Facility.code, Facility.name).where(Facility.code.in_(staffed))
                                    .order_by(Facility.name).limit(500)).all()
    return [*desks.sections().items(), *((code, f"{name} ({code})") for code, name in facilities)]


def _send(grievance: Grievance, body: str) -> str:
    """Send the reply; returns how it reached the citizen ('whatsapp', 'sms' or 'portal')."""
    if not grievance.phone:
        return "portal"
    if grievance.channel == "whatsapp":
        try:  # WhatsApp's 24-hour rule, asked through the case domain's port (an unsaved case: only its number counts)
            channels.ensure_free_form_allowed(Case(caller_phone=grievance.phone, channel="whatsapp"), "whatsapp")
        except Refused:
            pass  # the 24-hour window is closed: a registered SMS says where to read the reply
        else:
            outbox.queue_sms(grievance.phone, f"{grievance.reference}: {body}", kind="grievance", channel="whatsapp")
            return "whatsapp"
    services.tell(grievance, "reply")
    return "sms"
