"""Sampark as a FHIR R4 server for the hospitals of the city health system.

- `views.py`: the REST API under /fhir (read, search, Patient/$everything, transaction Bundles);
- `clients.py`: hospital systems as OAuth 2.0 clients (SMART Backend Services), scopes, access tokens;
- `resources.py`, `contacts.py`: Sampark's rows as FHIR resources; `search.py`: search parameters and paging;
- `ingest.py`: medical history posted by hospitals; `history.py`: that history merged with the helpline's;
- `admin.py`: the administrator's page that registers and revokes hospital clients.

Resources follow FHIR R4 (4.0.1). They are checked in tests against the `fhir.resources` models of
R4B (4.3.0), the R4-compatible release that the pydantic-2 line of fhir.resources ships (its R4 line
needs pydantic 1); Patient, Group, Practitioner, Organization, Location, Appointment, Encounter,
Communication, AuditEvent, Condition, AllergyIntolerance, MedicationStatement, Observation and
DiagnosticReport are the same in both.
"""
