"""Lookup by QR / card number / phone / photo, and patient records."""

from flask import jsonify, request
from flask_login import current_user

from crm.platform import unit_of_work
from crm.platform.api import body, bp
from crm.platform.errors import Refused
from crm.platform.security.bounds import optional_id
from crm.residents import lookup as lookups
from crm.residents.cards import scan
from crm.staff.auth.access import answers_token_in_one_statement
from crm.staff.auth.capabilities import allow


def _seen_by_token(token_hash: str, roles: frozenset[str]):
    """A card scanned or typed, looked up by a bearer token: the token, the card and its audit row in one statement
    (crm.residents.lookup.seen_by_token), or None for the usual way."""
    data = body()
    seen = lookups.seen_by_token(data, _case_id(data), token_hash, roles)
    return None if seen is None else jsonify(seen)


@bp.post("/lookup")
@allow("read_patients")
@unit_of_work.each_statement_commits  # the card's read and its audit row are one statement (crm.residents.lookup.CARD_SEEN)
@answers_token_in_one_statement(_seen_by_token)
def lookup():
    """Find a patient by one of qr, card_number, phone."""
    data = body()
    return jsonify(lookups.lookup(data, case_id=_case_id(data)))


@bp.post("/scan")
@allow("read_patients")
def scan_photo():
    """Decode the QR in an uploaded photo of a card, then look the patient up."""
    photo = request.files.get("photo")
    if photo is None:
        raise Refused("bad_request", "Attach the photo as the form field 'photo'.", 400)
    try:
        text = scan.decode_image(photo.read())
    except scan.ScanError as exc:
        raise Refused(exc.code, exc.message, 422) from exc
    return jsonify(lookups.lookup({"qr": text}, case_id=_case_id(request.form)))


@bp.get("/patients/<int:patient_id>")
@allow("read_patients")
def patient(patient_id: int):
    """One patient's record (an audited view)."""
    return jsonify(lookups.view_patient(patient_id, case_id=_case_id(request.args)))


@bp.get("/me")
@allow("own_account")
def me():
    """Who this session or token belongs to."""
    return jsonify(id=current_user.id, username=current_user.username, name=current_user.name,
                   role=current_user.role, specialty=current_user.specialty)


def _case_id(data) -> int | None:
    return optional_id(data.get("case_id"))
