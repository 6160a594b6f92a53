"""All Sampark tables; importing this module registers them with the metadata."""

from crm.models.appointment import Appointment, Slot
from crm.models.audit import AuditLog
from crm.models.case import Case, CaseEvent, ClinicalNote
from crm.models.facility import Facility
from crm.models.hospital import ClientAssertion, HospitalBundle, HospitalClient, HospitalRecord
from crm.models.office import OfficeJob
from crm.models.patient import HealthCard, Household, Patient
from crm.models.staff import ApiToken, StaffSession, StaffUser
from crm.models.telephony import Call, Message, OptOut

__all__ = [
    "ApiToken",
    "Appointment",
    "AuditLog",
    "Call",
    "Case",
    "CaseEvent",
    "ClientAssertion",
    "ClinicalNote",
    "Facility",
    "HealthCard",
    "HospitalBundle",
    "HospitalClient",
    "HospitalRecord",
    "Household",
    "Message",
    "OfficeJob",
    "OptOut",
    "Patient",
    "Slot",
    "StaffSession",
    "StaffUser",
]
