"""Finding a patient by QR, card number or phone, and what staff are shown about them."""

from __future__ import annotations

from datetime import date
from functools import cache
from types import SimpleNamespace

from sqlalchemy import CTE, bindparam, exists, func, literal, literal_column, select
from sqlalchemy import case as sql_case
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from crm.hospitals.fhir import history as hospital_history
from crm.models import Case, HealthCard, HospitalRecord, Household, Patient, StaffUser
from crm.models.base import iso
from crm.platform import audit, phones, unit_of_work
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.residents.abha import number as abha_number
from crm.residents.abha import qr as abha_qr
from crm.residents.abha import services as abha
from crm.residents.abha.number import AbhaError
from crm.residents.cards import number as card_number
from crm.residents.cards import status_list
from crm.residents.cards import token as card_token
from crm.residents.cards.keys import keyring
from crm.staff.auth import tokens
from crm.staff.auth.patient_view import role_of, sections_of, shown_to

KINDS = ("qr", "card_number", "phone", "abha")
ENDED = status_list.LISTED  # a card in any other state is its holder's one live card (the published status list's rule)
CARD = ("number", "version", "status", "reason", "issued_at", "verified_at", "verified_where", "delivered_at",
        "revoked_at", "revoked_reason")
PATIENT = ("id", "registry_id", "name", "name_hi", "sex", "dob", "birth_year", "dob_estimated", "mobile", "address",
           "ward", "preferred_language", "abha_number", "abha_address", "blood_group", "allergies",
           "chronic_conditions", "current_medications", "emergency_contact_name", "emergency_contact_phone", "relation")
MEMBER = ("id", "name", "name_hi", "relation", "sex", "dob", "birth_year")


def _card_seen(viewer: CTE | None = None):
    """The one statement of a card's lookup by its number (a scanned QR's, a typed one's): the card if not revoked,
    its holder, the holder's current card, household and members, whether any hospital sent their history, and the
    `view_patient` audit row of that read, in one round trip (a scan at the desk is the hot path). Only the columns
    the answer shows; members as one json_agg. A revoked card finds no row: it identifies nobody, and its refusal is
    audited on its own. Nor does a card of a record merged into another, nor is that read audited: the record kept
    answers, and its audit row names it (`_unseen_card`).

    With `viewer` (crm.staff.auth.tokens.checked_in: a bearer token's staff member), the same statement checks the
    token too: it reads and audits only for that staff member, names them on the audit row and returns their role."""
    scanned = (select(HealthCard.patient_id, *[HealthCard.__table__.c[name] for name in CARD])
               .join(Patient, (Patient.id == HealthCard.patient_id) & Patient.merged_into_id.is_(None))
               .where(HealthCard.number == bindparam("number"), HealthCard.status != "revoked"))
    if viewer is not None:
        scanned = scanned.where(select(viewer.c.id).exists())
    scanned = scanned.cte("scanned")
    live, member = aliased(HealthCard), aliased(Patient)
    current = sql_case(
        (scanned.c.status.in_(ENDED), select(live.number).where(live.patient_id == Patient.id, live.status.not_in(ENDED))
         .order_by(live.version.desc()).limit(1).scalar_subquery()), else_=scanned.c.number)
    members = (select(func.json_agg(aggregate_order_by(func.json_build_object(
        *[part for name in MEMBER for part in (literal(name), getattr(member, name))]), member.id)))
        .where(member.household_id == Household.id, member.merged_into_id.is_(None)).scalar_subquery())
    who = [] if viewer is None else [select(viewer.c.role).scalar_subquery().label("viewer_role")]
    staff = None if viewer is None else select(viewer.c.id).scalar_subquery()
    return (select(*[scanned.c[name].label(f"card_{name}") for name in CARD], current.label("current_number"),
                   *[getattr(Patient, name).label(f"patient_{name}") for name in PATIENT],
                   Household.code.label("household_code"), members.label("members"),
                   exists().where(HospitalRecord.patient_id == Patient.id).label("has_hospital_records"), *who)
            .select_from(scanned.join(Patient, Patient.id == scanned.c.patient_id)
                         .outerjoin(Household, Household.id == Patient.household_id))
            .add_cte(audit.seen_with(scanned, "view_patient", staff).cte("seen")))


CARD_SEEN = _card_seen()


@cache
def card_seen_by_token(roles: frozenset[str]):
    """CARD_SEEN that checks a bearer token in the same statement (crm.staff.auth.tokens.checked_in): for a staff
    member whose role is one of `roles`, writing the token's last use when due; bind parameters token_hash and now
    besides CARD_SEEN's, audit_staff aside. Built once for each set of roles."""
    viewer, used = tokens.checked_in(roles)
    return _card_seen(viewer).add_cte(used)


def _by_phone_first():
    """Who a phone number names, in order: a record merged into another last (the surviving record is the one to use),
    then the registered person (relation "self"), then family sharing the phone, the oldest record first."""
    return (Patient.merged_into_id.is_not(None), sql_case((Patient.relation == "self", 0), else_=1), Patient.id)


def holder_sql(phone: str) -> str:
    """The patient the number in parameter `phone` names (the lookup's first by phone): their id and
    preferred_language, as PostgreSQL text for a statement that matches its caller inside it (a call or a text)."""
    query = (select(Patient.id, Patient.preferred_language).where(Patient.mobile == literal_column(f":{phone}"))
             .order_by(*_by_phone_first()).limit(1))
    return str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def lookup(query: dict, case_id: int | None = None, viewer: StaffUser | None = None) -> dict:
    """Resolve `{"qr"|"card_number"|"phone"|"abha": ...}` into the patient view as the signed-in staff member's role
    sees it (crm.staff.auth.patient_view; `viewer` when a service names them), audited.

    A `qr` is a Sampark card's signed token or an ABHA card's JSON; `abha` is an ABHA number or address."""
    via, value = _asked(query)
    if case_id is not None and db.session.get(Case, case_id) is None:
        raise Refused("unknown_case", f"There is no case {case_id}.", 404)
    role = role_of(viewer)
    try:
        if via == "qr" and abha_qr.looks_like_abha(value):
            via = "abha_qr"
            patient, card, candidates = _by_abha_qr(value)
        elif via in ("qr", "card_number"):
            number = _card_number(via, value)
            seen = unit_of_work.run_in(CARD_SEEN, {"number": number} | audit.seen_params(case_id, via)).first()
            if seen is not None:  # read and audited by the same statement
                return shown_to(_view_of_row(seen, "hospital_history" in sections_of(role)), role)
            patient, card, candidates = _unseen_card(number, via)
        elif via == "abha":
            patient, card, candidates = _by_abha(value)
        else:
            patient, card, candidates = _by_phone(value)
    except Refused as exc:
        audit.record("lookup_failed", case_id=case_id, via=via, code=exc.code, keep=True)
        raise
    patient = patient.survivor  # a record merged into another: the record kept answers for it
    if via != "phone" and card is not None and status_list.state(card) == "revoked":
        # A revoked card identifies nobody; who presented it is worth the DPO's eye, so the row names them.
        audit.record("card_refused", patient_id=patient.id, case_id=case_id, via=via, card_number=card.number,
                     code="card_revoked", keep=True)
        raise Refused("card_revoked", revoked_message(card), 409)
    result = patient_view(patient, card, "hospital_history" in sections_of(role))
    if len(candidates) > 1:
        result["matches"] = [_member(p) for p in candidates]
    audit.record("view_patient", patient_id=patient.id, case_id=case_id, via=via,
                 card_number=card.number if card else None)
    return shown_to(result, role)


def seen_by_token(query: dict, case_id: int | None, token_hash: str, roles: frozenset[str]) -> dict | None:
    """`lookup` of one scanned or typed card by a bearer token whose role is one of `roles`, as ONE statement that
    checks the token too (`card_seen_by_token`, on its own connection: no session, no other round trip). The
    answer, or None where that statement does not give it (anything but a Sampark QR or a card number, a QR or number
    that fails its check, a token not live or of another role, no card, a revoked card, a merged holder, a case id that
    names no case), having written nothing but the token's last use: the request then goes the usual way (the gate's
    checks, then `lookup`), with its usual answers, refusals and audit rows."""
    try:
        via, value = _asked(query)
        if via not in ("qr", "card_number") or via == "qr" and abha_qr.looks_like_abha(value):
            return None
        number = _card_number(via, value)
    except Refused:
        return None
    params = audit.request_params(case_id, via)
    params |= {"number": number, "token_hash": token_hash, "now": params["audit_at"]}
    try:
        seen = unit_of_work.run_alone(card_seen_by_token(roles), params).first()
    except IntegrityError:  # the audit row's key to the case refused a case id that names none: nothing was written
        return None
    if seen is None:
        return None
    return shown_to(_view_of_row(seen, "hospital_history" in sections_of(seen.viewer_role)), seen.viewer_role)


def _asked(query: dict) -> tuple[str, str]:
    """How the patient is to be found (one of KINDS) and by what, or refused."""
    kinds = [k for k in KINDS if query.get(k) not in (None, "")]
    if len(kinds) != 1:
        raise Refused("bad_request", "Give exactly one of qr, card_number, phone or abha.", 400)
    return kinds[0], str(query[kinds[0]])


def _card_number(via: str, value: str) -> str:
    """The card number a QR (its signature verified) or a typed number (its check digit verified) gives."""
    return _signed_number(value) if via == "qr" else _typed_number(value)


def revoked_message(card: HealthCard) -> str:
    """The refusal a person reads when a revoked card is presented."""
    when = f" on {card.revoked_at:%d %b %Y}" if card.revoked_at else ""
    return (f"Card {card_number.pretty(card.number)} was revoked{when} ({card.revoked_reason or 'no reason given'}) "
            "and does not identify anyone. Find the caller by phone or by their current card; the card office "
            "can issue a new card.")


def view_patient(patient_id: int, case_id: int | None = None, via: str = "record",
                 viewer: StaffUser | None = None) -> dict:
    """The patient view by id (a pick from a list, a link) as the signed-in staff member's role sees it, audited."""
    patient = db.session.get(Patient, patient_id)
    if patient is None:
        raise Refused("not_found", "No such patient.", 404)
    patient = patient.survivor  # a link to a merged record shows the record kept
    audit.record("view_patient", patient_id=patient.id, case_id=case_id, via=via)
    role = role_of(viewer)
    return shown_to(patient_view(patient, None, "hospital_history" in sections_of(role)), role)


def _signed_number(text: str) -> str:
    """The card number in a verified QR."""
    try:
        return card_token.verify(text.strip(), keyring())["n"]
    except card_token.CardTokenError as exc:
        raise Refused(exc.code, exc.message, 422) from exc


def _typed_number(text: str) -> str:
    """A typed card number's digits, its check digit verified."""
    try:
        return card_number.parse(text)
    except card_number.CardNumberError as exc:
        raise Refused(exc.code, exc.message, 422) from exc


def _unseen_card(number: str, via: str) -> tuple[Patient, HealthCard, list]:
    """The card CARD_SEEN found no row for: a revoked one (for the caller to refuse), a card of a record merged into
    another (its holder's record kept answers), or none at all (refused)."""
    card = db.session.scalar(select(HealthCard).where(HealthCard.number == number))
    if card is None:
        raise Refused("not_found", "This card is correctly signed but not in this system's records." if via == "qr"
                      else f"No card {card_number.pretty(number)} was ever issued.", 404)
    return card.patient, card, []


def _view_of_row(row, sees_history: bool) -> dict:
    """The lookup's JSON from a CARD_SEEN row (a hospital's history, rare, is merged from the ORM's records)."""
    card = SimpleNamespace(**{name: getattr(row, f"card_{name}") for name in CARD})
    patient = SimpleNamespace(**{name: getattr(row, f"patient_{name}") for name in PATIENT})
    if row.household_code is None:
        household = [patient]
    else:
        household = [SimpleNamespace(**member) for member in row.members]
        for member in household:
            member.dob = date.fromisoformat(member.dob) if member.dob else None
    hospital = (hospital_history.for_patient(db.session.get(Patient, patient.id))
                if row.has_hospital_records and sees_history else None)
    return view_of(patient, card_view(card, row.current_number), household, row.household_code, hospital)


def _by_abha_qr(text: str) -> tuple[Patient, HealthCard | None, list]:
    try:
        read = abha_qr.parse(text.strip())
    except AbhaError as exc:
        raise Refused("bad_abha_qr", str(exc), 422) from exc
    patient = abha.find_by_card(read)
    if patient is None:
        raise Refused("abha_not_linked", f"ABHA card read: {abha.describe(read)}. No resident here is linked to it: "
                      "find them by their Sampark card or phone, then link the ABHA on their record.", 404)
    return patient, None, []


def _by_abha(text: str) -> tuple[Patient, HealthCard | None, list]:
    try:
        patient = abha.find(text)
    except AbhaError as exc:
        raise Refused("bad_abha", str(exc), 422) from exc
    if patient is None:
        raise Refused("abha_not_linked", "No resident here is linked to that ABHA. Find them by their Sampark card "
                      "or phone, then link the ABHA on their record.", 404)
    return patient, None, []


def _by_phone(text: str) -> tuple[Patient, HealthCard | None, list]:
    try:
        e164 = phones.normalize(text)
    except phones.PhoneError as exc:
        raise Refused("bad_phone", str(exc), 422) from exc
    found = db.session.scalars(select(Patient).where(Patient.mobile == e164).order_by(*_by_phone_first()).limit(20)).all()
    found = list({p.survivor.id: p.survivor for p in found}.values())  # a merged record: the record kept, once
    if not found:
        raise Refused("not_found", f"No resident is registered with the phone {phones.masked(e164)}.", 404)
    return found[0], None, found


def patient_view(patient: Patient, card: HealthCard | None, hospital_records: bool = True) -> dict:
    """The JSON shape of DESIGN.md's lookup, whole: patient, card, household, clinical (`hospital_records` False when
    the caller already knows no hospital sent anything, or will not show it). What a role sees of it: `lookup`."""
    card = card or patient.current_card or (patient.cards[-1] if patient.cards else None)
    # The database allows one live card per person, so a live card is the current one; only an
    # ended card needs the holder's other cards read to name the current one.
    current = card if card is not None and card.status not in ENDED else patient.current_card
    members = patient.household.members if patient.household else [patient]
    return view_of(patient, card_view(card, current.number if current else None), members,
                   patient.household.code if patient.household else None,
                   # What hospitals sent (crm.hospitals.fhir), merged with the helpline's allergies and medicines; None if nothing.
                   hospital_history.for_patient(patient) if hospital_records else None)


def view_of(patient, card: dict | None, members: list, household_code: str | None, hospital: dict | None) -> dict:
    """The lookup's JSON from a patient (any object with Patient's attributes: the ORM's, or a CARD_SEEN row's),
    the card's view, the household's members and what hospitals sent."""
    return {
        "patient": {
            "id": patient.id,
            "registry_id": patient.registry_id,
            "name": patient.name,
            "name_hi": patient.name_hi,
            "sex": patient.sex,
            "date_of_birth": patient.dob.isoformat() if patient.dob else None,
            "birth_year": patient.birth_year,
            "date_of_birth_estimated": patient.dob_estimated,
            "age": age(patient),
            "mobile": phones.masked(patient.mobile),
            "address": patient.address,
            "ward": patient.ward,
            "preferred_language": patient.preferred_language,
            "abha_number": abha_number.pretty_number(patient.abha_number) if patient.abha_number else None,
            "abha_address": patient.abha_address,
        },
        "card": card,
        "household": [_member(m) | {"is_patient": m.id == patient.id} for m in members],
        "household_id": household_code,
        "clinical": {
            "blood_group": patient.blood_group,
            "allergies": list(patient.allergies or []),
            "chronic_conditions": list(patient.chronic_conditions or []),
            "current_medications": list(patient.current_medications or []),
            "emergency_contact": {
                "name": patient.emergency_contact_name,
                "phone": phones.masked(patient.emergency_contact_phone),
            },
        },
        "hospital": hospital,
    }


def card_view(card, current_number: str | None) -> dict | None:
    """A card as the lookup shows it (any object with HealthCard's attributes), naming the holder's current card."""
    if card is None:
        return None
    notice = None
    if card.status == "superseded":
        notice = (
            f"This card was replaced; the current card is {card_number.pretty(current_number)}."
            if current_number else "This card was replaced and the holder has no live card now."
        )
    elif card.status == "revoked":
        notice = f"This card is revoked: {card.revoked_reason}"
    return {
        "number": card.number,
        "version": card.version,
        "status": card.status,
        # What the desk must act on: only a current card identifies the holder as its bearer.
        "state": {"superseded": "old_card", "revoked": "revoked"}.get(card.status, "current"),
        "current_number": current_number,
        "reason": card.reason,
        "issued_at": iso(card.issued_at),
        "verified_at": iso(card.verified_at),
        "verified_where": card.verified_where,
        "delivered_at": iso(card.delivered_at),
        "revoked_at": iso(card.revoked_at),
        "notice": notice,
    }


def _member(p) -> dict:
    return {"id": p.id, "name": p.name, "name_hi": p.name_hi, "relation": p.relation, "sex": p.sex, "age": age(p)}


def age(patient: Patient, today: date | None = None) -> int | None:
    """Age in whole years, from the date of birth or the registry's birth year."""
    today = today or date.today()
    if patient.dob:
        return today.year - patient.dob.year - ((today.month, today.day) < (patient.dob.month, patient.dob.day))
    return today.year - patient.birth_year if patient.birth_year else None
