"""Bundles held for a person to confirm whose they are: name, sex and birth date fit a resident, no identifier did.

Sampark never files a hospital's records on demographics alone (crm.hospitals.fhir.matching). Such a Bundle is
validated in full, then kept here unfiled, on no panel, and the hospital is told so (202 with an OperationOutcome).
A member of the card office sees it with the evidence (what the hospital says, what Sampark knows of each
candidate) and either confirms one candidate, which files the Bundle exactly as if it had named them, or rejects
the match. Each decision is audited under their name; a resend of a held Bundle is not held twice.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from crm.hospitals.fhir import ingest
from crm.models import HealthCard, HospitalClient, HospitalMatch, Patient
from crm.models.base import utcnow
from crm.platform import audit
from crm.platform.errors import Refused
from crm.platform.extensions import db

PAGE = 20


def hold(body: dict, client: HospitalClient, scopes: list[str], document: bool, found: ingest.Unidentified) -> dict:
    """Keep an unidentified Bundle for confirmation; the OperationOutcome (information) that tells the hospital."""
    content = ingest.content_hash(body)
    match = db.session.scalar(select(HospitalMatch).where(HospitalMatch.client_id == client.id,
                                                          HospitalMatch.content_hash == content,
                                                          HospitalMatch.status == "pending"))
    if match is None:
        match = HospitalMatch(client_id=client.id, document=document, bundle=body, scopes=list(scopes),
                              content_hash=content, sent=found.described, candidate_ids=found.candidates[:10],
                              status="pending")
        db.session.add(match)
        db.session.flush()
        audit.record("hospital_match_held", hospital_client_id=client.id, match=match.id,
                     candidates=len(match.candidate_ids))
    return {"resourceType": "OperationOutcome", "id": f"held-{match.id}", "issue": [{
        "severity": "information", "code": "informational",
        "diagnostics": (f"Held, not filed (reference held-{match.id}): no identifier in this Bundle names a resident of "
                        "Sampark, but the Patient's name, sex and birth date fit one. Sampark never files records on "
                        "demographics alone: the card office confirms whose they are, and until then they are on no "
                        "one's record. Send the Sampark card number or ABHA number to file them at once.")}]}


def pending(page: int = 1) -> tuple[list[dict], int]:
    """(held Bundles on this page with their evidence, how many are pending), oldest first."""
    total = db.session.scalar(select(func.count()).select_from(HospitalMatch).where(HospitalMatch.status == "pending"))
    rows = list(db.session.scalars(select(HospitalMatch).options(joinedload(HospitalMatch.client))
                                   .where(HospitalMatch.status == "pending").order_by(HospitalMatch.id)
                                   .offset((max(page, 1) - 1) * PAGE).limit(PAGE)))
    return [evidence(m) for m in rows], total


def evidence(match: HospitalMatch) -> dict:
    """What a person needs to decide: the hospital's description, what the Bundle holds, and each candidate."""
    held = Counter(e.get("resource", {}).get("resourceType") for e in match.bundle.get("entry") or [])
    held.pop("Patient", None)
    patients = {p.id: p for p in db.session.scalars(select(Patient).where(Patient.id.in_(match.candidate_ids)))}
    cards = {c.patient_id: c.number for c in db.session.scalars(
        select(HealthCard).where(HealthCard.patient_id.in_(match.candidate_ids), HealthCard.status.in_(("issued", "verified", "delivered"))))}
    sent = match.sent
    candidates = []
    for pid in match.candidate_ids:
        if (p := patients.get(pid)) is None:
            continue
        agrees = ["name", "sex", "birth date"]  # what matching.candidates required to be equal
        differs = [f"the hospital sends {i}; Sampark holds ABHA {p.abha_number or 'none'}"
                   for i in sent.get("identifiers", []) if "healthid" in i or "abha" in i.lower()]
        candidates.append({"id": p.id, "name": p.name, "sex": p.sex, "dob": p.dob, "ward": p.ward, "card": cards.get(p.id),
                           "abha": p.abha_number, "agrees": agrees, "differs": differs[:3]})
    return {"id": match.id, "hospital": match.client.name if match.client else "A hospital", "received": match.received_at,
            "sent": sent, "holds": sorted(held.items()), "candidates": candidates}


def confirm(match: HospitalMatch, patient_id: int, staff) -> int:
    """File a held Bundle as `patient_id`'s (one of its candidates); the number of resources filed."""
    _open(match)
    if patient_id not in match.candidate_ids:
        raise Refused("not_a_candidate", "That resident is not one this Bundle's details fit; choose one listed.", 422)
    if match.client.revoked_at is not None:
        raise Refused("revoked", f"{match.client.name} has been revoked since it sent this Bundle: nothing from it is "
                      "filed. Reject it; the hospital sends again once its access is restored.", 409)
    patient = db.session.get(Patient, patient_id)
    answer, _, _ = ingest.transaction(match.bundle, match.client, match.scopes, document=match.document, confirmed=patient)
    match.status, match.patient_id, match.decided_by_id, match.decided_at = "confirmed", patient_id, staff.id, utcnow()
    audit.record("hospital_match_confirmed", patient_id=patient_id, staff_id=staff.id,
                 hospital_client_id=match.client_id, match=match.id)
    return sum(1 for e in answer.get("entry", []) if not e["response"]["location"].startswith("Patient/"))


def reject(match: HospitalMatch, staff) -> None:
    """None of the candidates is the person: the Bundle stays unfiled and leaves the list."""
    _open(match)
    match.status, match.decided_by_id, match.decided_at = "rejected", staff.id, utcnow()
    audit.record("hospital_match_rejected", staff_id=staff.id, hospital_client_id=match.client_id, match=match.id,
                 candidates=len(match.candidate_ids))


def _open(match: HospitalMatch) -> None:
    if match.status != "pending":
        raise Refused("decided", f"This Bundle was already {match.status}.", 409)
