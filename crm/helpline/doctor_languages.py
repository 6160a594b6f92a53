"""Tier 2 prefers doctors who speak the caller's language, as tier 1's distribution does (crm.cases.languages).

A doctor's waiting list (and so what rings on their page: a live referral rings from that list) leaves out, for a
while, a case in a language they do not speak when a doctor of its queue who speaks it is logged in, on duty and
off the phone: the speaker sees it first. The case is kept for them only as long as tier 1 keeps a contact for a
speaker (LANGUAGE_WAIT_SECONDS since it reached the doctors) and never when it is urgent: an emergency (its queue,
P1 or P2, an alarm widened to everyone) rings every doctor on duty at once, whatever language they speak.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from crm.cases import languages, legs
from crm.cases.queue import EMERGENCY, queues_of
from crm.helpline import distribution, presence
from crm.models import Case, StaffUser
from crm.platform.extensions import db

LANGUAGE_NAMES = {"hi": "Hindi", "en": "English", "pa": "Punjabi", "ur": "Urdu"}


def _speakers_free(now: datetime) -> list[StaffUser]:
    """Doctors who could take a case now: active, on duty, logged in, no leg up."""
    doctors = list(db.session.scalars(select(StaffUser).where(
        StaffUser.role == "doctor", StaffUser.active.is_(True), StaffUser.on_duty.is_(True)).limit(500)))
    present = presence.logged_in_ids(now)
    busy = legs.staff_on_legs([d.id for d in doctors]) if doctors else set()
    return [d for d in doctors if d.id in present and d.id not in busy]


def kept_for_speaker(case: Case, doctor: StaffUser, speakers: list[StaffUser], now: datetime,
                     language_wait: int) -> bool:
    """Whether `case` waits for another doctor who speaks its language before `doctor` (who does not) is offered it."""
    language = case.language or "hi"
    if language in (doctor.languages or ()) or case.queue == EMERGENCY or case.alarm_level >= 2:
        return False
    since = case.escalated_at or case.queued_at or now
    if not languages.held_for_speaker(case.priority, (now - since).total_seconds(), language_wait):
        return False
    return any(s.id != doctor.id and language in (s.languages or ()) and case.queue in queues_of(s) for s in speakers)


def for_doctor(doctor: StaffUser, waiting: list[Case], now: datetime) -> list[Case]:
    """`waiting` (already in the queues' order) as this doctor is offered it: the order never changes; only cases kept
    for a speaker of their language are left out, for the language wait."""
    if doctor.role != "doctor" or not waiting:
        return waiting
    speakers = _speakers_free(now)
    wait = distribution.settings()["language_wait"]
    return [c for c in waiting if not kept_for_speaker(c, doctor, speakers, now, wait)]
