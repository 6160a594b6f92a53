"""The identifier systems Sampark publishes and accepts, and the references between resources.

One place, so a hospital's integration guide and the code cannot disagree.
"""

from __future__ import annotations

from crm.residents.abha.number import AbhaError, parse_address, parse_number, pretty_number
from crm.residents.cards import number as card_number

CARD = "https://sampark.delhi.gov.in/fhir/sid/health-card"
REGISTRY = "https://sampark.delhi.gov.in/fhir/sid/registry-id"
EPIC = "https://sampark.delhi.gov.in/fhir/sid/epic"  # voter id (Election Commission of India)
HOUSEHOLD = "https://sampark.delhi.gov.in/fhir/sid/household"
CASE = "https://sampark.delhi.gov.in/fhir/sid/case"
FACILITY = "https://sampark.delhi.gov.in/fhir/sid/facility"
ABHA_NUMBER = "https://healthid.abdm.gov.in"  # the 14-digit ABHA number, as printed (xx-xxxx-xxxx-xxxx)
ABHA_ADDRESS = "https://healthid.abdm.gov.in/address"  # name@abdm

PATIENT_SYSTEMS = {"card": CARD, "registry": REGISTRY, "epic": EPIC, "abha_number": ABHA_NUMBER,
                   "abha_address": ABHA_ADDRESS}
_BY_SYSTEM = {v: k for k, v in PATIENT_SYSTEMS.items()}


def patient_identifier(system: str | None, value: str) -> tuple[str, str] | None:
    """(kind, normalised value) for a Patient identifier token `system|value`; None if the value is malformed.

    Without a system the value is tried as a card number, then an ABHA number or address, then a registry id.
    """
    value = value.strip()
    if system:
        kind = _BY_SYSTEM.get(system)
        return _normalise(kind, value) if kind else None
    for kind in ("card", "abha_number", "abha_address"):
        if (found := _normalise(kind, value)) is not None:
            return found
    return ("registry", value) if value else None


def _normalise(kind: str, value: str) -> tuple[str, str] | None:
    try:
        if kind == "card":
            digits = value.replace(" ", "").replace("-", "")
            return ("card", digits) if card_number.is_valid(digits) else None
        if kind == "abha_number":
            return "abha_number", parse_number(value)
        if kind == "abha_address":
            return "abha_address", parse_address(value)
    except AbhaError:
        return None
    if kind == "epic":
        return "epic", value.upper()
    return (kind, value) if value else None


def abha_shown(digits: str) -> str:
    """How an ABHA number is written in a resource: as printed on the card."""
    return pretty_number(digits)
