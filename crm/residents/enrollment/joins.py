"""Joining an existing household: a resident enrolled as one of a family is linked to it only once the card
office has verified it with the family, whose adults are texted when it is asked and when it is decided.

Until then the resident stands alone: the portal follows Patient.household_id, so their mobile sees their own
record and card, and none of the family's cards, children's cards or past contacts. A refusal keeps them apart.

pending -> approved (linked) or refused; each decision audited with the member of the card office who made it,
who may not be the registrar who enrolled the resident (a second pair of eyes).
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from crm.models import Household, HouseholdJoin, Patient, StaffUser
from crm.models.base import utcnow
from crm.platform import audit, outbox
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.platform.sms_templates import LANGUAGES as TEXT_LANGUAGES  # Delhi's four
from crm.residents.lookup import age

ADULT = 18
WORKLIST_SIZE = 200
MAX_NOTE = 300


def ask(patient: Patient, household: Household, staff: StaffUser, place: str) -> HouseholdJoin:
    """File the request for `patient` to join `household` (flushed, audited); the household's adults are told."""
    join = HouseholdJoin(patient=patient, household=household, place=place[:200], requested_by_id=staff.id)
    db.session.add(join)
    db.session.flush()
    audit.record("household_join_asked", patient_id=patient.id, staff_id=staff.id, request=join.id,
                 household=household.code)
    _tell(join)
    return join


def worklist() -> list[HouseholdJoin]:
    """The card office's requests: pending first (oldest first), then the decided ones (newest first)."""
    rows = db.session.scalars(select(HouseholdJoin).order_by(HouseholdJoin.id.desc()).limit(WORKLIST_SIZE)).all()
    return sorted((j for j in rows if j.status == "pending"), key=lambda j: j.id) + \
        [j for j in rows if j.status != "pending"]


def pending_for(patient_id: int) -> HouseholdJoin | None:
    """The resident's undecided request to join a household, if any."""
    return db.session.scalar(select(HouseholdJoin).where(HouseholdJoin.patient_id == patient_id,
                                                         HouseholdJoin.status == "pending"))


def approve(join: HouseholdJoin, staff: StaffUser, note: str = "") -> HouseholdJoin:
    """The card office verified it with the family: link the resident to the household; the adults are told."""
    _expect_pending(join)
    if join.requested_by_id == staff.id:
        raise Refused("second_pair_of_eyes", "You enrolled this resident: another member of the card office "
                      "verifies the household and approves.", 409)
    if join.patient.household_id is not None:
        raise Refused("already_in_household", "The resident already belongs to a household.", 409)
    join.patient.household, join.patient.relation = join.household, "member"
    _decide(join, "approved", staff, note)
    return join


def refuse(join: HouseholdJoin, staff: StaffUser, note: str) -> HouseholdJoin:
    """The household could not be verified: the resident stays apart from it; the adults are told."""
    _expect_pending(join)
    if len(" ".join(str(note or "").split())) < 3:
        raise Refused("note_required", "Say why the request is refused (it stays on the record).", 422)
    _decide(join, "refused", staff, note)
    return join


def adults_of(join: HouseholdJoin) -> list[Patient]:
    """The household's adults other than the resident asking: whom the card office checks with."""
    return [m for m in join.household.members
            if m.id != join.patient_id and not ((years := age(m)) is not None and years < ADULT)]


def adults_told(join: HouseholdJoin) -> dict[str, str]:
    """The mobiles of the household's adults (not the asking resident's own), as {mobile: language}."""
    told: dict[str, str] = {}
    for member in adults_of(join):
        if member.mobile and member.mobile != join.patient.mobile:
            language = member.preferred_language  # Delhi's four; anything else is told in Hindi
            told.setdefault(member.mobile, language if language in TEXT_LANGUAGES else "hi")
    return told


def _decide(join: HouseholdJoin, status: str, staff: StaffUser, note: str) -> None:
    join.status, join.decided_by_id, join.decided_at = status, staff.id, utcnow()
    join.note = " ".join(str(note or "").split())[:MAX_NOTE] or None
    audit.record(f"household_join_{status}", patient_id=join.patient_id, staff_id=staff.id, request=join.id,
                 household=join.household.code)
    _tell(join)


def _expect_pending(join: HouseholdJoin) -> None:
    if join.status != "pending":
        raise Refused("request_state", f"Request {join.reference} is already {join.status}.", 409)


def _tell(join: HouseholdJoin) -> None:
    for mobile, language in adults_told(join).items():
        with force_locale(language):
            body = {
                "pending": _("Sampark: %(name)s (enrolled at %(place)s) asks to join your household, %(ref)s. We "
                             "will check with you first. Not family? Call the helpline.",
                             name=join.patient.name, place=join.place, ref=join.reference),
                "approved": _("Sampark: %(name)s has been added to your household (request %(ref)s) and can now "
                              "see the family's cards in the portal.", name=join.patient.name, ref=join.reference),
                "refused": _("Sampark: %(name)s was not added to your household (request %(ref)s).",
                             name=join.patient.name, ref=join.reference),
            }[join.status]
        outbox.queue_sms(mobile, body, kind="household_join")
