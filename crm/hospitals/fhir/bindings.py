"""The codes FHIR R4 binds as required: a resource carrying any other value is refused, so none is stored or served.

fhir.resources checks structure, not these values (an Observation status "bogus-status" or a clinicalStatus
"banana" passes it); this table is the check. Each rule is (element, allowed codes, the CodeSystem a
CodeableConcept's coding must be from, or None for a plain code).
"""

from __future__ import annotations

from crm.platform.errors import Refused

TERM = "http://terminology.hl7.org/CodeSystem/"
_CONDITION_CLINICAL = ("active", "recurrence", "relapse", "inactive", "remission", "resolved")
_CONDITION_VERIFICATION = ("unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error")

RULES: dict[str, tuple[tuple[str, tuple[str, ...], str | None], ...]] = {
    "Observation": (("status", ("registered", "preliminary", "final", "amended", "corrected", "cancelled",
                                "entered-in-error", "unknown"), None),),
    "Condition": (("clinicalStatus", _CONDITION_CLINICAL, TERM + "condition-clinical"),
                  ("verificationStatus", _CONDITION_VERIFICATION, TERM + "condition-ver-status")),
    "AllergyIntolerance": (("clinicalStatus", ("active", "inactive", "resolved"), TERM + "allergyintolerance-clinical"),
                           ("verificationStatus", ("unconfirmed", "confirmed", "refuted", "entered-in-error"),
                            TERM + "allergyintolerance-verification"),
                           ("type", ("allergy", "intolerance"), None),
                           ("category", ("food", "medication", "environment", "biologic"), None),
                           ("criticality", ("low", "high", "unable-to-assess"), None)),
    "MedicationStatement": (("status", ("active", "completed", "entered-in-error", "intended", "stopped", "on-hold",
                                        "unknown", "not-taken"), None),),
    "MedicationRequest": (("status", ("active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped",
                                      "draft", "unknown"), None),
                          ("intent", ("proposal", "plan", "order", "original-order", "reflex-order", "filler-order",
                                      "instance-order", "option"), None)),
    "Encounter": (("status", ("planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled",
                              "entered-in-error", "unknown"), None),),
    "DiagnosticReport": (("status", ("registered", "partial", "preliminary", "final", "amended", "corrected",
                                     "appended", "cancelled", "entered-in-error", "unknown"), None),),
    "Procedure": (("status", ("preparation", "in-progress", "not-done", "on-hold", "stopped", "completed",
                              "entered-in-error", "unknown"), None),),
    "Immunization": (("status", ("completed", "entered-in-error", "not-done"), None),),
    "DocumentReference": (("status", ("current", "superseded", "entered-in-error"), None),
                          ("docStatus", ("preliminary", "final", "amended", "entered-in-error"), None)),
    "Composition": (("status", ("preliminary", "final", "amended", "entered-in-error"), None),),
    "Location": (("status", ("active", "suspended", "inactive"), None),),
}
METHODS = ("POST", "PUT")


def check(resource: dict, what: str) -> None:
    """Refuse (422) a resource whose required-binding element holds a code outside its value set."""
    for element, allowed, system in RULES.get(resource.get("resourceType"), ()):
        value = resource.get(element)
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            if system is None:
                if item not in allowed:
                    raise _refused(what, element, item, allowed)
            else:
                codes = [(c.get("system"), c.get("code")) for c in (item.get("coding") or []) if isinstance(c, dict)]
                if not any(s == system and c in allowed for s, c in codes):
                    shown = ", ".join(str(c) for _, c in codes) or "no coding"
                    raise _refused(what, element, shown, allowed, system)


def _refused(what: str, element: str, value, allowed: tuple[str, ...], system: str | None = None) -> Refused:
    where = f" from {system}" if system else ""
    return Refused("invalid", f"{what}: {element} {str(value)[:60]!r} is not one of {', '.join(allowed)}{where} "
                   "(a required binding of FHIR R4): nothing was stored.", 422)
