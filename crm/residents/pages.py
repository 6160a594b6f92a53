"""Staff pages: home, the lookup desk, patient and card pages; the public JWKS."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from crm.models import Patient, StaffUser
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.platform.security.bounds import optional_id
from crm.residents import lookup as lookups
from crm.residents.cards import operations as cards
from crm.residents.cards import scan, status_list
from crm.residents.cards import token as card_token
from crm.residents.cards.keys import keyring
from crm.staff.auth.access import public
from crm.staff.auth.capabilities import allow, can

bp = Blueprint("pages", __name__)


@bp.get("/")
@allow("own_account")
def home():
    """Each role's starting page."""
    if current_user.role == "doctor":
        return redirect(url_for("doctor.dashboard"))
    if current_user.role == "operator":
        return redirect(url_for("operator_desk.index"))
    if can(current_user, "verify_in_field"):
        return redirect(url_for("field.index"))
    if can(current_user, "supervise"):
        return redirect(url_for("supervisor.floor"))
    if current_user.role == "registrar":
        return redirect(url_for("card_office.index"))
    if can(current_user, "read_patients"):
        return redirect(url_for("pages.lookup_desk"))
    if can(current_user, "administer"):
        return redirect(url_for("admin.staff_list"))
    if can(current_user, "handle_grievances"):
        return redirect(url_for("grievances.worklist"))
    if can(current_user, "grant_hospital_access"):
        return redirect(url_for("fhir_admin.index"))
    return render_template("home.html")


@bp.get("/lookup")
@allow("read_patients")
def lookup_desk():
    """Scan a card (webcam, USB scanner, photo) or search by number or phone."""
    return render_template("lookup.html", case_id=request.args.get("case_id", ""))


@bp.post("/lookup/panel")
@allow("read_patients")
def lookup_panel():
    """The patient panel for a lookup, as an HTML fragment the desk page shows."""
    data = request.get_json(silent=True) or request.form.to_dict()
    case_id = optional_id(data.get("case_id"))
    try:
        if request.files.get("photo"):
            data = {"qr": scan.decode_image(request.files["photo"].read())}
        view = lookups.lookup({k: data.get(k) for k in lookups.KINDS}, case_id=case_id)
    except (Refused, scan.ScanError) as exc:
        status = getattr(exc, "status", 422)
        return render_template("_lookup_error.html", code=exc.code, message=exc.message), status
    return render_template("_patient_panel.html", view=view, via=data)


@bp.get("/patients/<int:patient_id>")
@allow("read_patients")
def patient_page(patient_id: int):
    """A patient's record on its own page (audited); a merged record's address leads to the record kept."""
    merged = db.session.get(Patient, patient_id)
    if merged is not None and merged.merged_into_id is not None:
        return redirect(url_for(".patient_page", patient_id=merged.survivor.id), 301)
    view = lookups.view_patient(patient_id, via="record")
    return render_template("patient.html", view=view)


@bp.get("/cards/<number>")
@allow("card_office")
def card_page(number: str):
    """A card's lifecycle with the registrar's actions."""
    card = cards.get_card(number)
    view = lookups.view_patient(card.patient_id, via="card_office")
    ids = {card.issued_by_id, card.verified_by_id, card.delivered_by_id} - {None}
    names = {s.id: s.name for s in db.session.scalars(select(StaffUser).where(StaffUser.id.in_(ids)))}
    return render_template("card.html", card=card, view=view, names=names)


@bp.get("/.well-known/card-status.jws")
@public
def card_status():
    """The signed list of revoked and superseded cards, for offline verifiers (docs/health-card-qr.md)."""
    from flask import Response, current_app

    body = status_list.signed(keyring(), current_app.config["PUBLIC_BASE_URL"].rstrip("/"))
    response = Response(body, mimetype="application/jose")
    response.headers["Cache-Control"] = f"public, max-age={status_list.MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/.well-known/jwks.json")
@public
def jwks():
    """The public keys that verify card QR codes, for offline readers."""
    response = jsonify(card_token.jwks(keyring()))
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.app_errorhandler(429)
def too_many(exc):
    """Login attempts (or another limit) exceeded."""
    message = "Too many attempts. Wait a minute and try again."
    if request.path.startswith("/api/"):
        return jsonify(error="rate_limited", message=message), 429
    if request.path.startswith("/portal/"):  # a citizen gets the portal's page, in their language
        from flask_babel import gettext

        return render_template("portal/error.html", status=429,
                               message=gettext("Too many codes were asked for. Please try again after an hour.")), 429
    return render_template("error.html", status=429, message=message), 429
