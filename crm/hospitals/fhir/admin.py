"""The interoperability officer's page for hospital systems: register one (name, public key, scopes), revoke one.

Granting is the officer's alone (capability grant_hospital_access); an administrator sees the list and can revoke.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from crm.hospitals.fhir import clients
from crm.models import Facility, HospitalClient
from crm.platform.errors import Refused, load
from crm.platform.extensions import db
from crm.staff.auth.capabilities import allow, can

bp = Blueprint("fhir_admin", __name__, url_prefix="/fhir/admin")
MAX_LISTED = 200


def _page(form, status: int = 200):
    rows = list(db.session.scalars(select(HospitalClient).order_by(HospitalClient.revoked_at.is_not(None),
                                                                   HospitalClient.name).limit(MAX_LISTED)))
    facilities = list(db.session.scalars(select(Facility).where(Facility.kind == "hospital").order_by(Facility.name).limit(500)))
    return render_template("fhir/clients.html", clients=rows, facilities=facilities, presets=clients.PRESETS,
                           token_url=clients.token_url(), form=form,
                           may_grant=can(current_user, "grant_hospital_access")), status


@bp.get("/clients")
@allow("grant_hospital_access", "revoke_hospital_access")
def index():
    """Registered hospital systems, and (for the interoperability officer) the form to add one."""
    return _page(request.args)


@bp.post("/clients")
@allow("grant_hospital_access")
def register():
    """Register a hospital system; its client id is shown once registered."""
    form = request.form
    scopes = " ".join(clients.PRESETS.get(form.get("preset", ""), [])) + " " + form.get("scopes", "")
    try:
        client = clients.register(form.get("name", ""), form.get("public_key", ""), scopes, current_user,
                                  form.get("facility_id"))
    except Refused as exc:
        flash(exc.message, "error")
        return _page(form, exc.status)
    flash(f"{client.name} registered. Its client id is {client.client_id}: give it to the hospital's IT team.", "info")
    return redirect(url_for("fhir_admin.index"))


@bp.post("/clients/<int:client_id>/revoke")
@allow("revoke_hospital_access")
def revoke(client_id: int):
    """Revoke a hospital system: its tokens stop working at once."""
    client = clients.revoke(load(HospitalClient, client_id, "hospital client"), current_user)
    flash(f"{client.name} is revoked; its access tokens no longer work.", "info")
    return redirect(url_for("fhir_admin.index"))
