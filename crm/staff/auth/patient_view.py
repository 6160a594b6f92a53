"""What each role sees of a patient: one table, read by the lookup (the API, the lookup desk, the patient and card
pages, the operator's and doctor's screen-pops) and by the clinical notes' policy.

A section names part of the record in the helpline's words and lists where it sits in the lookup's JSON
(crm.residents.lookup.view_of). A role sees the sections the table gives it and nothing else: a field added to the lookup
is shown to nobody until a section here names it. The card office works on cards (who, where, which card, the
blood group and emergency contact printed on it); the field verifier on doors (who lives there, which card).
"""

from __future__ import annotations

from flask import has_request_context
from flask_login import current_user

SECTIONS: dict[str, tuple[str, ...]] = {
    "demographics": ("patient.id", "patient.registry_id", "patient.name", "patient.name_hi", "patient.sex",
                     "patient.date_of_birth", "patient.birth_year", "patient.date_of_birth_estimated", "patient.age",
                     "patient.address", "patient.ward", "patient.preferred_language"),
    "contact": ("patient.mobile",),  # masked everywhere
    "health_ids": ("patient.abha_number", "patient.abha_address"),
    "card": ("card",),
    "household": ("household", "household_id", "matches"),  # names, relations, ages; others sharing the phone
    "blood_group": ("clinical.blood_group",),
    "emergency_contact": ("clinical.emergency_contact",),
    "allergies": ("clinical.allergies",),
    "conditions": ("clinical.chronic_conditions",),
    "medicines": ("clinical.current_medications",),
    "hospital_history": ("hospital",),  # what hospitals sent over FHIR, merged with the helpline's record
    "past_contacts": ("prior_cases", "appointments"),  # the screen-pop's earlier cases and appointments
    "notes": (),  # clinical notes (crm.cases.notes); which cases' notes, crm.cases.policy decides per case
}

_CARD_WORK = frozenset({"demographics", "contact", "health_ids", "card", "household", "blood_group",
                        "emergency_contact"})
_HELPLINE = frozenset(SECTIONS) - {"notes"}

VIEWS: dict[str, frozenset[str]] = {
    "operator": _HELPLINE,
    "doctor": _HELPLINE | {"notes"},
    "supervisor": _HELPLINE,  # notes only by breaking the glass
    "registrar": _CARD_WORK,
    "field_verifier": frozenset({"demographics", "card", "household"}),
    "officer": frozenset(),
    "admin": frozenset(),
}


def sections_of(role: str | None) -> frozenset[str]:
    """The sections of a patient's record that `role` sees: none for an unknown role, all with no viewer (None)."""
    return frozenset(SECTIONS) if role is None else VIEWS.get(role, frozenset())


def sees(staff, section: str) -> bool:
    """Whether this staff member's role sees `section` of a patient's record."""
    return section in VIEWS.get(getattr(staff, "role", None) or "", frozenset())


def role_of(viewer=None) -> str | None:
    """The role a record is shown to: `viewer`'s, else the signed-in staff member's. A request with nobody signed in
    gets "" (sees nothing); outside any request (a command, a job) there is no viewer: None."""
    if viewer is not None:
        return viewer.role
    if not has_request_context():
        return None
    return current_user.role if current_user.is_authenticated else ""


def paths_of(role: str | None) -> frozenset[str]:
    """Where the fields `role` sees sit in the lookup's JSON ("patient.name", "clinical.allergies", "card", ...)."""
    return frozenset(path for section in sections_of(role) for path in SECTIONS[section])


def shown_to(view: dict, role: str | None) -> dict:
    """The lookup's JSON cut to what `role` sees (see `sections_of`), with the names of the sections it holds."""
    allowed = sections_of(role)
    paths = paths_of(role)
    shown: dict = {}
    for key, value in view.items():
        if isinstance(value, dict) and key in ("patient", "clinical"):
            shown[key] = {name: part for name, part in value.items() if f"{key}.{name}" in paths}
        elif key in paths:
            shown[key] = value
    shown["sections"] = sorted(allowed)
    return shown
