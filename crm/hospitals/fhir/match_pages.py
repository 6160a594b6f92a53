"""The card office's page of hospital Bundles held for confirmation (crm.hospitals.fhir.held): list, confirm, reject.

Only staff who confirm identities (capability confirm_hospital_matches) see it; the candidates shown are patient
records, so every view of the list is audited per candidate, and each decision is audited by held.confirm / reject.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.hospitals.fhir import held
from crm.models import HospitalMatch
from crm.platform import audit
from crm.platform.errors import Refused, load
from crm.platform.security.bounds import optional_id
from crm.staff.auth.capabilities import allow

bp = Blueprint("hospital_matches", __name__, url_prefix="/hospital-matches")


@bp.get("")
@allow("confirm_hospital_matches")
def index():
    """Bundles a hospital sent for a resident no identifier named, each with its evidence, oldest first."""
    page = optional_id(request.args.get("page")) or 1
    matches, total = held.pending(page)
    audit.record_each_patient("hospital_matches_viewed", [c["id"] for m in matches for c in m["candidates"]],
                              page=page)
    return render_template("fhir/matches.html", matches=matches, total=total, page=page, per_page=held.PAGE)


@bp.post("/<int:match_id>/confirm")
@allow("confirm_hospital_matches")
def confirm(match_id: int):
    """This resident is the person the hospital wrote about: file the Bundle as theirs."""
    match = load(HospitalMatch, match_id, "held Bundle")
    try:
        filed = held.confirm(match, optional_id(request.form.get("patient_id")) or 0, current_user)
    except Refused as exc:
        flash(exc.message, "error")
        return redirect(url_for("hospital_matches.index")), 303
    flash(f"Filed: {filed} entries from {match.client.name} are now on the resident's record.", "info")
    return redirect(url_for("hospital_matches.index")), 303


@bp.post("/<int:match_id>/reject")
@allow("confirm_hospital_matches")
def reject(match_id: int):
    """None of the residents listed is the person: the Bundle stays unfiled."""
    try:
        held.reject(load(HospitalMatch, match_id, "held Bundle"), current_user)
    except Refused as exc:
        flash(exc.message, "error")
        return redirect(url_for("hospital_matches.index")), 303
    flash("Not filed: the hospital must send the patient's card number or ABHA number.", "info")
    return redirect(url_for("hospital_matches.index")), 303
