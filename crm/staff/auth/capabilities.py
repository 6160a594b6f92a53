"""What each role may do: one table, read by the views (`@allow`), the API, the sockets and the templates.

A capability is named after the work, in the helpline's words; a view declares the capability it
needs, never a list of roles, so giving a role new work is one line here.
"""

from __future__ import annotations

from collections.abc import Callable

from crm.models.staff import ROLES

CAPABILITIES: dict[str, frozenset[str]] = {
    "work_tier1": frozenset({"operator", "supervisor"}),  # answer, assess, resolve, escalate, reply
    "read_cases": frozenset({"operator", "doctor", "supervisor"}),
    "read_patients": frozenset({"operator", "doctor", "supervisor", "registrar"}),
    "work_tier2": frozenset({"doctor"}),  # accept, notes, refer, complete, go on duty
    "watch_tier2": frozenset({"doctor", "supervisor"}),
    "book_appointments": frozenset({"doctor", "operator", "supervisor"}),
    "see_slots": frozenset({"doctor", "operator", "supervisor"}),
    "take_calls": frozenset({"operator", "doctor", "supervisor"}),  # the browser phone, leaving a call
    "card_office": frozenset({"registrar", "supervisor"}),  # also: assign wards, watch field progress
    "verify_in_field": frozenset({"field_verifier"}),  # the ward worklist, door-to-door marks
    "enroll_residents": frozenset({"registrar", "supervisor"}),  # enrol at a hospital or camp; find, merge, unmerge duplicates
    # say whose a hospital's Bundle is when only name, sex and birth date fit a resident (identity is the card office's)
    "confirm_hospital_matches": frozenset({"registrar", "supervisor"}),
    "review_triage": frozenset({"doctor", "supervisor"}),  # label what triage was unsure of
    "supervise": frozenset({"supervisor"}),
    "act_for_others": frozenset({"supervisor"}),  # act on a case someone else holds (on the timeline by name)
    "review_access": frozenset({"supervisor"}),  # the audit log: who saw whom, break-the-glass reviews
    "administer": frozenset({"admin"}),  # staff accounts; never patient records, never a hospital's access to them
    # Give a hospital system access to patient records (register it, its key, its scopes): the interoperability
    # officer's work alone, each grant in the audit log and on the client under their name. Taking access away is
    # safe in more hands: an administrator can revoke a system at once.
    "grant_hospital_access": frozenset({"interop_officer"}),
    "revoke_hospital_access": frozenset({"interop_officer", "admin"}),
    "handle_grievances": frozenset({"officer", "supervisor"}),  # the grievance desk of a facility or section
    "file_grievances": frozenset({"operator", "supervisor"}),  # record a caller's complaint on their case
    "own_account": frozenset(ROLES),
}


def roles_for(*capabilities: str) -> frozenset[str]:
    """Every role that holds at least one of `capabilities`."""
    return frozenset().union(*(CAPABILITIES[c] for c in capabilities))


def can(staff, capability: str) -> bool:
    """Whether this staff member's role holds `capability`."""
    return staff is not None and getattr(staff, "role", None) in CAPABILITIES[capability]


def allow(*capabilities: str) -> Callable:
    """Let the decorated view be used by staff holding one of `capabilities` (crm.staff.auth.access enforces it)."""
    allowed = roles_for(*capabilities)

    def mark(view: Callable) -> Callable:
        view.allowed_roles = allowed
        view.capabilities = capabilities
        return view

    return mark
