"""Medical history from hospitals: a transaction Bundle for one patient, validated, stored, idempotent.

The Bundle names its patient by Sampark card number or ABHA (a Patient entry with those identifiers,
or references like `Patient?identifier=<system>|<value>`); Sampark's own record of the person is never
changed by it. Each Encounter, Condition, AllergyIntolerance, MedicationStatement, Observation and
DiagnosticReport is stored with the hospital and its date, keyed by the hospital's identifier for it
(or the Bundle's identifier and the entry's fullUrl): a resend updates, never duplicates, and a Bundle
whose identifier was seen before gets the first answer again.

Every resource must name the Bundle's patient as its subject (or patient), and any other reference in it to a
patient must be that same resident: a resource about someone else is refused, never filed under the wrong person.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.hospitals.fhir import clients, models, summaries
from crm.hospitals.fhir import identifiers as ids
from crm.models import HealthCard, HospitalBundle, HospitalClient, HospitalRecord, Patient
from crm.models.base import DELHI, iso, utcnow
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.platform.security.bounds import optional_id

MAX_ENTRIES = 200
KINDS = {"Encounter": "encounter", "Condition": "condition", "AllergyIntolerance": "allergy",
         "MedicationStatement": "medication", "Observation": "observation", "DiagnosticReport": "report"}
MATCHING = ("card", "abha_number", "abha_address")


def transaction(body: dict, client: HospitalClient, scopes: list[str]) -> tuple[dict, int, bool]:
    """(transaction-response Bundle, patient id, whether it was a resend) for a posted Bundle; Refused if unfit."""
    _validate("Bundle", body, "The Bundle")
    if body.get("type") != "transaction":
        raise Refused("invalid", "POST a Bundle of type transaction.", 400)
    entries = body.get("entry") or []
    if not entries or len(entries) > MAX_ENTRIES:
        raise Refused("invalid", f"A transaction holds 1 to {MAX_ENTRIES} entries.", 400)
    bundle_key = _identifier_key(body.get("identifier"))
    if bundle_key:
        seen = db.session.scalar(select(HospitalBundle).where(HospitalBundle.client_id == client.id,
                                                              HospitalBundle.identifier == bundle_key))
        if seen is not None:
            return seen.response, seen.patient_id, True
    for number, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            raise Refused("invalid", f"Entry {number} has no resource.", 400)
        kind = resource.get("resourceType")
        if kind != "Patient" and kind not in KINDS:
            raise Refused("not_supported", f"Entry {number}: {str(kind)[:40]} is not accepted; send "
                          f"{', '.join(KINDS)} for one Patient.", 422)
        _validate(kind, resource, f"Entry {number} ({kind})")
        if kind != "Patient" and not clients.allows(scopes, kind, "c"):
            raise Refused("forbidden", f"This client's scopes do not allow it to write {kind}.", 403)
    patient, patient_urls = _patient(entries)
    for number, entry in enumerate(entries):
        if entry["resource"]["resourceType"] != "Patient":
            _about_only(entry["resource"], number, patient, patient_urls)
    bundle = HospitalBundle(client_id=client.id, identifier=bundle_key, patient_id=patient.id, response={}) if bundle_key else None
    try:
        return _apply(entries, bundle, bundle_key, client, patient, patient_urls)
    except IntegrityError:
        # The same Bundle or resource posted twice at once: the other request stored it; this one is told to resend.
        raise Refused("conflict", "The same Bundle or resource is being stored by another request: send it again; "
                      "a resend changes nothing.", 409) from None


def _apply(entries: list[dict], bundle: HospitalBundle | None, bundle_key: str | None, client: HospitalClient,
           patient: Patient, patient_urls: list[str]) -> tuple[dict, int, bool]:
    if bundle:
        db.session.add(bundle)
        db.session.flush()
    records, answers, local = [], [], {url: f"Patient/{patient.id}" for url in patient_urls}
    for number, entry in enumerate(entries):
        resource = entry["resource"]
        if resource["resourceType"] == "Patient":
            answers.append({"status": "200 OK", "location": f"Patient/{patient.id}"})
            records.append(None)
            continue
        record, created = _store(resource, number, entry.get("fullUrl"), bundle_key, client, patient, bundle)
        records.append(record)
        if entry.get("fullUrl"):
            local[entry["fullUrl"]] = f"{resource['resourceType']}/h{record.id}"
        answers.append({"status": "201 Created" if created else "200 OK",
                        "location": f"{resource['resourceType']}/h{record.id}", "lastModified": iso(utcnow())})
    for record in records:
        if record is not None:
            record.resource = _rewrite(record.resource, local, patient.id)
    response = {"resourceType": "Bundle", "type": "transaction-response",
                "entry": [{"response": a} for a in answers]}
    if bundle:
        bundle.response = response
    db.session.flush()
    return response, patient.id, False


def _validate(kind: str, data: dict, what: str) -> None:
    try:
        models.MODELS[kind].model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][:6])}: {e['msg']}" for e in exc.errors()[:5])
        raise Refused("invalid", f"{what} is not valid FHIR R4: {problems}"[:1000], 400) from None


def _identifier_key(identifier) -> str | None:
    if isinstance(identifier, list):
        identifier = identifier[0] if identifier else None
    if not isinstance(identifier, dict) or not identifier.get("value"):
        return None
    return f"{identifier.get('system', '')}|{identifier['value']}"[:300]


def _patient(entries: list[dict]) -> tuple[Patient, list[str]]:
    """The one resident the Bundle is about (by card number or ABHA), and the fullUrls that stand for them."""
    tokens, urls = [], []
    for entry in entries:
        resource = entry["resource"]
        if resource["resourceType"] == "Patient":
            tokens += [(i.get("system"), i.get("value", "")) for i in resource.get("identifier", []) if isinstance(i, dict)]
            if entry.get("fullUrl"):
                urls.append(entry["fullUrl"])
        for key in ("subject", "patient"):
            ref = resource.get(key)
            if isinstance(ref, dict):
                text = ref.get("reference") or ""
                if text.startswith("Patient?identifier="):
                    system, _, value = text[len("Patient?identifier="):].rpartition("|")
                    tokens.append((system or None, value))
                elif isinstance(ref.get("identifier"), dict):
                    tokens.append((ref["identifier"].get("system"), ref["identifier"].get("value", "")))
    found = set()
    for system, value in tokens:
        parsed = ids.patient_identifier(system, str(value)) if value else None
        if parsed is None or parsed[0] not in MATCHING:
            continue
        found.add(_resident(*parsed))
    found.discard(None)
    if not found:
        raise Refused("unknown_patient", "No resident of Sampark matches this Bundle: identify the patient by Sampark card "
                      f"number ({ids.CARD}) or ABHA ({ids.ABHA_NUMBER}, {ids.ABHA_ADDRESS}).", 422)
    if len(found) > 1:
        raise Refused("several_patients", "The identifiers in this Bundle name more than one resident; send one Bundle per patient.", 422)
    return db.session.get(Patient, found.pop()), urls


def _about_only(resource: dict, number: int, patient: Patient, patient_urls: list[str]) -> None:
    """Refuse an entry that does not name the Bundle's patient as its subject, or refers to any other patient."""
    kind = resource["resourceType"]
    named = [resource[k] for k in ("subject", "patient") if isinstance(resource.get(k), dict)]
    if not named:
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
                or (isinstance(ident, dict) and ident.get("system") in ids.PATIENT_SYSTEMS.values()):
            yield value
        for child in value.values():
            yield from _patient_references(child, patient_urls)


def _who(ref: dict, patient_urls: list[str], patient: Patient) -> int | None:
    """The resident a reference names, if this server can tell (else None, which is never the Bundle's patient)."""
    text = ref.get("reference")
    if isinstance(text, str) and text:
        if text in patient_urls:
            return patient.id
        if text.startswith("Patient?identifier="):
            system, _, value = text[len("Patient?identifier="):].rpartition("|")
            return _matched(system or None, value)
        return optional_id(text.removeprefix("Patient/")) if text.startswith("Patient/") else None
    ident = ref.get("identifier")
    return _matched(ident.get("system"), str(ident.get("value", ""))) if isinstance(ident, dict) else None


def _matched(system: str | None, value: str) -> int | None:
    parsed = ids.patient_identifier(system, value) if value else None
    return _resident(*parsed) if parsed is not None and parsed[0] in MATCHING else None


def _resident(kind: str, value: str) -> int | None:
    if kind == "card":
        card = db.session.scalar(select(HealthCard).where(HealthCard.number == value))
        if card is not None and card.status == "revoked":
            raise Refused("card_revoked", f"Card {value} is revoked and identifies nobody.", 422)
        return card.patient_id if card else None
    column = Patient.abha_number if kind == "abha_number" else Patient.abha_address
    return db.session.scalar(select(Patient.id).where(column == value).limit(1))


def _store(resource: dict, number: int, full_url: str | None, bundle_key: str | None, client: HospitalClient,
           patient: Patient, bundle: HospitalBundle | None) -> tuple[HospitalRecord, bool]:
    kind = resource["resourceType"]
    key = _identifier_key(resource.get("identifier"))
    if key is None:
        if not bundle_key:
            raise Refused("no_identifier", f"Entry {number} ({kind}) has no identifier and the Bundle has none: "
                          "give one so that a resend does not duplicate it.", 422)
        key = f"{bundle_key}#{full_url or number}"[:300]
    stored = {k: v for k, v in resource.items() if k not in ("id", "meta")}
    record = db.session.scalar(select(HospitalRecord).where(HospitalRecord.client_id == client.id,
                                                            HospitalRecord.resource_type == kind,
                                                            HospitalRecord.source_key == key))
    if record is not None and record.patient_id != patient.id:
        raise Refused("identifier_reused", f"Entry {number}: {kind} {key[:80]} was sent before for another patient.", 422)
    created = record is None
    if created:
        record = HospitalRecord(client_id=client.id, resource_type=kind, source_key=key, patient_id=patient.id)
        db.session.add(record)
    record.kind, record.resource = KINDS[kind], stored
    record.summary = summaries.summary(stored)[:500]
    record.status = summaries.status(stored)
    record.recorded_for = _moment(summaries.when(stored))
    record.bundle_id = bundle.id if bundle else record.bundle_id
    record.updated_at = utcnow()
    db.session.flush()
    return record, created


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


def _rewrite(value, local: dict, patient_id: int):
    """References to entries of the Bundle (and to the patient) pointed at Sampark's ids."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "reference" and isinstance(v, str):
                out[k] = local.get(v) or (f"Patient/{patient_id}" if v.startswith("Patient?identifier=") else v)
            else:
                out[k] = _rewrite(v, local, patient_id)
        if "identifier" in value and "reference" not in value and isinstance(value.get("identifier"), dict) \
                and value["identifier"].get("system") in ids.PATIENT_SYSTEMS.values():
            out["reference"] = f"Patient/{patient_id}"
        return out
    if isinstance(value, list):
        return [_rewrite(v, local, patient_id) for v in value]
    return value
