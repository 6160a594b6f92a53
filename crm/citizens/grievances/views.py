"""Grievance desks: the officer's worklist (/grievances), one grievance's page (history, notes, reply, transfer,
resolve), the supervisor's figures per desk, an operator recording one on a caller's case."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from crm.citizens.grievances import desk_work, desks, figures, services, texts
from crm.models import Case, Facility, Grievance, Patient
from crm.models.citizen import GRIEVANCE_CATEGORIES
from crm.platform import audit
from crm.platform.errors import Refused, load
from crm.platform.extensions import db
from crm.platform.security.bounds import optional_id
from crm.staff.auth.capabilities import allow

bp = Blueprint("grievances", __name__, url_prefix="/grievances")


@bp.get("")
@allow("handle_grievances")
def worklist():
    """The officer's desk: open grievances of their desk and the desks below it, the nearest deadline first, 50 a
    page; how many are overdue and due today above it."""
    done = request.args.get("show") == "all"
    page = min(optional_id(request.args.get("page")) or 1, services.MAX_PAGE)
    rows, more = services.worklist(current_user, include_done=done, page=page)
    audit.record("grievance_worklist", via="grievances", grievances=[g.id for g in rows][:500],
                 patients={g.patient_id for g in rows if g.patient_id})
    return render_template("grievances/worklist.html", rows=rows, done=done, page=page, more=more,
                           counts=services.desk_counts(current_user), deadline=services.deadline,
                           category=texts.category_label, desk=desks.label)


@bp.get("/<int:grievance_id>")
@allow("handle_grievances")
def detail(grievance_id: int):
    """One grievance: the citizen's words, its history and internal notes, and the desk's actions."""
    found = load(Grievance, grievance_id, "grievance")
    services.ensure_may_act(found, current_user)
    audit.record("grievance_view", via="grievances", patient_id=found.patient_id, grievance=found.id)
    return render_template("grievances/detail.html", g=found, history=desk_work.history(found),
                           deadline=services.deadline(found), category=texts.category_label, desk=desks.label,
                           targets=[d for d in desk_work.transfer_desks() if d[0] != found.routed_to],
                           max_answer=services.MAX_ANSWER)


@bp.post("/<int:grievance_id>/status")
@allow("handle_grievances")
def move(grievance_id: int):
    """Move a grievance on (in progress, resolved with what was done, closed); the citizen is texted."""
    found = load(Grievance, grievance_id, "grievance")
    services.move(found, current_user, request.form.get("status", ""), request.form.get("resolution", ""))
    return redirect(url_for("grievances.detail", grievance_id=found.id))


@bp.post("/<int:grievance_id>/note")
@allow("handle_grievances")
def add_note(grievance_id: int):
    """An internal note on the grievance (the citizen never reads it)."""
    found = load(Grievance, grievance_id, "grievance")
    desk_work.note(found, current_user, request.form.get("body", ""))
    return redirect(url_for("grievances.detail", grievance_id=found.id, _anchor="history"))


@bp.post("/<int:grievance_id>/reply")
@allow("handle_grievances")
def reply(grievance_id: int):
    """Answer the citizen the way they came (WhatsApp, or the portal with a registered SMS saying so)."""
    found = load(Grievance, grievance_id, "grievance")
    desk_work.reply(found, current_user, request.form.get("body", ""))
    return redirect(url_for("grievances.detail", grievance_id=found.id, _anchor="history"))


@bp.post("/<int:grievance_id>/transfer")
@allow("handle_grievances")
def transfer(grievance_id: int):
    """Hand the grievance to another desk with the reason; back to the worklist (it may no longer be ours)."""
    found = load(Grievance, grievance_id, "grievance")
    desk_work.transfer(found, current_user, request.form.get("desk", ""), request.form.get("reason", ""))
    return redirect(url_for("grievances.worklist", moved=found.reference))


@bp.get("/figures")
@allow("supervise")
def desk_figures():
    """The supervisor's figures per desk: open, overdue, resolved, median time, reopened, mean rating."""
    return render_template("grievances/figures.html", rows=figures.per_desk())


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
