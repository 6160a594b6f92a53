"""Staff: every URL, service and template of sign-in and sessions, capabilities, administration and the access
log, and how they plug in.

URLs (a handler is in the module named beside its prefix):
  /login, /logout, /account/...                    sign-in, one's own account   crm.staff.auth.views
  /api/v1/me/tokens, /api/v1/me/logout-everywhere  one's tokens and sessions    crm.staff.account_api
  /admin/staff/...                                 staff administration pages  crm.staff.admin.views
  /api/v1/admin/staff/...                          staff administration API    crm.staff.admin.api
  /access-log/..., /api/v1/audit...                the access log               crm.staff.access_log.views
Services:  auth.access (the gate before every request), auth.capabilities (who may do what), auth.passwords,
           auth.tokens, auth.sessions, auth.patient_view (what a role sees of a patient), admin.staff,
           access_log.services
Templates: templates/login.html, templates/auth/, templates/admin/, templates/access_log/
Commands:  flask staff create|token|tokens|revoke-token|unlock|password|disable|enable|logout-everywhere
"""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from crm.models.staff import role_label
from crm.staff import account_api, cli  # noqa: F401
from crm.staff.access_log import views as access_log
from crm.staff.admin import api as admin_api  # noqa: F401
from crm.staff.admin import views as admin
from crm.staff.auth import access, capabilities
from crm.staff.auth import views as auth

# What other areas may import from staff (tests/architecture/test_layers.py).
PUBLIC = (
    "crm.staff.auth.access",
    "crm.staff.auth.capabilities",
    "crm.staff.auth.patient_view",
    "crm.staff.auth.passwords",
    "crm.staff.auth.tokens",
    "crm.staff.access_log.openapi",
    "crm.staff.admin.openapi",
)


def register(app: Flask) -> None:
    """Plug staff into the app: the gate first, before any other area's blueprint."""
    access.init_app(app)
    app.add_template_global(lambda capability: capabilities.can(current_user, capability), "can")
    app.add_template_filter(role_label, "role_label")  # every page names a role in words
    app.register_blueprint(auth.bp)
    app.register_blueprint(access_log.bp)
    app.register_blueprint(admin.bp)
    app.cli.add_command(cli.staff_cli)
