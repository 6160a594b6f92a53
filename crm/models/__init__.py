"""All Sampark tables; importing this module registers them with the metadata."""

from crm.models.audit import AuditLog
from crm.models.case import Case, CaseEvent
from crm.models.facility import Facility
from crm.models.patient import HealthCard, Household, Patient
from crm.models.staff import ApiToken, StaffUser

__all__ = [
    "ApiToken",
    "AuditLog",
    "Case",
    "CaseEvent",
    "Facility",
    "HealthCard",
    "Household",
    "Patient",
    "StaffUser",
]
