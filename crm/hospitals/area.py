"""Hospitals: every URL and service of FHIR R4 and the hospital systems that use it, and how they plug in.

URLs (a handler is in the module named beside its prefix):
  /fhir/... (read, search, $everything, transactions, SMART token, metadata)   crm.hospitals.fhir.views
  /fhir/admin/clients...  the administrator's page of hospital clients         crm.hospitals.fhir.admin
  /hospital-matches...    Bundles held until the card office confirms whose    crm.hospitals.fhir.match_pages
Services:  fhir.clients (SMART Backend Services), fhir.ingest (history posted by hospitals), fhir.history (that
           history merged with the helpline's), fhir.resources / search / summaries
Templates: templates/fhir/
"""

from __future__ import annotations

from flask import Flask

from crm.hospitals.fhir import admin, match_pages, views

# What other areas may import from hospitals (tests/architecture/test_layers.py).
PUBLIC = (
    "crm.hospitals.fhir.history",
    "crm.hospitals.fhir.demo",
)


def register(app: Flask) -> None:
    """Plug the hospitals' area into the app."""
    app.register_blueprint(views.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(match_pages.bp)
