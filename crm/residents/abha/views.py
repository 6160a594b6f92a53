"""Linking an ABHA to a resident: a form on the patient page and the same action in the JSON API."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, request, url_for

from crm.models import Patient
from crm.platform.errors import Refused, load
from crm.residents import lookup
from crm.residents.abha import services
from crm.staff.auth.capabilities import allow

bp = Blueprint("abha", __name__)


@bp.post("/patients/<int:patient_id>/abha")
@allow("card_office")
def link_form(patient_id: int):
    """The card office links the ABHA number and/or address a resident shows (form on the patient page)."""
    patient = load(Patient, patient_id, "patient")
    try:
        services.link(patient, request.form.get("abha_number", "").strip() or None,
                      request.form.get("abha_address", "").strip() or None)
    except Refused as exc:
        flash(exc.message, "error")
        return redirect(url_for("pages.patient_page", patient_id=patient_id))
    flash("ABHA linked.", "info")
    return redirect(url_for("pages.patient_page", patient_id=patient_id))


@bp.post("/api/v1/patients/<int:patient_id>/abha")
@allow("card_office")
def link_api(patient_id: int):
    """Link an ABHA: `{"abha_number": "91-1234-5678-9012", "abha_address": "name@abdm"}` (either or both)."""
    data = request.get_json(silent=True) or {}
    patient = load(Patient, patient_id, "patient")
    services.link(patient, _text(data.get("abha_number")), _text(data.get("abha_address")))
    return jsonify(lookup.view_patient(patient.id, via="abha_link")["patient"])


def _text(value) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Refused("bad_abha", "ABHA numbers and addresses are text.", 422)
    return value
