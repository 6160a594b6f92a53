"""Citizens: every URL, service and template of the portal, grievances and the facility finder, and how they plug
in.

URLs (a handler is in the module named beside its prefix):
  /portal/...                                  the citizen portal     crm.citizens.portal.views
  /portal/my-data/...                          data rights (DPDP)     crm.citizens.portal.rights_views
  /grievances/...                              grievances (officers)  crm.citizens.grievances.views
  /facilities, /api/v1/facilities/nearest      the facility finder    crm.citizens.facilities.views
Services:  portal.signin / session / household / records / calendar (an appointment's .ics) / my_data / i18n (the
           portal's four languages), grievances.services / desks / desk_work / followup / figures / keyword / texts,
           facilities.finder / search / question / answer / importer / maps (OpenStreetMap links: a facility's map
           and directions)
Templates: templates/portal/, templates/grievances/, templates/facilities/
Commands:  flask facilities ...
"""

from __future__ import annotations

from flask import Flask

from crm.citizens.facilities import cli as facilities_cli
from crm.citizens.facilities import views as facilities
from crm.citizens.grievances import followup
from crm.citizens.grievances import views as grievances
from crm.citizens.portal import (
    i18n,
    rights_views,  # noqa: F401 (its URLs are on the portal's blueprint)
)
from crm.citizens.portal import views as portal
from crm.platform import sweeps

# What other areas may import from citizens (tests/architecture/test_layers.py).
PUBLIC = (
    "crm.citizens.facilities.answer",  # the helpline's texts answer "where is the nearest clinic"
    "crm.citizens.facilities.areas",
    "crm.citizens.facilities.importer",
    "crm.citizens.facilities.openapi",
    "crm.citizens.facilities.question",
    "crm.citizens.grievances.desks",  # administration sets an officer's grievance desk
    "crm.citizens.grievances.keyword",  # a text that starts with the grievance keyword
    "crm.citizens.grievances.services",
)


def register(app: Flask) -> None:
    """Plug the citizens' area into the app."""
    i18n.init_app(app)
    app.register_blueprint(grievances.bp)
    sweeps.register(app, "grievances_escalated", followup.escalate_overdue)  # past the deadline: up to the senior desk
    app.register_blueprint(portal.bp)
    app.register_blueprint(facilities.bp)
    app.register_blueprint(facilities.api)
    app.cli.add_command(facilities_cli.facilities_cli)
