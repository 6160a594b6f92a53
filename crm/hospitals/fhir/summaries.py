"""One line a person reads for each resource a hospital sent: what, its status, and when it happened."""

from __future__ import annotations

from crm.hospitals.fhir import concepts

CURRENT_MEDICATION = ("active", "intended", "on-hold", "unknown")
NOT_AN_ALLERGY = ("refuted", "entered-in-error")


def concept(value) -> str:
    """The readable text of a CodeableConcept (its text, else the first coding's display or code)."""
    if not isinstance(value, dict):
        return ""
    if value.get("text"):
        return str(value["text"])
    for coding in value.get("coding") or []:
        if isinstance(coding, dict) and (coding.get("display") or coding.get("code")):
            return str(coding.get("display") or coding.get("code"))
    return ""


def _code(value) -> str | None:
    if isinstance(value, dict):
        for coding in value.get("coding") or []:
            if isinstance(coding, dict) and coding.get("code"):
                return str(coding["code"])
    return None


def quantity(value) -> str:
    """'150 mmHg', '7.8 mmol/L'."""
    if not isinstance(value, dict) or value.get("value") is None:
        return ""
    number = value["value"]
    # As sent: 123.583 stays 123.583 and 150000 stays 150000 (never rounded or put in exponent form).
    shown = str(int(number)) if isinstance(number, float) and number.is_integer() else str(number)
    return f"{shown} {value.get('unit') or value.get('code') or ''}".strip()


def _value(resource: dict) -> str:
    if "valueQuantity" in resource:
        return quantity(resource["valueQuantity"])
    if "valueCodeableConcept" in resource:
        return concept(resource["valueCodeableConcept"])
    for key in ("valueString", "valueBoolean", "valueInteger"):
        if key in resource:
            return str(resource[key])
    return ""


def observed(resource: dict) -> str:
    """An Observation's value; blood pressure as systolic/diastolic by their LOINC codes, whatever order they came in."""
    systolic, diastolic = concepts.component(resource, concepts.SYSTOLIC), concepts.component(resource, concepts.DIASTOLIC)
    if systolic and diastolic:
        high, low = (quantity(systolic.get("valueQuantity")), quantity(diastolic.get("valueQuantity")))
        if high and low:
            unit_high, unit_low = high.partition(" ")[2], low.partition(" ")[2]
            unit = unit_high if unit_high == unit_low else ""
            return f"{high.partition(' ')[0]}/{low.partition(' ')[0]} {unit}".strip() if unit else f"{high}/{low}"
    components = [c for c in resource.get("component") or [] if isinstance(c, dict)]
    return _value(resource) or ", ".join(f"{concept(c.get('code'))} {quantity(c.get('valueQuantity')) or _value(c)}".strip()
                                         for c in components)


def substance(resource: dict) -> str:
    """What an AllergyIntolerance is to (or a MedicationStatement's medicine)."""
    return concept(concepts.item_concept(resource))


def summary(resource: dict) -> str:
    """The line the screen-pop shows for this resource."""
    kind = resource.get("resourceType")
    if kind == "Observation":
        interpretation = ", ".join(concept(i) for i in resource.get("interpretation") or [])
        return " ".join(p for p in (f"{concept(resource.get('code'))}:", observed(resource),
                                    f"({interpretation})" if interpretation else "") if p)
    if kind == "Condition":
        return concept(resource.get("code"))
    if kind == "AllergyIntolerance":
        reactions = ", ".join(concept(m) for r in resource.get("reaction") or [] for m in r.get("manifestation") or [])
        critical = " (high criticality)" if resource.get("criticality") == "high" else ""
        return f"Allergy: {substance(resource)}{critical}" + (f"; reaction {reactions}" if reactions else "")
    if kind in ("MedicationStatement", "MedicationRequest"):
        dosage = "; ".join(d.get("text", "") for d in resource.get("dosage") or resource.get("dosageInstruction") or []
                           if isinstance(d, dict) and d.get("text"))
        return substance(resource) + (f", {dosage}" if dosage else "")
    if kind == "DiagnosticReport":
        conclusion = resource.get("conclusion") or ", ".join(concept(c) for c in resource.get("conclusionCode") or [])
        return concept(resource.get("code")) + (f": {conclusion}" if conclusion else "")
    if kind == "Procedure":
        return f"Procedure: {concept(resource.get('code'))}"
    if kind == "Immunization":
        return f"Immunization: {concept(resource.get('vaccineCode'))}"
    if kind == "DocumentReference":
        return f"Document: {resource.get('description') or concept(resource.get('type')) or 'untitled'}"
    if kind == "Composition":
        return f"{resource.get('title') or concept(resource.get('type')) or 'Health record'}"
    if kind == "Encounter":
        what = concept((resource.get("type") or [{}])[0]) or (resource.get("class") or {}).get("display") or "Visit"
        why = ", ".join(concept(r) for r in resource.get("reasonCode") or [])
        return f"{what}" + (f": {why}" if why else "")
    return kind or ""


def status(resource: dict) -> str | None:
    """The resource's state in one word: active, stopped, refuted, resolved, final ..."""
    kind = resource.get("resourceType")
    if kind == "AllergyIntolerance":
        verification = _code(resource.get("verificationStatus"))
        if verification in NOT_AN_ALLERGY:
            return verification
        return _code(resource.get("clinicalStatus")) or "active"
    if kind == "Condition":
        if _code(resource.get("verificationStatus")) in NOT_AN_ALLERGY:
            return _code(resource.get("verificationStatus"))
        return _code(resource.get("clinicalStatus"))
    value = resource.get("status")
    return str(value)[:40] if value else None


def when(resource: dict) -> str | None:
    """When it happened, as the hospital says (FHIR date or dateTime text)."""
    for key in ("effectiveDateTime", "onsetDateTime", "performedDateTime", "occurrenceDateTime", "recordedDate",
                "dateAsserted", "authoredOn", "issued", "date"):
        if resource.get(key):
            return str(resource[key])
    for key in ("effectivePeriod", "period", "performedPeriod", "onsetPeriod"):
        if isinstance(resource.get(key), dict) and resource[key].get("start"):
            return str(resource[key]["start"])
    return None
