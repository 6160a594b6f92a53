"""The helpline's contacts as FHIR R4: cases as Encounters, SMS as Communications, Appointments, AuditEvents.

A case is one contact with the helpline, so it is an Encounter of class VR (virtual) for calls and
texts, AMB for a desk visit. Hospital-sent resources are served back as stored, with ids "h<row>" so
they never collide with Sampark's own Encounters.
"""

from __future__ import annotations

from datetime import timedelta

from crm.hospitals.fhir import identifiers as ids
from crm.hospitals.fhir import resources
from crm.models import Appointment, AuditLog, Case, HospitalRecord, Message
from crm.models.base import iso

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ACT_PRIORITY = "http://terminology.hl7.org/CodeSystem/v3-ActPriority"
PARTICIPATION_MODE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
AUDIT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
RESTFUL = "http://hl7.org/fhir/restful-interaction"
ENCOUNTER_STATUS = {"ivr": "arrived", "queued": "arrived", "callback": "planned", "in_progress": "in-progress",
                    "escalated": "triaged", "with_doctor": "in-progress", "resolved": "finished",
                    "abandoned": "cancelled", "closed": "finished"}
PRIORITY = {"P1": ("EM", "emergency"), "P2": ("UR", "urgent"), "P3": ("R", "routine"), "P4": ("R", "routine")}
COMMUNICATION_STATUS = {"delivered": "completed", "sent": "completed", "received": "completed", "read": "completed",
                        "failed": "not-done", "undelivered": "not-done", "blocked": "not-done", "canceled": "stopped"}
APPOINTMENT_STATUS = {"booked": "booked", "cancelled": "cancelled", "moved": "cancelled"}


def encounter(c: Case) -> dict:
    """A case as an Encounter: who, when, how urgent, why, who advised."""
    code, text = PRIORITY.get(c.priority, PRIORITY["P4"])
    klass = ("AMB", "ambulatory") if c.channel == "desk" else ("VR", "virtual")
    resource = {"resourceType": "Encounter", "id": str(c.id), **resources.meta(c.updated_at),
                "identifier": [{"system": ids.CASE, "value": c.reference}],
                "status": ENCOUNTER_STATUS.get(c.status, "unknown"),
                "class": {"system": ACT_CODE, "code": klass[0], "display": klass[1]},
                "type": [{"text": f"Helpline {c.channel}"}],
                "priority": {"coding": [{"system": ACT_PRIORITY, "code": code, "display": text}], "text": c.priority},
                "period": {"start": iso(c.created_at), **({"end": iso(c.closed_at)} if c.closed_at else {})}}
    if c.patient_id:
        resource["subject"] = {"reference": f"Patient/{c.patient_id}"}
    if c.doctor_id:
        resource["participant"] = [{"individual": {"reference": f"Practitioner/{c.doctor_id}"}}]
    reasons = [r for r in (c.reason, c.specialty and f"Referred to {c.specialty.replace('_', ' ')}") if r]
    if reasons:
        resource["reasonCode"] = [{"text": r} for r in reasons]
    if c.disposition or c.outcome:
        resource["hospitalization"] = {"dischargeDisposition": {"text": (c.disposition or c.outcome).replace("_", " ")}}
    return resource


def communication(m: Message, patient_id: int | None) -> dict:
    """An SMS to or from the helpline; the citizen's number is not repeated (the Patient has it)."""
    resource = {"resourceType": "Communication", "id": str(m.id),
                "status": COMMUNICATION_STATUS.get(m.status, "in-progress" if m.direction == "outbound" else "completed"),
                "medium": [{"coding": [{"system": PARTICIPATION_MODE, "code": "SMSWRIT", "display": "SMS message"}]}],
                "payload": [{"contentString": m.body}]}
    if m.case_id:
        resource["encounter"] = {"reference": f"Encounter/{m.case_id}"}
    if patient_id:
        citizen = {"reference": f"Patient/{patient_id}"}
        resource["subject"] = citizen
        helpline = {"display": "Sampark helpline"}
        resource["sender"], resource["recipient"] = (citizen, [helpline]) if m.direction == "inbound" else (helpline, [citizen])
    if m.sent_at or m.created_at:
        resource["sent"] = iso(m.sent_at or m.created_at)
    if m.language:
        resource["language"] = m.language[:2]
    return resource


def appointment(a: Appointment) -> dict:
    """A booking into a doctor's slot at a facility."""
    slot = a.slot
    participants = [{"actor": {"reference": f"Practitioner/{slot.doctor_id}", "display": slot.doctor.name}, "status": "accepted"},
                    {"actor": {"reference": f"Location/{slot.facility_id}", "display": slot.facility.name}, "status": "accepted"}]
    if a.patient_id:
        participants.insert(0, {"actor": {"reference": f"Patient/{a.patient_id}"}, "status": "accepted"})
    resource = {"resourceType": "Appointment", "id": str(a.id), "status": APPOINTMENT_STATUS.get(a.status, "booked"),
                "serviceType": [{"text": slot.specialty.replace("_", " ")}],
                "start": iso(slot.starts_at), "end": iso(slot.starts_at + timedelta(minutes=slot.minutes)),
                "minutesDuration": slot.minutes, "created": iso(a.created_at), "participant": participants}
    if a.status == "moved":
        resource["cancelationReason"] = {"text": "moved to another slot"}
    if a.case_id:
        resource["supportingInformation"] = [{"reference": f"Encounter/{a.case_id}"}]
    return resource


def audit_event(row: AuditLog) -> dict:
    """One row of the access log as an AuditEvent (what a hospital client did, as Sampark recorded it)."""
    detail = row.detail or {}
    write = row.action in ("fhir_ingest",)
    resource = {"resourceType": "AuditEvent", "id": str(row.id),
                "type": {"system": AUDIT_TYPE, "code": "rest", "display": "RESTful Operation"},
                "subtype": [{"system": RESTFUL, "code": "transaction" if write else str(detail.get("interaction", "read"))}],
                "action": "C" if write else "R", "recorded": iso(row.at),
                "outcome": "0" if not detail.get("refused") else "4",
                "agent": [{"who": {"display": detail.get("client") or "Sampark staff"}, "requestor": True,
                           **({"network": {"address": row.ip, "type": "2"}} if row.ip else {})}],
                "source": {"observer": {"display": "Sampark helpline FHIR server"}}}
    if row.patient_id:
        resource["entity"] = [{"what": {"reference": f"Patient/{row.patient_id}"}}]
    return resource


def hospital_resource(record: HospitalRecord) -> dict:
    """A resource a hospital sent, as stored (its references already point at Sampark's ids)."""
    stored = dict(record.resource)
    stored["id"] = f"h{record.id}"
    stored["meta"] = {"versionId": str(record.version or 1), "lastUpdated": iso(record.updated_at),
                      "source": f"#client-{record.client_id}"}
    return stored
