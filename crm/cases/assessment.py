"""Tier-1 assessment and its outcomes: resolve, inform a facility, escalate, or schedule a call-back.

A claimed case (in_progress) gets a reason, the red flags the operator ticked and notes, then exactly
one outcome. The outcome starts the operator's wrap-up; when it runs out (or the operator says they
are ready) a resolved case is closed. Every step is a case event, so the report and the KPIs are
read from the timeline. Functions take `now` so tests can drive the clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from crm.cases import dispositions, legs, lifecycle, policy, tier2, timeline
from crm.cases.queue import SCHEDULED, TIER1  # noqa: F401  (the board and pages read them here)
from crm.cases.status import ENDED, WORKED, Status
from crm.helpline import presence
from crm.helpline.live import events
from crm.helpline.messages import notices
from crm.helpline.screenpop import masked_patient
from crm.models import Case, Facility, Patient, StaffUser
from crm.models.base import iso, utcnow
from crm.platform import outbox, phones, sms_templates
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.platform.security.bounds import optional_id
from crm.residents import lookup as lookups
from crm.residents.cards import number as card_number
from triage import checklist, specialties

MAX_CALLBACK_AHEAD = timedelta(days=7)
SPECIALTIES = specialties.CODES  # what an operator may escalate to: the one registry
_FLAGS = {item["id"]: item for item in checklist("en")}
_ORDER = list(_FLAGS)


def offer(red_flags: list[str]) -> dict | None:
    """What the ticked flags call for: emergency escalation for any P1, urgent for P2, else None."""
    ticked = [_FLAGS[f] for f in red_flags if f in _FLAGS]
    if not ticked:
        return None
    top = min(ticked, key=lambda f: (f["priority"], _ORDER.index(f["id"])))
    urgency = "emergency" if top["priority"] == "P1" else "urgent"
    return {"urgency": urgency, "specialty": top["specialty"], "priority": top["priority"],
            "flags": [{"id": f["id"], "label": f["label"], "priority": f["priority"]} for f in ticked]}


def save(case: Case, staff: StaffUser, reason: str | None, red_flags: list[str] | None, notes: str = "",
         now: datetime | None = None) -> dict | None:
    """Record reason, red flags and a note; returns the escalation offer the flags call for."""
    ensure_editable(case, staff)
    now = now or utcnow()
    flags = sorted(set(red_flags if red_flags is not None else case.red_flags or []), key=_flag_order)
    if unknown := [f for f in flags if f not in _FLAGS]:
        raise Refused("unknown_flag", f"Unknown red flag {unknown[0]!r}.", 422)
    reason = (reason if reason is not None else case.reason or "").strip()[:300] or None
    if reason != case.reason or flags != list(case.red_flags or []):
        if case.status != Status.IN_PROGRESS:  # the outcome was decided on this assessment: keep it as it was
            raise Refused("assessment_closed", "The assessment closed with the outcome; add a note instead.")
        case.reason, case.red_flags = reason, flags
        timeline.add_event(case, "assessed", staff_id=staff.id, reason=reason, red_flags=flags)
        flagged = offer(flags)
        if flagged and flagged["priority"] < (case.priority or "P4"):
            case.priority = flagged["priority"]  # the queue and the report show how urgent it really was
    if notes and notes.strip():
        timeline.add_event(case, "note", staff_id=staff.id, text=notes.strip()[:4000])
    case.updated_at = now
    events.case_changed(case, "case.assessed")
    return offer(flags)


ENDING = ("end", "keep")  # a contact that ends at tier 1: the call is ended (the default) or explicitly kept
HANDING_OVER = ("keep", "leave")  # an escalation: the operator stays for the warm hand-over (default) or leaves


def resolve(case: Case, staff: StaffUser, code: str, advice: str, now: datetime | None = None,
            call: str | None = None) -> Case:
    """Resolved at tier 1 with a disposition code and the advice given; the call ends unless `call` is 'keep'."""
    _workable(case, staff)
    found = dispositions.disposition(code or "")
    if found is None:
        raise Refused("unknown_disposition", "Choose a disposition code.", 422)
    advice = (advice or "").strip()[:4000]
    if found.needs_advice and not advice:
        raise Refused("advice_required", f"Write the advice given ({found.en}).", 422)
    if code != "emergency_108":
        _no_open_emergency(case)
    call = legs.choice(call, ENDING, "end")
    case.disposition, case.advice = code, advice or None
    lifecycle.resolve(case, staff, "resolved", "resolved", disposition=code)
    _wrap_up(case, staff, now or utcnow(), call, "resolved")
    return case


def inform(case: Case, staff: StaffUser, facility_id: int, message: str, code: str | None = None,
           advice: str = "", now: datetime | None = None, call: str | None = None) -> Case:
    """Tell the health staff on duty at a facility (SMS to a mobile duty phone; a landline the operator calls) and
    end the contact."""
    _workable(case, staff)
    _no_open_emergency(case)
    call = legs.choice(call, ENDING, "end")
    facility = db.session.get(Facility, facility_id) if facility_id else None
    if facility is None:
        raise Refused("unknown_facility", "Choose the facility to inform.", 422)
    if not facility.phone:
        raise Refused("no_duty_phone", f"{facility.name} has no duty phone on record.", 409)
    message = (message or "").strip()[:240]
    if not message:
        raise Refused("message_required", "Write what the facility should know or do.", 422)
    if code and dispositions.disposition(code) is None:
        raise Refused("unknown_disposition", "Unknown disposition code.", 422)
    # A landline duty phone (most facilities' are) takes no SMS: nothing is queued, the operator calls it and reads
    # the note out (the desk says so); the note stays on the timeline either way.
    textable = phones.can_receive_sms(facility.phone)
    sms = outbox.queue_sms(facility.phone, facility_text(case, facility), case=case, kind="inform",
                           staff_id=staff.id) if textable else None
    case.disposition, case.advice = code or case.disposition, advice.strip()[:4000] or case.advice
    lifecycle.resolve(case, staff, "informed", "informed", facility=facility.code, facility_name=facility.name,
                      message_id=sms.id if sms else None, by="sms" if textable else "phone", note=message)
    _wrap_up(case, staff, now or utcnow(), call, "informed")
    return case


def facility_text(case: Case, facility: Facility) -> str:
    """The SMS to a facility's mobile duty phone: a registered text (DLT) with the reference, a masked patient and
    the helpline to call for the details (the operator's own words cannot be texted; they are on the case)."""
    patient = db.session.get(Patient, case.patient_id) if case.patient_id else None
    who = masked_patient(patient) if patient else "caller not identified"
    phone = phones.masked(case.caller_phone) if (case.caller_phone or "").startswith("+") else "no number"
    return sms_templates.render("facility_inform", "en", code=facility.code, ref=case.reference, who=who, phone=phone,
                                helpline=sms_templates.helpline())


def attach_patient(case: Case, staff: StaffUser, query: dict) -> dict:
    """Link the caller to a patient found by card (scanned or typed) or phone; the lookup is audited."""
    ensure_editable(case, staff)
    if optional_id(query.get("patient_id")):  # picked from the household or the phone's matches
        view = lookups.view_patient(optional_id(query["patient_id"]), case_id=case.id, via="pick", viewer=staff)
        via = "pick"
    else:
        view = lookups.lookup(query, case_id=case.id, viewer=staff)  # a refusal propagates: the handler says why
        via = next(k for k in lookups.KINDS if query.get(k))
    case.patient_id = view["patient"]["id"]
    card = view["card"]["number"] if view.get("card") and via in ("qr", "card_number") else None
    timeline.add_event(case, "patient_attached", staff_id=staff.id, via=via,
                       card=card_number.masked(card) if card else None)
    events.case_changed(case, "case.identified")
    return view


def escalate(case: Case, staff: StaffUser, specialty: str | None, urgency: str, summary: str,
             now: datetime | None = None, call: str | None = None) -> Case:
    """Hand the case to tier 2 (a P1 raises the alarm); the operator goes into wrap-up. Their leg stays for the warm
    hand-over (they are on call until they leave it) unless `call` is 'leave'; the caller is never hung up on."""
    _workable(case, staff)
    call = legs.choice(call, HANDING_OVER, "keep")
    tier2.escalate(case, staff, specialty or None, urgency, summary or "")
    _wrap_up(case, staff, now or utcnow(), call, "escalated")
    return case


EMERGENCY_SUMMARY = "Raised to P1 by the operator (emergency key)"


def raise_emergency(case: Case, staff: StaffUser, note: str = "", now: datetime | None = None) -> Case:
    """The operator's one key: whatever triage said, the case goes to the doctors as an emergency and rings them."""
    note = " ".join((note or "").split())[:500]
    return escalate(case, staff, case.specialty, "emergency", f"{EMERGENCY_SUMMARY}. {note}" if note else EMERGENCY_SUMMARY,
                    now)


def schedule_callback(case: Case, staff: StaffUser, due_at: datetime, note: str = "",
                      now: datetime | None = None, call: str | None = None) -> Case:
    """Promise a call-back: the case waits out of the queue until due, then any operator takes it."""
    _workable(case, staff)
    _no_open_emergency(case)
    call = legs.choice(call, ENDING, "end")
    now = now or utcnow()
    if due_at.tzinfo is None:
        raise Refused("bad_time", "Give the call-back time with its UTC offset.", 422)
    if due_at < now - timedelta(minutes=1) or due_at > now + MAX_CALLBACK_AHEAD:
        raise Refused("bad_time", "A call-back must be due between now and 7 days from now.", 422)
    if not (case.caller_phone or "").startswith("+"):
        raise Refused("no_number", "The caller's number is withheld: there is nobody to call back.", 409)
    lifecycle.schedule_callback(case, staff, due_at, due=iso(due_at), note=(note or "").strip()[:500] or None)
    notices.callback_scheduled(case, staff.id)  # the caller is told when
    _wrap_up(case, staff, now, call, "callback_scheduled")
    return case


def end_wrap_up(staff: StaffUser, now: datetime | None = None, call: str | None = None) -> list[Case]:
    """The operator is ready: close what they resolved and make them available. A leg still up is refused unless
    `call` says 'end' (the call of a finished case ends) or 'leave' (their own leg of a case handed over goes)."""
    now = now or utcnow()
    if holding := presence.live_cases(staff):
        raise Refused("still_working", f"You are working {holding[0].reference}: give it an outcome first.")
    if call in ("end", "leave"):
        for case_id in sorted({leg.case_id for leg in legs.live_legs(staff.id) if leg.case_id}):
            case = db.session.get(Case, case_id)
            # Only a finished case's call is ended for everyone; from a case handed over they only leave.
            legs.settle(case, staff, "end" if call == "end" and case.status in ENDED else "leave", "ready")
    legs.ensure_free(staff)  # refused while the phone still says they are on a call
    wrapping = list(db.session.scalars(select(Case).where(Case.assigned_to_id == staff.id, Case.wrap_up_until > now)))
    for case in wrapping:
        case.wrap_up_until = now
    db.session.flush()
    closed = lifecycle.close_due(now)
    presence.set_presence(staff, "available", now)
    presence.announce([staff.id])
    return closed


def settle(now: datetime | None = None) -> dict[str, list]:
    """Everything time moves on: wrap-ups that ran out, cases to close, call-backs now due."""
    now = now or utcnow()
    settled = {"closed": lifecycle.close_due(now), "available": presence.expire_wrap_ups(now),
               "due": lifecycle.release_due_callbacks(now)}
    presence.announce(settled["available"])
    return settled


def _workable(case: Case, staff: StaffUser) -> None:
    if case.status != Status.IN_PROGRESS:
        raise Refused("not_in_progress", f"Case {case.reference} is {case.status.replace('_', ' ')}; "
                                                 "it takes an outcome only while someone works it.")
    _mine(case, staff)


def ensure_editable(case: Case, staff: StaffUser) -> None:
    """Refuse unless this staff member may still add to the case (theirs, not closed)."""
    if case.status not in WORKED:
        raise Refused("closed", f"Case {case.reference} is {case.status}: it can no longer be changed.")
    _mine(case, staff)


def _mine(case: Case, staff: StaffUser) -> None:
    policy.ensure_may_act(case, staff)


def _no_open_emergency(case: Case) -> None:
    """A ticked P1 flag is never closed as routine: escalate it, or record that 108 was called."""
    flagged = offer(list(case.red_flags or []))
    if flagged and flagged["urgency"] == "emergency":
        names = ", ".join(f["label"] for f in flagged["flags"] if f["priority"] == "P1")
        raise Refused("red_flag", f"Red flag ticked ({names}): escalate as an emergency, or resolve as "
                                          "'Told to call 108'.")


def _wrap_up(case: Case, staff: StaffUser, now: datetime, call: str, why: str) -> None:
    case.wrap_up_until = presence.start_wrap_up(staff, now)
    legs.settle(case, staff, call, why)
    presence.announce([staff.id])


def _flag_order(flag: str) -> int:
    return _ORDER.index(flag) if flag in _ORDER else len(_ORDER)
