"""The facility finder: facilities with where and when, the nearest open ones to a ward or pincode.

Used by operators on a call (the workspace panel, GET /api/v1/facilities/nearest), by citizens on
the public page /facilities, and in SMS/WhatsApp answers to "where is the nearest clinic"
(crm.citizens.facilities.question reads the question, crm.citizens.facilities.answer writes the answer).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages, the API and the `flask facilities` commands."""
    from crm.citizens.facilities.cli import facilities_cli
    from crm.citizens.facilities.views import api, bp

    app.register_blueprint(bp)
    app.register_blueprint(api)
    app.cli.add_command(facilities_cli)
