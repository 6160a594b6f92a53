"""The administrator's page for hospital systems: register one (name, public key, scopes), revoke one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from crm.auth.capabilities import allow
from crm.errors import Refused, load
from crm.extensions import db
from crm.fhir import clients
from crm.models import Facility, HospitalClient

bp = Blueprint("fhir_admin", __name__, url_prefix="/fhir/admin")
MAX_LISTED = 200


@bp.get("/clients")
@allow("administer")
def index():
    """Registered hospital systems, and the form to add one."""
    rows = list(db.session.scalars(select(HospitalClient).order_by(HospitalClient.revoked_at.is_not(None),
                                                                   HospitalClient.name).limit(MAX_LISTED)))
    facilities = list(db.session.scalars(select(Facility).where(Facility.kind == "hospital").order_by(Facility.name).limit(500)))
    return render_template("fhir/clients.html", clients=rows, facilities=facilities, presets=clients.PRESETS,
                           token_url=clients.token_url(), form=request.args)


@bp.post("/clients")
@allow("administer")
def register():
    """Register a hospital system; its client id is shown once registered."""
    form = request.form
    scopes = " ".join(clients.PRESETS.get(form.get("preset", ""), [])) + " " + form.get("scopes", "")
    try:
        facility = int(form["facility_id"]) if form.get("facility_id", "").isdigit() else None
        client = clients.register(form.get("name", ""), form.get("public_key", ""), scopes, current_user, facility)
    except Refused as exc:
        flash(exc.message, "error")
        return render_template("fhir/clients.html", clients=list(db.session.scalars(
            select(HospitalClient).order_by(HospitalClient.name).limit(MAX_LISTED))), facilities=[],
            presets=clients.PRESETS, token_url=clients.token_url(), form=form), 422
    flash(f"{client.name} registered. Its client id is {client.client_id}: give it to the hospital's IT team.", "info")
    return redirect(url_for("fhir_admin.index"))


@bp.post("/clients/<int:client_id>/revoke")
@allow("administer")
def revoke(client_id: int):
    """Revoke a hospital system: its tokens stop working at once."""
    client = clients.revoke(load(HospitalClient, client_id, "hospital client"), current_user)
    flash(f"{client.name} is revoked; its access tokens no longer work.", "info")
    return redirect(url_for("fhir_admin.index"))
