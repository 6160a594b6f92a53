"""Sampark's people and places as FHIR R4 resources: Patient, Group (household), Practitioner,
Organization and Location (facilities).

Plain dicts in FHIR JSON; the tests validate every shape against the fhir.resources models.
"""

from __future__ import annotations

from crm.hospitals.fhir import identifiers as ids
from crm.models import Facility, Household, Patient, StaffUser
from crm.models.base import iso

GENDER = {"M": "male", "F": "female", "O": "other"}
LANGUAGES = {"hi": ("hi", "Hindi"), "en": ("en", "English")}
CARD_IN_USE = ("issued", "verified", "delivered")
V2_0131 = "http://terminology.hl7.org/CodeSystem/v2-0131"  # contact role: C = emergency contact


def meta(updated) -> dict:
    """meta.lastUpdated and a versionId (the change's moment in microseconds) when the row knows when it changed."""
    if not updated:
        return {}
    return {"meta": {"versionId": str(int(updated.timestamp() * 1_000_000)), "lastUpdated": iso(updated)}}


def patient(p: Patient) -> dict:
    """A resident as a Patient: every identifier, names in both scripts, phone, address, emergency contact."""
    identifiers = [{"use": "official", "system": ids.REGISTRY, "value": p.registry_id}]
    for card in p.cards:
        identifiers.append({"use": "official" if card.status in CARD_IN_USE else "old", "system": ids.CARD,
                            "value": card.number})
    if p.epic:
        identifiers.append({"use": "secondary", "system": ids.EPIC, "value": p.epic})
    if p.abha_number:
        identifiers.append({"use": "official", "system": ids.ABHA_NUMBER, "value": ids.abha_shown(p.abha_number)})
    if p.abha_address:
        identifiers.append({"use": "secondary", "system": ids.ABHA_ADDRESS, "value": p.abha_address})
    names = [{"use": "official", "text": p.name, **_split(p.name)}]
    if p.name_hi:
        names.append({"use": "usual", "text": p.name_hi})
    resource = {"resourceType": "Patient", "id": str(p.id), **meta(p.updated_at), "identifier": identifiers,
                "active": True, "name": names, "gender": GENDER.get(p.sex, "unknown")}
    if p.mobile:
        resource["telecom"] = [{"system": "phone", "value": p.mobile, "use": "mobile"}]
    if p.dob:
        resource["birthDate"] = p.dob.isoformat()
    elif p.birth_year:
        resource["birthDate"] = f"{p.birth_year:04d}"
    if p.address or p.ward:
        resource["address"] = [{"use": "home", "text": ", ".join(x for x in (p.address, f"Ward {p.ward}" if p.ward else "") if x),
                                "city": "Delhi", "state": "Delhi", "country": "IN"}]
    if p.emergency_contact_name:
        contact = {"relationship": [{"coding": [{"system": V2_0131, "code": "C", "display": "Emergency Contact"}]}],
                   "name": {"text": p.emergency_contact_name}}
        if p.emergency_contact_phone:
            contact["telecom"] = [{"system": "phone", "value": p.emergency_contact_phone}]
        resource["contact"] = [contact]
    code, display = LANGUAGES.get(p.preferred_language, LANGUAGES["hi"])
    resource["communication"] = [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": code, "display": display}],
                                               "text": display}, "preferred": True}]
    return resource


def _split(name: str) -> dict:
    parts = name.split()
    if len(parts) < 2:
        return {}
    return {"family": parts[-1], "given": parts[:-1]}


def group(h: Household) -> dict:
    """A household as a Group of Patients (the registry's family mapping)."""
    members = [{"entity": {"reference": f"Patient/{m.id}", "display": m.name},
                "extension": [{"url": "https://sampark.delhi.gov.in/fhir/StructureDefinition/household-relation",
                               "valueString": m.relation}]} for m in h.members]
    return {"resourceType": "Group", "id": str(h.id), "identifier": [{"system": ids.HOUSEHOLD, "value": h.code}],
            "active": True, "type": "person", "actual": True, "name": f"Household {h.code}" + (f", Ward {h.ward}" if h.ward else ""),
            "quantity": len(members), "member": members}


def practitioner(s: StaffUser) -> dict:
    """A helpline doctor (no username, no phone: what a hospital needs to name who advised)."""
    resource = {"resourceType": "Practitioner", "id": str(s.id), "active": bool(s.active), "name": [{"text": s.name}]}
    if s.specialty:
        resource["qualification"] = [{"code": {"text": s.specialty.replace("_", " ")}}]
    return resource


def organization(f: Facility) -> dict:
    """A facility as the organisation that runs it."""
    resource = {"resourceType": "Organization", "id": str(f.id), "identifier": [{"system": ids.FACILITY, "value": f.code}],
                "active": True, "type": [{"text": f.kind.replace("_", " ")}], "name": f.name,
                "address": [{"text": f.address, "district": f.district, "city": "Delhi", "country": "IN"}]}
    if f.name_hi:
        resource["alias"] = [f.name_hi]
    if f.phone:
        resource["telecom"] = [{"system": "phone", "value": f.phone}]
    return resource


def location(f: Facility) -> dict:
    """A facility as the place where appointments happen."""
    resource = {"resourceType": "Location", "id": str(f.id), "identifier": [{"system": ids.FACILITY, "value": f.code}],
                "status": "active", "name": f.name, "mode": "instance",
                "type": [{"text": f.kind.replace("_", " ")}],
                "address": {"text": f.address, "district": f.district, "city": "Delhi", "country": "IN"},
                "managingOrganization": {"reference": f"Organization/{f.id}", "display": f.name}}
    if f.name_hi:
        resource["alias"] = [f.name_hi]
    if f.phone:
        resource["telecom"] = [{"system": "phone", "value": f.phone}]
    return resource
