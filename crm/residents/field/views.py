"""The field verifier's phone page and its service worker; the card office's progress page; the JSON API
under /api/v1/field that the phone syncs through."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from crm.models import FieldMark
from crm.platform import audit
from crm.platform.api import body
from crm.platform.errors import Refused, load
from crm.platform.security.bounds import optional_id
from crm.residents.cards import number as card_number
from crm.residents.field import marks, worklist
from crm.staff.auth.access import public
from crm.staff.auth.capabilities import allow

bp = Blueprint("field", __name__, url_prefix="/field")
api = Blueprint("field_api", __name__, url_prefix="/api/v1/field")
SERVICE_WORKER = Path(__file__).resolve().parents[3] / "static" / "js" / "field-sw.js"


@bp.get("/")
@allow("verify_in_field")
def index():
    """The verifier's phone page: the day's worklist, scanning, marks that wait for the network."""
    return render_template("field/index.html")


@bp.get("/sw.js")
@public
def service_worker():
    """The field page's service worker, served from /field/ so that it may control /field/ (holds no data)."""
    response = Response(SERVICE_WORKER.read_text(encoding="utf-8"), mimetype="application/javascript")
    response.headers["Service-Worker-Allowed"] = "/field/"
    return response


@bp.get("/progress")
@allow("card_office")
def progress_page():
    """The card office's view of the field: progress per ward, assignments, the newest marks and conflicts."""
    return render_template("field/progress.html", rows=worklist.progress(), verifiers=worklist.verifiers(),
                           recent=worklist.recent_marks(), label=marks.label,
                           pretty=card_number.pretty)


@bp.post("/assignments")
@allow("card_office")
def assign_form():
    """Give a ward to a verifier (or take it back) from the progress page."""
    verifier = optional_id(request.form.get("verifier_id"))
    ward = request.form.get("ward", "")
    worklist.assign(ward, verifier, current_user)
    flash(f"Ward {ward.strip()} assigned." if verifier else f"Ward {ward.strip()} has no verifier now.", "ok")
    return redirect(url_for(".progress_page"), 303)


@bp.get("/marks/<int:mark_id>/photo")
@allow("card_office")
def photo(mark_id: int):
    """The acknowledgement photo of a mark (audited as a view of the resident's record)."""
    mark = load(FieldMark, mark_id, "mark")
    if mark.photo is None:
        raise Refused("no_photo", "This mark has no photo.", 404)
    audit.record("field_photo_view", patient_id=mark.patient_id, card_number=mark.card_number, mark_id=mark.id)
    return Response(mark.photo, mimetype=mark.photo_type or "image/jpeg")


@api.get("/worklist")
@allow("verify_in_field")
def worklist_json():
    """The verifier's worklist by ward and household, with a fresh CSRF token for the marks that follow."""
    return jsonify(worklist.worklist(current_user) | {"csrf_token": generate_csrf()})


@api.post("/marks")
@allow("verify_in_field")
def mark_json():
    """Record one mark (idempotent on its client_id): 201 when new, 200 when it had arrived before."""
    mark, created = marks.record(body(), current_user)
    return jsonify(marks.answer(mark, created)), 201 if created else 200


@api.get("/progress")
@allow("card_office")
def progress_json():
    """Progress per ward as JSON."""
    return jsonify(rows=[row.__dict__ for row in worklist.progress()])


@api.put("/assignments/<path:ward>")
@allow("card_office")
def assign_json(ward: str):
    """Give `ward` to the verifier `verifier_id` (null takes it back)."""
    data = body()
    verifier = optional_id(data.get("verifier_id"))
    if data.get("verifier_id") is not None and verifier is None:
        raise Refused("bad_verifier", "verifier_id must be a staff id or null.", 422)
    done = worklist.assign(ward, verifier, current_user)
    return jsonify(ward=ward, verifier_id=done.staff_id if done else None)
