"""The resident's data rights in the portal (/portal/my-data, on the portal's blueprint): see and download what
Sampark holds about them, ask for a correction, ask for an erasure. Every view is audited; a request changes nothing
until the card office decides it (crm.residents.card_office.data_requests)."""

from __future__ import annotations

import json

from flask import Response, abort, g, redirect, render_template, request, url_for
from flask_babel import get_locale

from crm.citizens.portal import household, my_data
from crm.citizens.portal.session import citizen_page
from crm.citizens.portal.views import bp
from crm.models.citizen import CORRECTABLE_FIELDS, DATA_REQUEST_REASON, DATA_REQUEST_VALUE
from crm.platform.api import bounded_int
from crm.platform.errors import Refused
from crm.platform.extensions import limiter
from crm.platform.security.bounds import optional_id
from crm.residents.card_office import data_requests

MAX_PAGE = 500
REQUEST_LIMIT = "10 per hour"  # per client address, on top of the per-mobile daily limit


def _lang() -> str:
    return str(get_locale() or "hi")


def _chosen(shown: list[household.Person]) -> household.Person:
    """The resident a form is about: one of the mobile's own (anyone else's id answers 404, as a missing one)."""
    wanted = optional_id(request.form.get("patient_id"))
    for person in shown:
        if person.patient.id == wanted or (wanted is None and len(shown) == 1):
            return person
    raise Refused("not_found", "Not found.", 404)


@bp.get("/my-data")
@citizen_page
def my_data_home():
    """The registry record, household link and cards of the mobile's own residents, and their data requests."""
    shown = my_data.own(g.citizen_mobile)
    ids = [p.patient.id for p in shown]
    asked = my_data.requests(ids)
    household.seen(g.citizen_mobile, "portal_view_my_data", shown, part="record")
    return render_template("portal/my_data.html", people=shown, records=[my_data.record(p.patient) for p in shown],
                           asked=asked, parts=my_data.PARTS, part_label=my_data.part_label,
                           fact_label=my_data.fact_label, facts=my_data.FACTS)


@bp.get("/my-data/<part>")
@citizen_page
def my_data_part(part: str):
    """One list of what is held (contacts, messages, appointments, complaints, who opened the record), 20 a page."""
    if part not in my_data.PARTS:
        abort(404)
    page = bounded_int(request.args.get("page", 1), "page", 1, MAX_PAGE)
    shown = my_data.own(g.citizen_mobile)
    found = my_data.part(part, g.citizen_mobile, [p.patient.id for p in shown], page, _lang())
    household.seen(g.citizen_mobile, "portal_view_my_data", shown, part=part, page=page, rows=len(found.rows))
    return render_template("portal/my_data_list.html", part=part, found=found, part_label=my_data.part_label)


@bp.get("/my-data.json")
@citizen_page
def my_data_download():
    """Everything above as one JSON file."""
    shown = my_data.own(g.citizen_mobile)
    document = my_data.export(g.citizen_mobile, shown, _lang())
    household.seen(g.citizen_mobile, "portal_download_my_data", shown, format="json")
    return Response(json.dumps(document, ensure_ascii=False, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="sampark-my-data.json"'})


@bp.route("/my-data/correct", methods=["GET", "POST"])
@citizen_page
@limiter.limit(REQUEST_LIMIT, methods=["POST"])
def my_data_correct():
    """Ask for something in the record to be corrected: which field, what it should say, why."""
    shown = my_data.own(g.citizen_mobile)
    if request.method == "POST":
        person = _chosen(shown)
        filed = data_requests.submit(person.patient, g.citizen_mobile, "correction", request.form.get("reason", ""),
                                     _lang(), field=request.form.get("field", ""),
                                     correct_value=request.form.get("correct_value", ""))
        return redirect(url_for("portal.my_data_home", filed=filed.reference) + "#requests", 303)
    return render_template("portal/my_data_correct.html", people=shown, fields=CORRECTABLE_FIELDS,
                           field_label=data_requests.field_label, value_max=DATA_REQUEST_VALUE,
                           reason_max=DATA_REQUEST_REASON)


@bp.route("/my-data/erase", methods=["GET", "POST"])
@citizen_page
@limiter.limit(REQUEST_LIMIT, methods=["POST"])
def my_data_erase():
    """What can and cannot be erased, and why; then a request, with a reason, that goes to the card office."""
    shown = my_data.own(g.citizen_mobile)
    if request.method == "POST":
        person = _chosen(shown)
        filed = data_requests.submit(person.patient, g.citizen_mobile, "erasure", request.form.get("reason", ""),
                                     _lang())
        return redirect(url_for("portal.my_data_home", filed=filed.reference) + "#requests", 303)
    return render_template("portal/my_data_erase.html", people=shown, reason_max=DATA_REQUEST_REASON)
