"""The citizen portal's pages (/portal): parse, call a service, render. Every view of a record is audited."""

from __future__ import annotations

from flask import Blueprint, Response, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from crm.citizens.facilities import maps
from crm.citizens.facilities import search as facility_search
from crm.citizens.grievances import followup
from crm.citizens.grievances import services as grievances
from crm.citizens.grievances import texts as grievance_texts
from crm.citizens.portal import calendar, household, i18n, records, signin
from crm.citizens.portal import session as citizen
from crm.citizens.portal.session import citizen_page
from crm.helpline import appointments as appointment_rules
from crm.models import Facility
from crm.models.citizen import GRIEVANCE_CATEGORIES
from crm.platform.errors import Refused
from crm.platform.extensions import db, limiter
from crm.platform.security.bounds import optional_id
from crm.residents.card_office import requests as card_requests
from crm.residents.cards import render as card_render
from crm.staff.auth.access import public
from triage import specialties

bp = Blueprint("portal", __name__, url_prefix="/portal")
PENDING = "citizen_pending"  # the mobile a code was asked for, until it is entered
SEND_LIMIT = "20 per hour"  # per client address, on top of the per-number and per-address code limits
TRY_LIMIT = "30 per 10 minutes"


def _lang() -> str:
    return str(get_locale() or "hi")


@bp.get("/lang/<lang>")
@public
def choose_language(lang: str):
    """Switch to Hindi, English, Punjabi or Urdu; remembered for a year in a cookie."""
    target = request.args.get("next", "")
    if not target.startswith("/portal") or target.startswith("//"):
        target = url_for("portal.home")
    response = redirect(target)
    if lang in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, samesite="Lax", httponly=True,
                            secure=request.is_secure)
    return response


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(SEND_LIMIT, methods=["POST"])
def sign_in():
    """Step 1: the mobile number on the registry."""
    if request.method == "GET":
        return render_template("portal/sign_in.html")
    mobile = signin.request_code(request.form.get("mobile", ""), request.remote_addr, _lang())
    session[PENDING] = mobile
    return redirect(url_for("portal.enter_code"))


@bp.route("/code", methods=["GET", "POST"])
@public
@limiter.limit(TRY_LIMIT, methods=["POST"])
def enter_code():
    """Step 2: the code from the SMS. The same answer whether or not the number is on the registry."""
    mobile = session.get(PENDING)
    if not mobile:
        return redirect(url_for("portal.sign_in"))
    if request.method == "GET":
        return render_template("portal/code.html", mobile=mobile, minutes=signin.CODE_MINUTES)
    if signin.check_code(mobile, request.form.get("code", ""), request.remote_addr):
        citizen.begin(mobile)
        return redirect(url_for("portal.home"))
    # 200 and not 4xx: the failed try must be committed (it counts towards the limit of tries).
    return render_template("portal/code.html", mobile=mobile, minutes=signin.CODE_MINUTES,
                           error=_("That code is wrong or has expired. Check the SMS, or ask for a new code."))


@bp.post("/sign-out")
@public
def sign_out():
    """End the citizen session."""
    citizen.end()
    session.pop(PENDING, None)
    return redirect(url_for("portal.sign_in"))


@bp.post("/sign-out-everywhere")
@citizen_page
def sign_out_everywhere():
    """End every session of this citizen's mobile: a phone lost, a shared computer left signed in."""
    citizen.end_everywhere(g.citizen_mobile)
    session.pop(PENDING, None)
    flash(_("You are signed out on every phone and computer."), "info")
    return redirect(url_for("portal.sign_in"))


@bp.get("/")
@citizen_page
def home():
    """The household's cards and their status, open card requests, and where to go next."""
    shown = household.people(g.citizen_mobile)
    household.seen(g.citizen_mobile, "portal_view_cards", shown)
    asked = card_requests.of_patients([p.patient.id for p in shown])
    return render_template("portal/home.html", people=shown, requests=asked)


@bp.get("/cards/<number>/qr.png")
@citizen_page
def card_qr(number: str):
    """The signed QR of a household card."""
    holder, card = household.card(g.citizen_mobile, number)
    household.seen(g.citizen_mobile, "portal_card_qr", holder, card_number=card.number)
    return Response(card_render.qr_png(card.qr_token, scale=6), mimetype="image/png")


@bp.get("/cards/<number>.pdf")
@citizen_page
def card_pdf(number: str):
    """The card as a PDF, as the card office prints it."""
    holder, card = household.card(g.citizen_mobile, number)
    household.seen(g.citizen_mobile, "portal_card_pdf", holder, card_number=card.number)
    return Response(household.card_pdf(holder, card, _lang()), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="health-card-{card.number}.pdf"'})


@bp.route("/cards/<number>/request", methods=["GET", "POST"])
@citizen_page
def card_request(number: str):
    """Ask for a revised card (what is wrong) or a duplicate (lost or damaged)."""
    holder, card = household.card(g.citizen_mobile, number)
    if request.method == "GET":
        household.seen(g.citizen_mobile, "portal_view_card", holder, card_number=card.number)
        return render_template("portal/card_request.html", holder=holder, card=card,
                               days=card_requests.expected_days(), collect=card_requests.collection(holder.patient))
    kind = request.form.get("kind", "")
    detail = request.form.get("why", "") if kind == "duplicate" else request.form.get("detail", "")
    filed = card_requests.submit(holder.patient, kind, detail, g.citizen_mobile, _lang(),
                                 for_another_adult=not holder.full_card)
    return redirect(url_for("portal.home", asked=filed.reference) + "#requests")


@bp.get("/appointments")
@citizen_page
def appointments():
    """Upcoming and past appointments of the residents whose health information this mobile may read."""
    shown = household.people(g.citizen_mobile)
    rows = records.appointments(g.citizen_mobile, shown)
    household.seen(g.citizen_mobile, "portal_view_appointments", [p for p in shown if p.full_card],
                   appointments=[a.id for a in rows])
    return render_template("portal/appointments.html", rows=rows, cutoff=appointment_rules.CITIZEN_CUTOFF)


@bp.get("/appointments/<int:appointment_id>.ics")
@citizen_page
def appointment_calendar(appointment_id: int):
    """A booked appointment as a calendar file (add it to the phone's calendar), in the citizen's language."""
    found = records.appointment(g.citizen_mobile, household.people(g.citizen_mobile), appointment_id)
    if found.status != "booked":
        raise Refused("not_booked", _("This appointment is no longer booked."), 404)
    household.seen(g.citizen_mobile, "portal_appointment_calendar", None, appointment=found.id)
    facility = found.slot.facility
    place = facility.name_hi if _lang() == "hi" and facility.name_hi else facility.name
    body = calendar.ics(found, place, specialties.label(found.slot.specialty, _lang()))
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="appointment-{found.id}.ics"', "Cache-Control": "no-store"})


@bp.post("/appointments/<int:appointment_id>/cancel")
@citizen_page
def cancel_appointment(appointment_id: int):
    """Cancel one's appointment (the slot opens for someone else)."""
    found = records.appointment(g.citizen_mobile, household.people(g.citizen_mobile), appointment_id)
    appointment_rules.cancel_by_citizen(found)
    household.seen(g.citizen_mobile, "portal_cancel_appointment", None, appointment=found.id)
    return redirect(url_for("portal.appointments"))


@bp.route("/appointments/<int:appointment_id>/move", methods=["GET", "POST"])
@citizen_page
def move_appointment(appointment_id: int):
    """Choose another time for an appointment (same specialty, not within the cut-off)."""
    found = records.appointment(g.citizen_mobile, household.people(g.citizen_mobile), appointment_id)
    if request.method == "GET":
        appointment_rules.ensure_citizen_may_change(found)
        return render_template("portal/move.html", appointment=found,
                               slots=appointment_rules.citizen_choices(found))
    slot_id = optional_id(request.form.get("slot_id"))
    if slot_id is None:
        raise Refused("cannot_book", _("Choose a time."), 422)
    new = appointment_rules.reschedule_by_citizen(found, slot_id)
    household.seen(g.citizen_mobile, "portal_move_appointment", None, appointment=found.id, to=new.id)
    return redirect(url_for("portal.appointments"))


@bp.get("/contacts")
@citizen_page
def contacts():
    """Past calls and texts with the helpline: reference, outcome and advice."""
    shown = household.people(g.citizen_mobile)
    rows = records.contacts(g.citizen_mobile, shown, _lang())
    household.seen(g.citizen_mobile, "portal_view_contacts", [p for p in shown if p.full_card],
                   cases=[r.reference for r in rows])
    return render_template("portal/contacts.html", rows=rows)


@bp.route("/grievances", methods=["GET", "POST"])
@citizen_page
def grievance_list():
    """File a grievance (the place found by a search showing address and kind) and follow, reopen or rate the ones
    filed."""
    shown = household.people(g.citizen_mobile)
    if request.method == "POST":
        facility = db.session.get(Facility, optional_id(request.form.get("facility_id")) or 0)
        own = next((p.patient for p in shown if p.own), None)
        filed = grievances.file(request.form.get("category", ""), request.form.get("body", ""), "portal",
                                g.citizen_mobile, _lang(), patient=own, facility=facility)
        return redirect(url_for("portal.grievance_list", filed=filed.reference))
    rows = grievances.of_citizen(g.citizen_mobile, [p.patient.id for p in shown if p.own])
    household.seen(g.citizen_mobile, "portal_view_grievances", None, grievances=[r.id for r in rows])
    place = " ".join(str(request.args.get("place", "")).split())[:facility_search.LONGEST]
    return render_template("portal/grievances.html", rows=rows, replies=grievances.replies_to(rows),
                           categories=GRIEVANCE_CATEGORIES, place=place,
                           found=facility_search.search(place), texts=grievance_texts, can_reopen=followup.can_reopen,
                           reopen_days=followup.reopen_days(), chosen=request.args.get("category", ""))


@bp.post("/grievances/<int:grievance_id>/reopen")
@citizen_page
def grievance_reopen(grievance_id: int):
    """The answer did not help: reopen within the set period, saying why."""
    followup.reopen(_own_grievance(grievance_id), request.form.get("reason", ""))
    flash(_("Your complaint is open again. We will text you each step."))
    return redirect(url_for("portal.grievance_list"))


@bp.post("/grievances/<int:grievance_id>/rate")
@citizen_page
def grievance_rate(grievance_id: int):
    """Rate the answer, 1 to 5."""
    followup.rate(_own_grievance(grievance_id), request.form.get("rating", ""))
    flash(_("Thank you for rating the answer."))
    return redirect(url_for("portal.grievance_list"))


def _own_grievance(grievance_id: int):
    """A grievance this mobile filed or that concerns its residents; another's answers 404, as a missing one does."""
    shown = household.people(g.citizen_mobile)
    found = grievances.of_citizen_one(g.citizen_mobile, [p.patient.id for p in shown if p.own], grievance_id)
    if found is None:
        raise Refused("not_found", "Not found.", 404)
    return found


@bp.app_context_processor
def _portal_helpers():
    return {"get_locale": get_locale, "language_names": i18n.NAMES, "text_direction": i18n.direction,
            "card_status_label": _card_status_label, "request_status_label": card_requests.status_label,
            "request_kind_label": card_requests.kind_label, "pretty_card": household.pretty,
            "request_expected_by": card_requests.expected_by, "card_collection": card_requests.collection,
            "relation_label": _relation_label, "specialty_label": specialties.label,
            "directions_url": maps.directions_url}


def _relation_label(relation: str) -> str:
    """How the registry relates a member to the head of the household, in the citizen's language."""
    return {"self": _("Head of household"), "wife": _("Wife"), "husband": _("Husband"), "spouse": _("Spouse"),
            "son": _("Son"), "daughter": _("Daughter"), "father": _("Father"), "mother": _("Mother"),
            "brother": _("Brother"), "sister": _("Sister")}.get((relation or "").lower(), relation or _("Member"))


def _card_status_label(status: str) -> str:
    return {"issued": _("Issued"), "verified": _("Verified"), "delivered": _("Delivered")}.get(status, status)

