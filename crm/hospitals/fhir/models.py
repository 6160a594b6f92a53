"""The fhir.resources models (R4B, R4-compatible) that check what hospitals send and what tests read back."""

from __future__ import annotations

from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient

MODELS = {"Bundle": Bundle, "Patient": Patient, "Encounter": Encounter, "Condition": Condition,
          "AllergyIntolerance": AllergyIntolerance, "MedicationStatement": MedicationStatement,
          "Observation": Observation, "DiagnosticReport": DiagnosticReport}
