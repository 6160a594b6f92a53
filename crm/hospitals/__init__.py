"""Hospitals: FHIR R4, SMART Backend Services clients, history ingest."""
