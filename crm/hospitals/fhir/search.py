"""FHIR search: the parameters each resource type answers, as SQL, and the page a Bundle shows.

Unknown parameters are refused (400) rather than ignored: a misspelt `identifer` must not turn a
lookup of one resident into a list of the city. A search of anything about people (Patient, Group,
Encounter, Communication, Appointment, history) needs at least one criterion; the directory
(Practitioner, Organization, Location) may be listed page by page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import aliased

from crm.hospitals.fhir import contacts, dates, record_search, resources
from crm.hospitals.fhir import identifiers as ids
from crm.models import (
    Appointment,
    AuditLog,
    Case,
    Facility,
    HealthCard,
    HospitalRecord,
    Household,
    Message,
    Patient,
    Slot,
    StaffUser,
)
from crm.models.base import DELHI
from crm.platform import phones, replica
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.platform.security.bounds import optional_id

DEFAULT_COUNT = 20
MAX_COUNT = 100
MAX_OFFSET = 100_000
COMMON = ("_count", "_offset", "_format", "_id")
GENDERS = {"male": "M", "female": "F", "other": "O"}


@dataclass
class Searcher:
    """How one resource type is read and searched."""

    model: type
    to_resource: Callable
    params: dict[str, Callable] = field(default_factory=dict)  # name -> (statement, value) -> statement
    base: Callable[[], Select] | None = None
    needs_criterion: bool = False


def bad(message: str) -> Refused:
    """A search the server cannot run: 400 with the reason."""
    return Refused("invalid", message, 400)


def reference_id(value: str, resource_type: str) -> int:
    """The id in `Patient/12` or `12`; 400 for anything else."""
    text = value.strip()
    if text.startswith(resource_type + "/"):
        text = text[len(resource_type) + 1:]
    number = optional_id(text)
    if number is None:
        raise bad(f"{value[:60]} is not a reference to a {resource_type}.")
    return number


date_range = dates.date_range
_when = dates.condition


def _birthdate(stmt: Select, value: str) -> Select:
    prefix, start, end = date_range(value)
    first, last = start.astimezone(DELHI).date(), end.astimezone(DELHI).date()
    if last == first:
        last = first + timedelta(days=1)  # a dateTime asks for the day it falls on
    by_dob = {"eq": and_(Patient.dob >= first, Patient.dob < last), "ge": Patient.dob >= first, "gt": Patient.dob >= last,
              "sa": Patient.dob >= last, "le": Patient.dob < last, "lt": Patient.dob < first, "eb": Patient.dob < first,
              "ne": or_(Patient.dob < first, Patient.dob >= last),
              "ap": and_(Patient.dob >= first - timedelta(days=365), Patient.dob < last + timedelta(days=365))}[prefix]
    if prefix == "eq" and len(value.removeprefix("eq")) == 4:  # a year also finds residents the registry knows only by year
        by_dob = or_(by_dob, and_(Patient.dob.is_(None), Patient.birth_year == first.year))
    return stmt.where(by_dob)


def _patient_identifier(stmt: Select, value: str) -> Select:
    system, _, token = value.rpartition("|") if "|" in value else ("", "", value)
    found = ids.patient_identifier(system or None, token)
    if found is None:
        return stmt.where(false())
    kind, normal = found
    if kind == "card":
        holder = aliased(Patient)  # a merged record's card names the record kept
        return stmt.where(Patient.id.in_(select(func.coalesce(holder.merged_into_id, holder.id)).join(
            HealthCard, HealthCard.patient_id == holder.id).where(HealthCard.number == normal)))
    column = {"registry": Patient.registry_id, "epic": Patient.epic, "abha_number": Patient.abha_number,
              "abha_address": Patient.abha_address}[kind]
    return stmt.where(column == normal)


def _phone(stmt: Select, value: str) -> Select:
    try:
        return stmt.where(Patient.mobile == phones.normalize(value.removeprefix("phone|")))
    except phones.PhoneError:
        raise bad(f"{value[:40]} is not a phone number.") from None


def containing(column, value: str):
    """`column` contains `value` (any case) as typed: LIKE's wildcards in it are matched literally, never interpreted."""
    text = value.strip()[:100].lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{text}%", escape="\\")


def _name(stmt: Select, value: str) -> Select:
    # Counted after the wildcards and spaces are set aside: "%%" or "_ _" is not two letters of a name.
    if len("".join(c for c in value.strip() if c not in "%_\\ ")) < 2:
        raise bad("Search by name needs at least two letters.")
    return stmt.where(or_(containing(Patient.name, value), containing(Patient.name_hi, value)))


def _gender(stmt: Select, value: str) -> Select:
    if value not in GENDERS:
        raise bad("gender is male, female or other.")
    return stmt.where(Patient.sex == GENDERS[value])


def _subject(column) -> Callable:
    return lambda stmt, value: stmt.where(column == reference_id(value, "Patient"))


def _status(column, mapping: dict) -> Callable:
    def where(stmt: Select, value: str) -> Select:
        ours = [k for k, v in mapping.items() if v == value]
        return stmt.where(column.in_(ours)) if ours else stmt.where(false())
    return where


def _case_identifier(stmt: Select, value: str) -> Select:
    token = value.rpartition("|")[2].strip().upper()
    number = optional_id(token.removeprefix("SMP-").lstrip("0") or "x")
    return stmt.where(Case.id == number) if number else stmt.where(false())


def _facility_identifier(stmt: Select, value: str) -> Select:
    return stmt.where(Facility.code == value.rpartition("|")[2].strip())


def _facility_name(stmt: Select, value: str) -> Select:
    return stmt.where(containing(Facility.name, value))


def _message_patient(stmt: Select, value: str) -> Select:
    return stmt.where(Message.case_id.in_(select(Case.id).where(Case.patient_id == reference_id(value, "Patient"))))


def _hospital(resource_type: str) -> Searcher:
    return Searcher(HospitalRecord, contacts.hospital_resource,
                    {"patient": _subject(HospitalRecord.patient_id), "subject": _subject(HospitalRecord.patient_id),
                     **record_search.PARAMS},
                    base=lambda: select(HospitalRecord).where(HospitalRecord.resource_type == resource_type),
                    needs_criterion=True)


def _actor(stmt: Select, value: str) -> Select:
    """Appointment?actor= takes any of its declared targets: a Patient, a Practitioner or a Location."""
    kind = value.partition("/")[0] if "/" in value else "Patient"
    if kind == "Practitioner":
        return stmt.where(Appointment.slot_id.in_(select(Slot.id).where(Slot.doctor_id == reference_id(value, kind))))
    if kind == "Location":
        return stmt.where(Appointment.slot_id.in_(select(Slot.id).where(Slot.facility_id == reference_id(value, kind))))
    return stmt.where(Appointment.patient_id == reference_id(value, "Patient"))


def _communication(m: Message) -> dict:
    return contacts.communication(m, m.case.patient_id)


def _patients_messages() -> Select:
    # A message is a Communication only as part of an identified patient's case: a text with no case (a sign-in code,
    # a number's STOP) or on a case whose caller nobody identified is nobody's clinical record.
    return select(Message).join(Case, Message.case_id == Case.id).where(Case.patient_id.is_not(None))


HOSPITAL_ONLY = ("Condition", "AllergyIntolerance", "MedicationStatement", "MedicationRequest", "Observation",
                 "DiagnosticReport", "Procedure", "Immunization", "DocumentReference", "Composition", "PractitionerRole",
                 "Provenance", "Medication", "CarePlan", "CareTeam", "Claim", "ExplanationOfBenefit", "ImagingStudy",
                 "Device", "SupplyDelivery", "MedicationAdministration", "Goal", "ServiceRequest", "Specimen",
                 "FamilyMemberHistory", "ImmunizationRecommendation", "Media", "Binary")

SEARCHERS: dict[str, Searcher] = {
    "Patient": Searcher(Patient, resources.patient, {
        "identifier": _patient_identifier, "phone": _phone, "telecom": _phone, "name": _name,
        "birthdate": _birthdate, "gender": _gender},
        # A record merged into another is read and found as the record kept (views.read redirects to it).
        base=lambda: select(Patient).where(Patient.merged_into_id.is_(None)), needs_criterion=True),
    "Group": Searcher(Household, resources.group, {
        "identifier": lambda s, v: s.where(Household.code == v.rpartition("|")[2].strip()),
        "member": lambda s, v: s.where(Household.id.in_(select(Patient.household_id).where(Patient.id == reference_id(v, "Patient"))))},
        needs_criterion=True),
    "Practitioner": Searcher(StaffUser, resources.practitioner, {
        "name": lambda s, v: s.where(containing(StaffUser.name, v))},
        base=lambda: select(StaffUser).where(StaffUser.role == "doctor")),
    "Organization": Searcher(Facility, resources.organization, {"identifier": _facility_identifier, "name": _facility_name}),
    "Location": Searcher(Facility, resources.location, {
        "identifier": _facility_identifier, "name": _facility_name,
        "organization": lambda s, v: s.where(Facility.id == reference_id(v, "Organization"))}),
    "Appointment": Searcher(Appointment, contacts.appointment, {
        "patient": _subject(Appointment.patient_id), "actor": _actor,
        "practitioner": lambda s, v: s.where(Appointment.slot_id.in_(select(Slot.id).where(Slot.doctor_id == reference_id(v, "Practitioner")))),
        "date": lambda s, v: s.where(Appointment.slot_id.in_(select(Slot.id).where(_when(Slot.starts_at, v)))),
        "status": _status(Appointment.status, contacts.APPOINTMENT_STATUS)}, needs_criterion=True),
    "Encounter": Searcher(Case, contacts.encounter, {
        "patient": _subject(Case.patient_id), "subject": _subject(Case.patient_id),
        "date": lambda s, v: s.where(_when(Case.created_at, v)), "identifier": _case_identifier,
        "status": _status(Case.status, contacts.ENCOUNTER_STATUS)}, needs_criterion=True),
    "Communication": Searcher(Message, _communication, {
        "patient": _message_patient, "subject": _message_patient,
        "encounter": lambda s, v: s.where(Message.case_id == reference_id(v, "Encounter"))},
        base=_patients_messages, needs_criterion=True),
    "AuditEvent": Searcher(AuditLog, contacts.audit_event, {
        "patient": _subject(AuditLog.patient_id), "entity": _subject(AuditLog.patient_id),
        "date": lambda s, v: s.where(_when(AuditLog.at, v))}),
    **{t: _hospital(t) for t in HOSPITAL_ONLY},
}
# Sampark's own people, places and contacts that hospitals also send (their Encounter, Organization ...): read as h<n>.
SENT_TOO = {t: _hospital(t) for t in ("Encounter", "Organization", "Practitioner", "Location", "Appointment")}


def searcher_for(resource_type: str, rid: str) -> Searcher:
    """Who reads `resource_type/rid`: an id h<n> is a resource a hospital sent, not one of Sampark's own."""
    if resource_type in SENT_TOO and rid.startswith("h"):
        return SENT_TOO[resource_type]
    return SEARCHERS[resource_type]


def statement(resource_type: str, args, restrict: Callable[[Select], Select] | None = None,
              searcher: Searcher | None = None) -> Select:
    """The SELECT for a search of `resource_type` with the request's query `args` (a MultiDict)."""
    searcher = searcher or SEARCHERS[resource_type]
    stmt = searcher.base() if searcher.base else select(searcher.model)
    known = set(searcher.params) | (set(SENT_TOO[resource_type].params) if resource_type in SENT_TOO else set())
    unknown = sorted(set(args) - set(COMMON) - known)
    if unknown:
        raise bad(f"{resource_type} cannot be searched by {', '.join(u[:40] for u in unknown[:5])}; "
                  f"it can by {', '.join(['_id', *searcher.params])}.")
    criteria = 0
    for name, values in args.lists():
        if name == "_id":
            stmt = stmt.where(searcher.model.id.in_([_local_id(searcher, v) for v in values[:20]]))
            criteria += 1
        elif name in COMMON:
            continue
        elif name not in searcher.params:
            stmt = stmt.where(false())  # a parameter only the other kind of this resource has: none of these match
            criteria += 1
        else:
            for value in values[:10]:
                if len(value) > 200:
                    raise bad(f"The value of {name} is too long.")
                stmt = _any_of(stmt, searcher, searcher.params[name], value)
                criteria += 1
    if searcher.needs_criterion and not criteria:
        raise bad(f"Search {resource_type} by {', '.join(searcher.params)} or _id: listing every record about people is not offered.")
    return restrict(stmt) if restrict else stmt


def _any_of(stmt: Select, searcher: Searcher, where: Callable, value: str) -> Select:
    """One parameter's value; a comma between values means any of them (FHIR's OR)."""
    parts = [p for p in value.split(",") if p][:10]
    if len(parts) <= 1:
        return where(stmt, value)
    model = searcher.model
    return stmt.where(or_(*[model.id.in_(where(select(model.id), part)) for part in parts]))


@replica.reads()
def find(resource_type: str, args, restrict=None) -> tuple[list, list[dict], int, int, int]:
    """(rows, resources, total, count, offset) of one page; Encounter searches the helpline's and the hospitals' alike."""
    kinds = [SEARCHERS[resource_type]] + ([SENT_TOO[resource_type]] if resource_type == "Encounter" else [])
    stmts = [(k, statement(resource_type, args, restrict, k)) for k in kinds]
    count = _bounded(args.get("_count"), DEFAULT_COUNT, 0, MAX_COUNT)
    offset = _bounded(args.get("_offset"), 0, 0, MAX_OFFSET)
    rows, resources, total, at = [], [], 0, offset
    for searcher, stmt in stmts:
        found = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        total += found
        if count and len(rows) < count and at < found:
            page_rows = list(db.session.scalars(stmt.order_by(searcher.model.id).limit(count - len(rows)).offset(at)))
            rows += page_rows
            resources += [searcher.to_resource(r) for r in page_rows]
        at = max(0, at - found)
    return rows, resources, total, count, offset


def merged_into(resource_type: str, rid: str) -> int | None:
    """The Patient kept in place of a merged Patient/rid (None for any other resource or record)."""
    number = optional_id(rid) if resource_type == "Patient" else None
    patient = db.session.get(Patient, number) if number is not None else None
    return patient.survivor.id if patient is not None and patient.merged_into_id is not None else None


def _local_id(searcher: Searcher, value: str) -> int:
    text = value.strip()
    if searcher.model is HospitalRecord:
        text = text.removeprefix("h")
    elif text.startswith("h") and optional_id(text[1:]) is not None:
        return 0  # a hospital's resource (h<n>) is none of Sampark's own
    number = optional_id(text)
    if number is None:
        raise bad(f"{value[:40]} is not an id of this server.")
    return number


def page(stmt: Select, args) -> tuple[list, int, int, int]:
    """(rows, total, count, offset) for the requested page; _count is clamped to 1..100."""
    count = _bounded(args.get("_count"), DEFAULT_COUNT, 0, MAX_COUNT)
    offset = _bounded(args.get("_offset"), 0, 0, MAX_OFFSET)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    model = stmt.column_descriptions[0]["entity"]
    rows = list(db.session.scalars(stmt.order_by(model.id).limit(count).offset(offset))) if count else []
    return rows, total, count, offset


def _bounded(value, default: int, low: int, high: int) -> int:
    if value in (None, ""):
        return default
    if not (value.isascii() and value.isdigit()) or len(value) > 7:
        raise bad(f"{value[:20]} is not a whole number.")
    return max(low, min(int(value), high))
