"""Health cards: QR image, printable PDF, issue, reissue, revoke, verification, delivery."""

from flask import Response, current_app, jsonify
from flask_login import current_user

from crm.models import Patient
from crm.models.base import local
from crm.platform import audit
from crm.platform.api import body, bp
from crm.platform.errors import Refused, load
from crm.residents.cards import operations as cards
from crm.residents.cards import render
from crm.residents.lookup import patient_view
from crm.staff.auth.capabilities import allow


def card_json(card) -> dict:
    """A card and its lifecycle, as the API shows it."""
    view = patient_view(card.patient, card, hospital_records=False)["card"]
    view["patient_id"] = card.patient_id
    view["patient_name"] = card.patient.name
    view["revoked_reason"] = card.revoked_reason
    return view


def _audited(number: str, action: str, printing: bool = False):
    """The card with this number, its viewing (or a refused print) written to the audit log."""
    found = cards.get_card(number)
    try:
        if printing:
            cards.ensure_printable(found)
    except Refused:
        audit.record(f"{action}_refused", patient_id=found.patient_id, card_number=found.number, status=found.status,
                     keep=True)
        raise
    audit.record(action, patient_id=found.patient_id, card_number=found.number)
    return found


@bp.get("/cards/<number>")
@allow("read_patients")
def card(number: str):
    """A card's status and lifecycle."""
    return jsonify(card_json(_audited(number, "view_card")))


@bp.get("/cards/<number>/qr.png")
@allow("card_office")
def card_qr(number: str):
    """The card's signed QR as a PNG."""
    found = _audited(number, "card_qr", printing=True)
    return Response(render.qr_png(found.qr_token), mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.get("/cards/<number>.pdf")
@allow("card_office")
def card_pdf(number: str):
    """The printable two-sided card."""
    found = _audited(number, "card_print", printing=True)
    pdf = render.card_pdf(print_view(found))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="card-{found.number}.pdf"', "Cache-Control": "no-store"})


@bp.post("/patients/<int:patient_id>/cards")
@allow("card_office")
def issue(patient_id: int):
    """Issue a first card to a resident."""
    patient = load(Patient, patient_id, "patient")
    return _act(lambda: cards.issue(patient, current_user), 201)


@bp.post("/cards/<number>/reissue")
@allow("card_office")
def reissue(number: str):
    """Replace a card with a revised or duplicate one."""
    return _act(lambda: cards.reissue(number, str(body().get("reason", "")), current_user), 201)


@bp.post("/cards/<number>/revoke")
@allow("card_office")
def revoke(number: str):
    """Revoke a card."""
    return _act(lambda: cards.revoke(number, str(body().get("reason", "")), current_user))


@bp.post("/cards/<number>/verification")
@allow("card_office")
def verification(number: str):
    """Record the door-to-door verification of a card."""
    return _act(lambda: cards.record_verification(number, current_user, str(body().get("where", ""))))


@bp.post("/cards/<number>/delivery")
@allow("card_office")
def delivery(number: str):
    """Record that the card reached its holder."""
    return _act(lambda: cards.record_delivery(number, current_user, str(body().get("note", ""))))


def _act(action, status: int = 200):
    return jsonify(card_json(action())), status


def print_view(card) -> render.CardPrint:
    """What the printed card shows."""
    patient = card.patient
    contact = patient.emergency_contact_name
    if contact and patient.emergency_contact_phone:
        contact = f"{contact}, {patient.emergency_contact_phone}"
    return render.CardPrint(
        number=card.number,
        version=card.version,
        name_en=patient.name,
        name_hi=patient.name_hi or "",
        sex=patient.sex,
        year_of_birth=patient.birth_year,
        dob=patient.dob,
        household_id=patient.household.code if patient.household else "",
        blood_group=patient.blood_group,
        emergency_contact=contact or "",
        issued_on=local(card.issued_at).date(),  # the Delhi date, as the card page shows it
        qr_text=card.qr_token,
        reason={"original": "Original", "revised": "Revised", "duplicate": "Duplicate"}[card.reason],
        helpline=current_app.config["HELPLINE_DISPLAY_NUMBER"],
    )
