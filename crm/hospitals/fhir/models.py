"""The fhir.resources models (R4B, R4-compatible) that check what hospitals send and what tests read back."""

from __future__ import annotations

from fhir.resources.R4B import get_fhir_model_class

TYPES = ("Bundle", "Patient", "Encounter", "Condition", "AllergyIntolerance", "MedicationStatement", "MedicationRequest",
         "Observation", "DiagnosticReport", "Procedure", "Immunization", "DocumentReference", "Composition",
         "Organization", "Practitioner", "PractitionerRole", "Location", "Provenance", "Medication",
         "CarePlan", "CareTeam", "Claim", "ExplanationOfBenefit", "ImagingStudy", "Device", "SupplyDelivery",
         "MedicationAdministration", "Goal", "ServiceRequest", "Specimen", "FamilyMemberHistory",
         "Appointment", "ImmunizationRecommendation", "Media", "Binary")
MODELS = {name: get_fhir_model_class(name) for name in TYPES}
