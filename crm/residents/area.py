"""Residents: every URL, service, template and script of the registry, households, health cards and the card
office, enrolment, door-to-door verification, ABHA and lookup, and how they plug in.

URLs (a handler is in the module named beside its prefix):
  /, /lookup, /patients/<id>, /cards/<number>, /.well-known/jwks.json   staff pages   crm.residents.pages
  /api/v1/lookup, /scan, /me, /patients/<id>                   lookup              crm.residents.lookup_api
  /api/v1/cards/..., /api/v1/patients/<id>/cards               cards               crm.residents.cards.api
  /card-office/ (pages), /api/v1/card-office/...               the card office     crm.residents.card_office.views
  /card-office/requests, /card-office/household-joins/...      its worklist        crm.residents.card_office.request_views
  /card-office/data-requests/...                               data requests       crm.residents.card_office.data_request_views
  /card-office/print/..., /api/v1/card-office/print-batches    cards to print      crm.residents.card_office.print_views
  /enrollment/..., /api/v1/enrollment/...                      enrolment, merges   crm.residents.enrollment.views
  /card-office/duplicates/..., /api/v1/card-office/duplicates  duplicates review   crm.residents.duplicates.views
  /field/..., /api/v1/field/...                                field verification  crm.residents.field.views
  /patients/<id>/abha, /api/v1/patients/<id>/abha              ABHA                crm.residents.abha.views
Services:  registry (import_file), cards.operations / number / token / keys / render / sheet / scan,
           card_office.work (the registrar's long work) and card_office.requests (citizens' requests),
           card_office.data_requests (correct / erase my data, DPDP), card_office.printing (cards to print),
           enrollment.services / matching / merge / joins, duplicates.finding / review (the worklist of likely
           duplicates: found after imports and enrolments, merged or dismissed by a person), field.worklist / marks,
           abha.services, lookup
Templates: templates/home.html, lookup.html, patient.html, card.html, _patient_panel.html, _lookup_error.html,
           templates/card_office/, templates/enrollment/, templates/duplicates/, templates/field/
Scripts:   static/js/lookup.js, card.js, card-office.js, field.js, field-card.js, field-store.js, field-sw.js
Commands:  flask registry import, flask cards issue|reissue|revoke|new-key
"""

from __future__ import annotations

from flask import Flask

from crm.residents import cli, lookup_api, pages  # noqa: F401
from crm.residents.abha import views as abha
from crm.residents.card_office import data_request_views, print_views, request_views  # noqa: F401
from crm.residents.card_office import views as card_office
from crm.residents.cards import api as cards_api  # noqa: F401
from crm.residents.cards import keys as card_keys
from crm.residents.duplicates import views as duplicates
from crm.residents.enrollment import views as enrollment
from crm.residents.field import views as field

# What other areas may import from residents (tests/architecture/test_layers.py).
PUBLIC = (
    "crm.residents.lookup",
    "crm.residents.registry",
    "crm.residents.cards.number",
    "crm.residents.cards.operations",
    "crm.residents.cards.render",
    "crm.residents.cards.api",
    "crm.residents.card_office.requests",
    "crm.residents.card_office.data_requests",
    "crm.residents.field.worklist",
    "crm.residents.abha.number",
    "crm.residents.abha.openapi",
    "crm.residents.enrollment.openapi",
    "crm.residents.field.openapi",
)


def register(app: Flask) -> None:
    """Plug residents into the app."""
    card_keys.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(card_office.bp)
    app.register_blueprint(abha.bp)
    app.register_blueprint(field.bp)
    app.register_blueprint(field.api)
    app.register_blueprint(enrollment.bp)
    app.register_blueprint(enrollment.api)
    app.register_blueprint(duplicates.bp)
    app.register_blueprint(duplicates.api)
    app.cli.add_command(cli.registry_cli)
    app.cli.add_command(cli.cards_cli)
