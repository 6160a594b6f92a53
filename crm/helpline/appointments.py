"""Appointments: open slots, booking without double booking, cancel, reschedule, reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from crm.cases import languages, policy, timeline
from crm.models import Appointment, Case, Patient, Slot, StaffUser
from crm.models.base import local, utcnow
from crm.platform import outbox, phones, sms_templates
from crm.platform.errors import Refused
from crm.platform.extensions import db


def open_slots(specialty: str | None = None, after: datetime | None = None, limit: int = 50) -> list[Slot]:
    """Future slots nobody has booked, of doctors whose accounts are enabled, earliest first."""
    booked = select(Appointment.slot_id).where(Appointment.status == "booked")
    enabled = select(StaffUser.id).where(StaffUser.active.is_(True))
    query = select(Slot).where(Slot.starts_at >= (after or utcnow()), Slot.id.not_in(booked),
                               Slot.doctor_id.in_(enabled))
    if specialty:
        query = query.where(Slot.specialty == specialty)
    return list(db.session.scalars(query.order_by(Slot.starts_at, Slot.id).limit(limit)))


def book(slot_id: int, case: Case, staff: StaffUser) -> Appointment:
    """Book `slot_id` for the case's patient and text the confirmation; refused (409) if it went first."""
    policy.ensure_may_act(case, staff)
    patient = db.session.get(Patient, case.patient_id) if case.patient_id else None
    appointment = _place(slot_id, case, patient, case.caller_phone,
                         case.language or (patient.preferred_language if patient else None) or "hi", staff.id)
    timeline.add_event(case, "appointment_booked", staff_id=staff.id, appointment_id=appointment.id,
                       when=appointment.slot.starts_at.isoformat(), facility=appointment.slot.facility.code)
    _text(appointment, "booked", case)
    return appointment


def _place(slot_id: int, case: Case | None, patient: Patient | None, phone: str | None, language: str,
           booked_by_id: int | None) -> Appointment:
    """The booking rule every path shares: a future slot, at most one live booking of it (the index decides)."""
    slot = db.session.get(Slot, slot_id)
    if slot is None:
        raise Refused("cannot_book", "No such slot.", 422)
    if slot.starts_at.replace(tzinfo=None) < utcnow().replace(tzinfo=None):
        raise Refused("cannot_book", "That slot is in the past.", 422)
    if not slot.doctor.active:  # a doctor who has left (account disabled) sees nobody
        raise Refused("cannot_book", "That doctor is no longer taking appointments; choose another slot.", 422)
    appointment = Appointment(slot=slot, patient=patient, case_id=case.id if case else None, phone=phone,
                              booked_by_id=booked_by_id, language=language)
    db.session.add(appointment)
    try:
        db.session.flush()  # the partial unique index refuses a second live booking of the slot
    except IntegrityError as exc:
        db.session.rollback()
        raise Refused("slot_taken", "That slot was just booked by someone else; choose another.", 409) from exc
    return appointment


def cancel(appointment: Appointment, staff: StaffUser, notify: bool = True) -> Appointment:
    """Cancel a booking (the slot opens again) and tell the patient."""
    policy.ensure_may_change_appointment(appointment, staff)
    if appointment.status != "booked":
        raise Refused("cannot_book", f"The appointment is already {appointment.status}.", 409)
    appointment.status, appointment.cancelled_at = "cancelled", utcnow()
    case = db.session.get(Case, appointment.case_id) if appointment.case_id else None
    if case is not None:
        timeline.add_event(case, "appointment_cancelled", staff_id=staff.id, appointment_id=appointment.id)
    if notify:
        _text(appointment, "cancelled", case)
    return appointment


def reschedule(appointment: Appointment, slot_id: int, staff: StaffUser) -> Appointment:
    """Move a booking to another slot: the new one is booked before the old one is let go."""
    policy.ensure_may_change_appointment(appointment, staff)
    if appointment.status != "booked":
        raise Refused("cannot_book", f"The appointment is already {appointment.status}.", 409)
    case = db.session.get(Case, appointment.case_id)
    new = book(slot_id, case, staff)
    appointment.status, appointment.cancelled_at, appointment.moved_to_id = "moved", utcnow(), new.id
    timeline.add_event(case, "appointment_moved", staff_id=staff.id, appointment_id=appointment.id, to=new.id)
    return new


# A citizen changes their own booking only until this long before it, so the doctor's list for the session
# is settled; nearer the time they call the helpline.
CITIZEN_CUTOFF = timedelta(hours=2)


def ensure_citizen_may_change(appointment: Appointment, now: datetime | None = None) -> None:
    """A booked appointment, not within CITIZEN_CUTOFF of its start."""
    if appointment.status != "booked":
        raise Refused("cannot_book", f"The appointment is already {appointment.status}.", 409)
    starts = appointment.slot.starts_at
    if starts.replace(tzinfo=None) - (now or utcnow()).replace(tzinfo=None) < CITIZEN_CUTOFF:
        raise Refused("too_late", _("It is too close to the appointment to change it online; call the helpline."), 409)


def cancel_by_citizen(appointment: Appointment) -> Appointment:
    """The patient cancels online (the slot opens again); on the case timeline as done by the citizen."""
    ensure_citizen_may_change(appointment)
    appointment.status, appointment.cancelled_at = "cancelled", utcnow()
    case = db.session.get(Case, appointment.case_id) if appointment.case_id else None
    if case is not None:
        timeline.add_event(case, "appointment_cancelled", appointment_id=appointment.id, by="citizen")
    _text(appointment, "cancelled", case)
    return appointment


def citizen_choices(appointment: Appointment, limit: int = 30) -> list[Slot]:
    """Where a patient may move their booking: open slots of the same specialty, past the cut-off."""
    return open_slots(appointment.slot.specialty, after=utcnow() + CITIZEN_CUTOFF, limit=limit)


def reschedule_by_citizen(appointment: Appointment, slot_id: int) -> Appointment:
    """The patient moves their booking to another open slot of the same specialty (new booked before old freed)."""
    ensure_citizen_may_change(appointment)
    slot = db.session.get(Slot, slot_id)
    if slot is None or slot.specialty != appointment.slot.specialty:
        raise Refused("cannot_book", _("Choose one of the times offered for this appointment."), 422)
    if slot.starts_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None) < CITIZEN_CUTOFF:
        raise Refused("too_late", _("That time is too close; choose a later one."), 422)
    case = db.session.get(Case, appointment.case_id) if appointment.case_id else None
    new = _place(slot_id, case, appointment.patient, appointment.phone, appointment.language, None)
    appointment.status, appointment.cancelled_at, appointment.moved_to_id = "moved", utcnow(), new.id
    if case is not None:
        timeline.add_event(case, "appointment_moved", appointment_id=appointment.id, to=new.id, by="citizen")
    _text(new, "booked", case)
    return new


def send_reminders(now: datetime | None = None) -> int:
    """Text tomorrow's patients once (a sweep: a reminder is claimed by a conditional UPDATE)."""
    now = now or utcnow()
    start = (local(now) + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    due = select(Appointment.id).join(Slot).where(
        Appointment.status == "booked", Appointment.reminder_sent_at.is_(None),
        Slot.starts_at >= start, Slot.starts_at < start + timedelta(days=1))
    sent = 0
    for appointment_id in list(db.session.scalars(due)):
        claimed = db.session.execute(
            update(Appointment).where(Appointment.id == appointment_id, Appointment.reminder_sent_at.is_(None))
            .values(reminder_sent_at=now).execution_options(synchronize_session=False)).rowcount
        if claimed:
            appointment = db.session.get(Appointment, appointment_id)
            _text(appointment, "reminder", db.session.get(Case, appointment.case_id) if appointment.case_id else None)
            sent += 1
    return sent


def _text(appointment: Appointment, kind: str, case: Case | None) -> None:
    if appointment.phone:
        outbox.queue_sms(appointment.phone, text_for(appointment, kind), case=case, kind=f"appointment_{kind}")


def text_for(appointment: Appointment, kind: str) -> str:
    """The appointment's text (booked, reminder, cancelled): a registered text in the caller's language (Hindi,
    English, Punjabi or Urdu)."""
    slot = appointment.slot
    lang = languages.known(appointment.language)
    place = (slot.facility.name_hi if lang == "hi" and slot.facility.name_hi else slot.facility.name)
    name = appointment.patient.name if appointment.patient else phones.masked(appointment.phone)
    return sms_templates.render(f"appointment_{kind}", lang, name=name, place=place, doctor=slot.doctor.name,
                                when=local(slot.starts_at).strftime("%d/%m %H:%M"))


def add_schedule(doctor: StaffUser, facility, day, start: str, end: str, minutes: int = 15) -> int:
    """Open slots for `doctor` at `facility` on `day` from `start` to `end` (Delhi time, "HH:MM"); returns
    how many new slots (existing ones are kept, so running it twice changes nothing)."""
    from crm.models.base import DELHI

    if doctor.role != "doctor":
        raise Refused("cannot_book", f"{doctor.username} is not a doctor.", 422)
    first = datetime.combine(day, datetime.strptime(start, "%H:%M").time(), tzinfo=DELHI)
    last = datetime.combine(day, datetime.strptime(end, "%H:%M").time(), tzinfo=DELHI)
    if last <= first or not 5 <= minutes <= 120:
        raise Refused("cannot_book", "The schedule must end after it starts, with slots of 5 to 120 minutes.", 422)
    taken = {s.astimezone(DELHI) for s in db.session.scalars(
        select(Slot.starts_at).where(Slot.doctor_id == doctor.id, Slot.starts_at >= first, Slot.starts_at < last))}
    made = 0
    moment = first
    while moment + timedelta(minutes=minutes) <= last:
        if moment not in taken:
            db.session.add(Slot(doctor_id=doctor.id, facility_id=facility.id, specialty=doctor.specialty or
                                "general_medicine", starts_at=moment, minutes=minutes))
            made += 1
        moment += timedelta(minutes=minutes)
    db.session.flush()
    return made
