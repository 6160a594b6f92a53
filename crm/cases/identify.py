"""The doctor identifies the caller: the same audited lookup the operator uses, for the doctor on the case."""

from __future__ import annotations

from crm.cases import assessment, policy
from crm.models import Case, StaffUser
from crm.platform.errors import Refused

MAX_QUERY = 2000  # a signed QR token is a few hundred characters


def identify(case: Case, doctor: StaffUser, query: dict) -> dict:
    """Link the caller to a patient by QR, card number, phone, or a pick from the household (audited)."""
    policy.ensure_may_act(case, doctor)
    if case.doctor_id != doctor.id:
        raise Refused("not_yours", "Accept the case first.", 409)
    if any(len(str(v or "")) > MAX_QUERY for v in query.values()):
        raise Refused("bad_request", "That is too long to be a card, a QR or a phone number.", 422)
    return assessment.attach_patient(case, doctor, query)
