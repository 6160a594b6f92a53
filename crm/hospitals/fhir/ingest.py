"""Medical history from hospitals: a transaction or document Bundle for one patient, validated, stored, idempotent.

Accepted: transaction Bundles (POST [base]) and document Bundles, Composition first (POST [base]/Bundle), as the
ABDM health-information types arrive (OPConsultRecord, Prescription, DiagnosticReport, DischargeSummary,
ImmunizationRecord, WellnessRecord, HealthDocumentRecord). The resources about the patient (ABOUT_PATIENT) are
stored and shown; the context around them (CONTEXT: Organization, Practitioner, Location, Provenance ...) is kept
so references to it resolve and read back. The patient is named by Sampark card number or ABHA
(crm.hospitals.fhir.matching); Sampark's own record of the person is never changed by it.

Idempotent the FHIR way: a PUT entry updates the resource at its url; a POST with ifNoneExist creates only when
nothing matches; any other resource is known by its identifier, else by a fingerprint of its content, per
hospital, so a re-export under a new Bundle id changes nothing. A Bundle whose identifier was seen before gets
the first answer again. Each stored resource has a version that grows only when its content changes, and a
PUT's ifMatch must name the current one.

Every reference is resolved to Sampark's ids (crm.hospitals.fhir.references) and every required-binding code
checked (crm.hospitals.fhir.bindings): an unresolvable reference or an invalid code refuses the whole Bundle.
Every resource about a patient must be about the Bundle's patient: one about someone else is refused.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, time

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.hospitals.fhir import bindings, clients, matching, models, references, summaries
from crm.models import HospitalBundle, HospitalClient, HospitalRecord, Patient
from crm.models.base import DELHI, iso, utcnow
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.platform.security.bounds import optional_id

MAX_ENTRIES = 5000  # a median Synthea patient has a few hundred; the longest-lived ones a few thousand
ABOUT_PATIENT = {"Encounter": "encounter", "Condition": "condition", "AllergyIntolerance": "allergy",
                 "MedicationStatement": "medication", "MedicationRequest": "medication", "Observation": "observation",
                 "DiagnosticReport": "report", "Procedure": "procedure", "Immunization": "immunization",
                 "DocumentReference": "document", "Composition": "document"}
CONTEXT = ("Organization", "Practitioner", "PractitionerRole", "Location", "Provenance", "Medication")
# Sent by real exports (Synthea's, an EHR's) about the patient, kept under them and read back, not on the panel.
KEPT = ("CarePlan", "CareTeam", "Claim", "ExplanationOfBenefit", "ImagingStudy", "Device", "SupplyDelivery",
        "MedicationAdministration", "Goal", "ServiceRequest", "Specimen", "FamilyMemberHistory",
        # in ABDM document Bundles: the follow-up visit of an OPConsultRecord or DischargeSummary, the next dose of an
        # ImmunizationRecord, the scan or photo of a report
        "Appointment", "ImmunizationRecommendation", "Media", "Binary")
KINDS = {**ABOUT_PATIENT, **{t: "context" for t in CONTEXT}, **{t: "kept" for t in KEPT}}
HI_TYPES = ("OPConsultRecord", "Prescription", "DiagnosticReport", "DischargeSummary", "ImmunizationRecord",
            "WellnessRecord", "HealthDocumentRecord")


class Unidentified(Exception):
    """The Bundle names no resident by identifier, but its Patient's name, sex and birth date fit `candidates`:
    for a person to confirm (crm.hospitals.fhir.held), never filed on a guess."""

    def __init__(self, candidates: list[int], described: dict) -> None:
        super().__init__("unidentified")
        self.candidates, self.described = candidates, described


def content_hash(body: dict) -> str:
    """What a posted Bundle says, as a hash: the same Bundle posted again has the same one."""
    return "sha256:" + hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def transaction(body: dict, client: HospitalClient, scopes: list[str], document: bool = False,
                confirmed: Patient | None = None) -> tuple[dict, int, bool]:
    """(transaction-response Bundle, patient id, whether it was a resend) for a posted Bundle; Refused if unfit.

    `confirmed` is the resident a member of the card office confirmed a held Bundle is about (Unidentified)."""
    _validate("Bundle", body, "The Bundle")
    wanted = "document" if document else "transaction"
    if body.get("type") != wanted:
        where = "POST [base]/Bundle" if body.get("type") == "document" else "POST [base]"
        raise Refused("invalid", f"Here a Bundle of type {wanted} is accepted; a {str(body.get('type'))[:20]} Bundle "
                      f"goes to {where}." if body.get("type") in ("document", "transaction") else
                      f"POST a Bundle of type {wanted}.", 400)
    entries = body.get("entry") or []
    if not entries or len(entries) > MAX_ENTRIES:
        raise Refused("too_large" if entries else "invalid", f"A Bundle holds 1 to {MAX_ENTRIES} entries (the limit); "
                      f"this one has {len(entries)}.", 413 if entries else 400)
    bundle_key, seen, content = _identifier_key(body.get("identifier")), None, content_hash(body)
    if document and not bundle_key:
        raise Refused("invalid", "A document Bundle needs an identifier (bdl-9).", 400)
    if bundle_key:
        seen = db.session.scalar(select(HospitalBundle).where(HospitalBundle.client_id == client.id,
                                                              HospitalBundle.identifier == bundle_key))
        # Only the same Bundle again is a resend: hospitals reuse identifiers (NRCeS's own examples share one
        # between an OPConsultRecord and an ImmunizationRecord), and answering the second with the first one's
        # reply would drop its allergies and medicines without a word. Its resources are idempotent anyway.
        if seen is not None and seen.content_hash in (None, content):
            return seen.response, seen.patient_id, True
    _check_entries(entries, scopes, document)
    if all(e["resource"]["resourceType"] in CONTEXT for e in entries):
        # A hospital's own directory (Synthea's hospitalInformation / practitionerInformation): about no patient.
        return _apply(entries, None, client, None, [])
    patient, patient_urls = _patient(entries, confirmed)
    for number, entry in enumerate(entries):
        if entry["resource"]["resourceType"] != "Patient":
            _about_only(entry["resource"], number, patient, patient_urls)
    bundle = (HospitalBundle(client_id=client.id, identifier=bundle_key, patient_id=patient.id, response={},
                             content_hash=content) if bundle_key and seen is None else None)
    try:
        return _apply(entries, bundle, client, patient, patient_urls)
    except IntegrityError:
        # The same Bundle or resource posted twice at once: the other request stored it; this one is told to resend.
        raise Refused("conflict", "The same Bundle or resource is being stored by another request: send it again; "
                      "a resend changes nothing.", 409) from None


def _check_entries(entries: list, scopes: list[str], document: bool) -> None:
    accepted = ", ".join(["Patient", *KINDS])
    for number, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            raise Refused("invalid", f"Entry {number} has no resource.", 400)
        kind = resource.get("resourceType")
        if kind != "Patient" and kind not in KINDS:
            raise Refused("not_supported", f"Entry {number}: {str(kind)[:40]} is not accepted; a Bundle holds "
                          f"{accepted} for one Patient.", 422)
        if document and number == 0 and kind != "Composition":
            raise Refused("invalid", "A document Bundle starts with its Composition (bdl-11).", 400)
        _validate(kind, resource, f"Entry {number} ({kind})")
        bindings.check(resource, f"Entry {number} ({kind})")
        request = entry.get("request")
        if not document and (not isinstance(request, dict) or request.get("method") not in bindings.METHODS):
            raise Refused("not_supported", f"Entry {number} ({kind}): a transaction entry's request is POST or PUT "
                              f"(bdl-3); this server takes no {str((request or {}).get('method'))[:10]} here.", 422)
        if kind != "Patient" and not clients.allows(scopes, kind, "c"):
            raise Refused("forbidden", f"This client's scopes do not allow it to write {kind}.", 403)


def _apply(entries: list[dict], bundle: HospitalBundle | None, client: HospitalClient, patient: Patient | None,
           patient_urls: list[str]) -> tuple[dict, int | None, bool]:
    if bundle:
        db.session.add(bundle)
        db.session.flush()
    local = {url: f"Patient/{patient.id}" for url in patient_urls}
    local.update({a: f"Patient/{patient.id}" for a in map(references.alias, patient_urls) if a and patient})
    placed, fingerprints = [], {}
    for number, entry in enumerate(entries):
        resource = entry["resource"]
        if resource["resourceType"] == "Patient":
            placed.append(None)
            continue
        record, created, untouched = _place(entry, number, client, patient, fingerprints)
        placed.append((record, created, untouched))
        target = f"{resource['resourceType']}/h{record.id}"
        for name in (entry.get("fullUrl"), references.alias(entry.get("fullUrl")), _put_url(entry)):
            if name:
                local[name] = target
    resolve = references.resolver(local, client.id, lambda t: patient is not None and t.startswith("Patient?identifier="),
                                  patient.id if patient else None)
    missing, answers = [], []
    for number, (entry, spot) in enumerate(zip(entries, placed, strict=True)):
        if spot is None:
            answers.append({"status": "200 OK", "location": f"Patient/{patient.id}"})
            continue
        record, created, untouched = spot
        found: list[str] = []
        stored = references.rewrite({k: v for k, v in entry["resource"].items() if k not in ("id", "meta")}, resolve, found)
        missing += [(number, entry["resource"]["resourceType"], text) for text in found]
        if not untouched:
            _keep(record, stored, patient, bundle, created, entry, number)
        answers.append({"status": "201 Created" if created else "200 OK",
                        "location": f"{record.resource_type}/h{record.id}/_history/{record.version}",
                        "etag": f'W/"{record.version}"', "lastModified": iso(record.updated_at)})
    references.refuse_missing(missing)
    response = {"resourceType": "Bundle", "type": "transaction-response", "entry": [{"response": a} for a in answers]}
    if bundle:
        bundle.response = response
    db.session.flush()
    return response, patient.id if patient else None, False


def _put_url(entry: dict) -> str | None:
    request = entry.get("request") or {}
    url = str(request.get("url") or "")
    return url if request.get("method") == "PUT" and "?" not in url and url.count("/") == 1 else None


def _place(entry: dict, number: int, client: HospitalClient, patient: Patient | None,
           fingerprints: dict[str, int]) -> tuple[HospitalRecord, bool, bool]:
    """(record, created, left as it was) for one entry: found by PUT url, ifNoneExist, identifier or fingerprint.

    Two entries of one Bundle with the same fingerprint (the same reading in two visits) are two resources: the
    second is keyed by its place among them, which a re-export repeats.
    """
    resource, request = entry["resource"], entry.get("request") or {}
    kind = resource["resourceType"]
    url = str(request.get("url") or "")
    if request.get("method") == "PUT":
        key = f"id:{url}" if _put_url(entry) else _query_key(url.partition("?")[2], number)
    elif request.get("ifNoneExist"):
        key = _query_key(str(request["ifNoneExist"]), number)
    else:
        key = _identifier_key(resource.get("identifier"))
        if key is None:
            key = _fingerprint(resource)
            fingerprints[key] = fingerprints.get(key, 0) + 1
            key = key if fingerprints[key] == 1 else f"{key}#{fingerprints[key]}"
    record = db.session.scalar(select(HospitalRecord).where(HospitalRecord.client_id == client.id,
                                                            HospitalRecord.resource_type == kind,
                                                            HospitalRecord.source_key == key[:300]))
    # A Binary names no subject, but in a Bundle for one patient it is that patient's (a prescription's scan).
    about = kind in ABOUT_PATIENT or (kind in KEPT and any(isinstance(resource.get(k), dict) for k in ("subject", "patient"))) \
        or (kind == "Binary" and patient is not None)
    if record is not None and about and record.patient_id != patient.id:
        raise Refused("identifier_reused", f"Entry {number}: {kind} {key[:80]} was sent before for another patient.", 422)
    if record is not None and request.get("ifMatch") and request["ifMatch"] != f'W/"{record.version}"':
        raise Refused("conflict", f"Entry {number}: {kind} is at version W/\"{record.version}\", not {str(request['ifMatch'])[:20]}: "
                      "read it again before changing it.", 412)
    if record is not None:
        return record, False, bool(request.get("ifNoneExist")) and request.get("method") != "PUT"
    record = HospitalRecord(client_id=client.id, resource_type=kind, source_key=key[:300], kind=KINDS[kind],
                            patient_id=patient.id if about else None, summary="", resource={}, version=0)
    db.session.add(record)
    db.session.flush()
    return record, True, False


def _query_key(query: str, number: int) -> str:
    """The key of a conditional url's `identifier=system|value` (the only condition this server resolves)."""
    name, _, value = query.partition("=")
    if name != "identifier" or not value:
        raise Refused("not_supported", f"Entry {number}: a condition here is identifier=system|value.", 422)
    return value


def _fingerprint(resource: dict) -> str:
    """What a resource says, minus what a re-export changes (its id, meta, narrative, references to entries)."""
    def plain(value):
        if isinstance(value, dict):
            return {k: ("ref" if k == "reference" else plain(v)) for k, v in sorted(value.items())}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value
    said = {k: v for k, v in resource.items() if k not in ("id", "meta", "text")}  # narrative text only at the top
    return "fp:" + hashlib.sha256(json.dumps(plain(said), sort_keys=True).encode()).hexdigest()


def _keep(record: HospitalRecord, stored: dict, patient: Patient | None, bundle, created: bool, entry: dict, number: int) -> None:
    if not created and record.resource == stored:
        return  # the same content again: no new version
    record.resource, record.version = stored, (record.version or 0) + 1
    record.summary = summaries.summary(stored)[:500]
    record.status = summaries.status(stored)
    record.recorded_for = _moment(summaries.when(stored))
    record.bundle_id = bundle.id if bundle else record.bundle_id
    record.updated_at = utcnow()


def _validate(kind: str, data: dict, what: str) -> None:
    try:
        models.MODELS[kind].model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][:6])}: {e['msg']}" for e in exc.errors()[:5])
        raise Refused("invalid", f"{what} is not valid FHIR R4: {problems}"[:1000], 400) from None


def _identifier_key(identifier) -> str | None:
    if isinstance(identifier, list):
        identifier = next((i for i in identifier if isinstance(i, dict) and i.get("value")), None)
    if not isinstance(identifier, dict) or not identifier.get("value"):
        return None
    return f"{identifier.get('system', '')}|{identifier['value']}"[:300]


def _patient(entries: list[dict], confirmed: Patient | None) -> tuple[Patient, list[str]]:
    """The one resident the Bundle is about (by card number or ABHA, else as a person confirmed), and the fullUrls
    that stand for them; Unidentified when only demographics fit someone."""
    tokens, urls, patients = [], [], []
    for entry in entries:
        resource = entry["resource"]
        if resource["resourceType"] == "Patient":
            patients.append(resource)
            tokens += [matching.token(i) for i in resource.get("identifier", [])]
            if entry.get("fullUrl"):
                urls.append(entry["fullUrl"])
        for key in ("subject", "patient"):
            ref = resource.get(key)
            if isinstance(ref, dict):
                text = ref.get("reference") or ""
                if text.startswith("Patient?identifier="):
                    tokens.append(matching.from_reference(text))
                elif isinstance(ref.get("identifier"), dict):
                    tokens.append(matching.token(ref["identifier"]))
    found = {matching.resident(t) for t in tokens if t is not None}
    found.discard(None)
    if confirmed is not None and found <= {confirmed.id}:
        return confirmed, urls
    if not found:
        if candidates := matching.candidates(patients):
            raise Unidentified(candidates, matching.described(patients))
        raise matching.unmatched()
    if len(found) > 1:
        raise Refused("several_patients", "The identifiers in this Bundle name more than one resident; send one Bundle per patient.", 422)
    return db.session.get(Patient, found.pop()), urls


def _about_only(resource: dict, number: int, patient: Patient, patient_urls: list[str]) -> None:
    """Refuse an entry that does not name the Bundle's patient as its subject, or refers to any other patient."""
    kind = resource["resourceType"]
    named = [resource[k] for k in ("subject", "patient") if isinstance(resource.get(k), dict)]
    if not named and kind in ABOUT_PATIENT:
        raise Refused("no_subject", f"Entry {number} ({kind}) does not say whose it is: give it a subject (or patient) "
                      "referring to the Bundle's Patient.", 422)
    for ref in named + list(_patient_references(resource, patient_urls)):
        if _who(ref, patient_urls, patient) != patient.id:
            shown = str(ref.get("reference") or ref.get("identifier") or ref)[:80]
            raise Refused("other_patient", f"Entry {number} ({kind}) refers to {shown}, which is not the patient this "
                          "Bundle is for: nothing was stored. Send each patient's records in their own Bundle.", 422)


def _patient_references(value, patient_urls: list[str]):
    """Every Reference inside `value` that points at a patient (by id, conditional reference, fullUrl or identifier)."""
    if isinstance(value, list):
        for item in value:
            yield from _patient_references(item, patient_urls)
    elif isinstance(value, dict):
        text = value.get("reference")
        ident = value.get("identifier")
        if (isinstance(text, str) and (text in patient_urls or text.startswith("Patient") or "/Patient/" in text)) \
                or value.get("type") == "Patient" \
                or (isinstance(ident, dict) and matching.token(ident) is not None and "reference" not in value
                    and value.get("type") in (None, "Patient")):
            yield value
        for child in value.values():
            yield from _patient_references(child, patient_urls)


def _who(ref: dict, patient_urls: list[str], patient: Patient) -> int | None:
    """The resident a reference names, if this server can tell (else None, which is never the Bundle's patient)."""
    text = ref.get("reference")
    aliases = {references.alias(u) for u in patient_urls} - {None}
    if isinstance(text, str) and text:
        if text in patient_urls or text in aliases:
            return patient.id
        if text.startswith("Patient?identifier="):
            return matching.resident(matching.from_reference(text))
        return optional_id(text.removeprefix("Patient/")) if text.startswith("Patient/") else None
    ident = ref.get("identifier")
    return matching.resident(matching.token(ident)) if isinstance(ident, dict) else None


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        if len(text) <= 10:
            parts = [int(p) for p in text.split("-")] + [1, 1]
            return datetime.combine(date(parts[0], parts[1], parts[2]), time(), DELHI).astimezone(UTC)
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=DELHI)
    except ValueError:
        return None

