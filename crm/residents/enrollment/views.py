"""Enrollment pages: the form (with the likely duplicates it finds), a record's duplicates (each sent to the card
office's review, crm.residents.duplicates), what a merge changed and its undo."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from crm.models import Patient, PatientMerge
from crm.models.base import iso
from crm.platform import audit
from crm.platform.api import body
from crm.platform.errors import Refused, load
from crm.platform.extensions import db
from crm.platform.security.bounds import optional_id
from crm.residents.duplicates import review
from crm.residents.enrollment import joins, services
from crm.residents.enrollment import merge as merging
from crm.residents.enrollment.matching import Person, candidates
from crm.staff.auth.capabilities import allow

bp = Blueprint("enrollment", __name__, url_prefix="/enrollment")
api = Blueprint("enrollment_api", __name__, url_prefix="/api/v1/enrollment")


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
    joining = f" Joining household {entry.household_code} waits for the card office to verify it with the family " \
              "(its adults are texted)." if entry.household_code else ""
    flash(f"{entry.name} enrolled; provisional card issued, to be verified at home in {entry.ward}.{joining}", "ok")
    return redirect(url_for("pages.card_page", number=card.number), 303)


@bp.get("/patients/<int:patient_id>/duplicates")
@allow("enroll_residents")
def duplicates(patient_id: int):
    """Likely duplicates of one record, each with a merge button; and this record's merges."""
    patient = load(Patient, patient_id, "patient")
    found = [(load(Patient, m.patient_id), m) for m in candidates(Person.of(patient), exclude=patient.id)]
    audit.record("enrollment_candidates", patient_id=patient.id, patients=[m.patient_id for _, m in found])
    return render_template("enrollment/duplicates.html", patient=patient, matches=found,
                           merges=merging.merges_of(patient.id))


@bp.post("/pairs")
@allow("enroll_residents")
def review_pair():
    """A likely duplicate found on a record's page goes to the card office's review (no merge without it)."""
    patient, other = optional_id(request.form.get("patient_id")), optional_id(request.form.get("other_id"))
    if patient is None or other is None:
        raise Refused("bad_request", "Choose the record and its likely duplicate.", 422)
    pair = review.pair_for(patient, other)
    return redirect(url_for("duplicates.pair_page", pair_id=pair.id), 303)


@bp.get("/merges/<int:merge_id>")
@allow("enroll_residents")
def merge_page(merge_id: int):
    """What a merge changed, and its undo button."""
    record = load(PatientMerge, merge_id, "merge")
    survivor, duplicate = load(Patient, record.survivor_id), load(Patient, record.duplicate_id)
    audit.record("patient_merge_view", patient_id=survivor.id, merge_id=record.id, duplicate_id=duplicate.id)
    return render_template("enrollment/merge.html", record=record, survivor=survivor, duplicate=duplicate,
                           added=merging.added_as_seen(record, current_user.role), cards=merging.cards_changed(record),
                           pair=review.pair_of_merge(record.id))


@bp.post("/merges/<int:merge_id>/undo")
@allow("enroll_residents")
def undo(merge_id: int):
    """Undo a merge exactly (with the reason why)."""
    try:
        review.undo(merge_id, current_user, request.form.get("reason"))
    except Refused as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for(".merge_page", merge_id=merge_id), 303)
    flash("Merge undone: both records are as they were before.", "ok")
    return redirect(url_for(".merge_page", merge_id=merge_id), 303)


def _candidate(patient: Patient, match) -> dict:
    return {"patient_id": patient.id, "registry_id": patient.registry_id, "name": patient.name,
            "birth_year": patient.birth_year, "ward": patient.ward, "score": match.score, "reasons": list(match.reasons),
            "card_status": patient.current_card.status if patient.current_card else None}


def _merge_json(record: PatientMerge) -> dict:
    return {"merge_id": record.id, "survivor_id": record.survivor_id, "duplicate_id": record.duplicate_id,
            "merged_at": iso(record.merged_at), "undone_at": iso(record.undone_at),
            "changes": {"moved": {k: len(v) for k, v in record.changes.get("moved", {}).items()},
                        "cards_superseded": len(record.changes.get("cards", [])),
                        "added": merging.added_as_seen(record, current_user.role), "filled": sorted(record.changes.get("filled", {}))}}


@api.post("/residents")
@allow("enroll_residents")
def enroll_json():
    """Enrol a resident; 409 with the likely duplicates unless confirm_new is true."""
    data = body()
    entry = services.parse(data)
    matches = services.likely_duplicates(entry)
    if matches and data.get("confirm_new") not in (True, "1", "true"):
        return jsonify(error="likely_duplicates", message="Likely duplicates exist; confirm_new to enrol anyway.",
                       candidates=[_candidate(p, m) for p, m in matches]), 409
    card = services.enroll(entry, current_user)
    join = joins.pending_for(card.patient_id)
    return jsonify(patient_id=card.patient_id, registry_id=card.patient.registry_id, card_number=card.number,
                   card_status=card.status, household_join=join.reference if join else None), 201


@api.get("/patients/<int:patient_id>/duplicates")
@allow("enroll_residents")
def duplicates_json(patient_id: int):
    """Likely duplicates of a record, best first (audited)."""
    patient = load(Patient, patient_id, "patient")
    found = [(load(Patient, m.patient_id), m) for m in candidates(Person.of(patient), exclude=patient.id)]
    audit.record("enrollment_candidates", patient_id=patient.id, patients=[m.patient_id for _, m in found])
    return jsonify(candidates=[_candidate(p, m) for p, m in found])


@api.post("/merges")
@allow("enroll_residents")
def merge_json():
    """Merge duplicate_id into survivor_id through the duplicates review: a reason and "confirm": true required."""
    data = body()
    survivor, duplicate = optional_id(data.get("survivor_id")), optional_id(data.get("duplicate_id"))
    if survivor is None or duplicate is None:
        raise Refused("bad_request", "survivor_id and duplicate_id are required.", 422)
    reason = data.get("reason") if isinstance(data.get("reason"), str) else ""
    pair = review.merge(review.pair_for(survivor, duplicate).id, survivor, current_user, reason,
                        data.get("confirm") is True)
    return jsonify(_merge_json(db.session.get(PatientMerge, pair.merge_id)) | {"pair_id": pair.id}), 201


@api.post("/merges/<int:merge_id>/undo")
@allow("enroll_residents")
def undo_json(merge_id: int):
    """Undo a merge exactly: {"reason": "..."} required."""
    data = body()
    load(PatientMerge, merge_id, "merge")
    reason = data.get("reason") if isinstance(data.get("reason"), str) else ""
    return jsonify(_merge_json(review.undo(merge_id, current_user, reason)))
