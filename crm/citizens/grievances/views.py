"""Grievance desks: the officer's worklist (/grievances), an operator recording one on a caller's case."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from crm.citizens.grievances import services, texts
from crm.models import Case, Facility, Grievance, Patient
from crm.models.citizen import GRIEVANCE_CATEGORIES
from crm.platform import audit
from crm.platform.errors import Refused, load
from crm.platform.extensions import db
from crm.staff.auth.capabilities import allow

bp = Blueprint("grievances", __name__, url_prefix="/grievances")


@bp.get("")
@allow("handle_grievances")
def worklist():
    """The officer's desk: open grievances of their section or facility, the nearest deadline first."""
    done = request.args.get("show") == "all"
    rows = services.worklist(current_user, include_done=done)
    audit.record("grievance_worklist", via="grievances", grievances=[g.id for g in rows][:500],
                 patients=sorted({g.patient_id for g in rows if g.patient_id})[:500])
    return render_template("grievances/worklist.html", rows=rows, done=done, overdue=services.is_overdue,
                           category=texts.category_label)


@bp.post("/<int:grievance_id>/status")
@allow("handle_grievances")
def move(grievance_id: int):
    """Move a grievance on (in progress, resolved with what was done, closed); the citizen is texted."""
    found = load(Grievance, grievance_id, "grievance")
    services.move(found, current_user, request.form.get("status", ""), request.form.get("resolution", ""))
    return redirect(url_for("grievances.worklist", _anchor=f"g{found.id}"))


@bp.route("/new", methods=["GET", "POST"])
@allow("file_grievances")
def new_for_case():
    """An operator records the caller's complaint on their case (the caller is texted the reference)."""
    case = load(Case, request.values.get("case_id"), "case")
    if request.method == "GET":
        audit.record("view_case", case_id=case.id, patient_id=case.patient_id, via="grievance_form")
        facilities = db.session.query(Facility).order_by(Facility.name).limit(500).all()
        return render_template("grievances/new.html", case=case, categories=GRIEVANCE_CATEGORIES,
                               facilities=facilities, category=texts.category_label)
    if not case.caller_phone:
        raise Refused("no_phone", "This case has no caller number to send the reference to.", 409)
    # A facility id that is not one (past the id column's range, say) is a clear 404, never a driver overflow.
    facility = load(Facility, request.form["facility_id"], "facility") if request.form.get("facility_id") else None
    patient = db.session.get(Patient, case.patient_id) if case.patient_id else None
    language = request.form.get("language") if request.form.get("language") in texts.WRITTEN else case.language
    filed = services.file(request.form.get("category", ""), request.form.get("body", ""), "operator",
                          case.caller_phone, language, patient=patient, facility=facility, case=case,
                          staff=current_user)
    return render_template("grievances/new.html", case=case, filed=filed, categories=GRIEVANCE_CATEGORIES,
                           facilities=[], category=texts.category_label)
