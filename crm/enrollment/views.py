"""Enrollment pages: the form (with the likely duplicates it finds), a record's duplicates, merge and undo."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.auth.capabilities import allow
from crm.enrollment import merge as merging
from crm.enrollment import services
from crm.enrollment.matching import Person, candidates
from crm.errors import Refused, load
from crm.models import Patient, PatientMerge
from crm.security.bounds import optional_id

bp = Blueprint("enrollment", __name__, url_prefix="/enrollment")


@bp.get("/")
@allow("enroll_residents")
def index():
    """The enrolment form and the residents enrolled most recently."""
    return render_template("enrollment/index.html", form={}, matches=[], recent=services.recent())


@bp.post("/")
@allow("enroll_residents")
def enroll():
    """Check the form; show likely duplicates unless the registrar confirmed it is someone new; then enrol."""
    form = request.form.to_dict()
    try:
        entry = services.parse(form)
    except Refused as refused:
        flash(refused.message, "error")
        return render_template("enrollment/index.html", form=form, matches=[], recent=services.recent()), 422
    matches = services.likely_duplicates(entry)
    if matches and form.get("confirm_new") != "1":
        return render_template("enrollment/index.html", form=form, matches=matches, recent=services.recent())
    card = services.enroll(entry, current_user)
    flash(f"{entry.name} enrolled; provisional card issued, to be verified at home in {entry.ward}.", "ok")
    return redirect(url_for("pages.card_page", number=card.number), 303)


@bp.get("/patients/<int:patient_id>/duplicates")
@allow("enroll_residents")
def duplicates(patient_id: int):
    """Likely duplicates of one record, each with a merge button; and this record's merges."""
    from crm import audit

    patient = load(Patient, patient_id, "patient")
    found = [(load(Patient, m.patient_id), m) for m in candidates(Person.of(patient), exclude=patient.id)]
    audit.record("enrollment_candidates", patient_id=patient.id, patients=[m.patient_id for _, m in found])
    return render_template("enrollment/duplicates.html", patient=patient, matches=found,
                           merges=merging.merges_of(patient.id))


@bp.post("/merges")
@allow("enroll_residents")
def merge():
    """Merge the duplicate into the survivor, then show what moved (with the undo button)."""
    survivor, duplicate = optional_id(request.form.get("survivor_id")), optional_id(request.form.get("duplicate_id"))
    if survivor is None or duplicate is None:
        raise Refused("bad_request", "Choose the record to keep and the duplicate.", 422)
    score = request.form.get("score")
    done = merging.merge(survivor, duplicate, current_user, request.form.get("reason", ""),
                         float(score) if score and score.replace(".", "", 1).isdigit() else None)
    flash("Records merged. Check what moved below; Undo puts everything back.", "ok")
    return redirect(url_for(".merge_page", merge_id=done.id), 303)


@bp.get("/merges/<int:merge_id>")
@allow("enroll_residents")
def merge_page(merge_id: int):
    """What a merge changed, and its undo button."""
    from crm import audit

    record = load(PatientMerge, merge_id, "merge")
    survivor, duplicate = load(Patient, record.survivor_id), load(Patient, record.duplicate_id)
    audit.record("patient_merge_view", patient_id=survivor.id, merge_id=record.id, duplicate_id=duplicate.id)
    return render_template("enrollment/merge.html", record=record, survivor=survivor, duplicate=duplicate)


@bp.post("/merges/<int:merge_id>/undo")
@allow("enroll_residents")
def undo(merge_id: int):
    """Undo a merge exactly."""
    merging.unmerge(merge_id, current_user)
    flash("Merge undone: both records are as they were before.", "ok")
    return redirect(url_for(".merge_page", merge_id=merge_id), 303)


def register(app) -> None:
    """Wire the enrollment pages."""
    app.register_blueprint(bp)
