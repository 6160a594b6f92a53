"""All Sampark tables; importing this module registers them with the metadata."""

from crm.models.appointment import Appointment, Slot
from crm.models.audit import AuditLog
from crm.models.case import Case, CaseEvent, ClinicalNote
from crm.models.citizen import CardRequest, CitizenSession, DataRequest, Grievance, GrievanceEvent, PortalCode
from crm.models.enrollment import DuplicatePair, HouseholdJoin, PatientMerge
from crm.models.facility import Facility
from crm.models.field import FieldAssignment, FieldMark
from crm.models.hospital import ClientAssertion, HospitalBundle, HospitalClient, HospitalMatch, HospitalRecord
from crm.models.kpi import KpiBasis, KpiBucket, KpiCase, KpiEmergency, KpiPending
from crm.models.office import CardPrintBatch, OfficeJob
from crm.models.patient import HealthCard, Household, Patient
from crm.models.staff import ApiToken, CaseOffer, StaffSession, StaffUser
from crm.models.telephony import Call, Message, MessageClaim, MessageSecret, OptOut

__all__ = [
    "ApiToken",
    "Appointment",
    "AuditLog",
    "Call",
    "CardPrintBatch",
    "CardRequest",
    "Case",
    "CaseEvent",
    "CaseOffer",
    "CitizenSession",
    "ClientAssertion",
    "ClinicalNote",
    "DataRequest",
    "DuplicatePair",
    "Facility",
    "FieldAssignment",
    "FieldMark",
    "Grievance",
    "GrievanceEvent",
    "HealthCard",
    "HospitalBundle",
    "HospitalClient",
    "HospitalMatch",
    "HospitalRecord",
    "Household",
    "HouseholdJoin",
    "KpiBasis",
    "KpiBucket",
    "KpiCase",
    "KpiEmergency",
    "KpiPending",
    "Message",
    "MessageClaim",
    "MessageSecret",
    "OfficeJob",
    "OptOut",
    "Patient",
    "PatientMerge",
    "PortalCode",
    "Slot",
    "StaffSession",
    "StaffUser",
]
