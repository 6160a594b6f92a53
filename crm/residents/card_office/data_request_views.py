"""The card office's data requests (/card-office/data-requests, on the card office's blueprint): residents asking to
correct or erase their data; each is opened (audited) and marked done or refused with the answer the resident reads."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from crm.models import DataRequest
from crm.models.citizen import DATA_REQUEST_STATUSES
from crm.platform import audit
from crm.platform.api import bounded_int
from crm.platform.errors import load
from crm.residents.card_office import data_requests
from crm.residents.card_office.views import bp
from crm.staff.auth.capabilities import allow

MAX_PAGE = 400


@bp.get("/data-requests")
@allow("card_office")
def data_request_list():
    """Open requests oldest first (25 a page); or the done, refused or all of them, newest first."""
    status = request.args.get("status", "open")
    status = status if status in (*DATA_REQUEST_STATUSES, "all") else "open"
    page = bounded_int(request.args.get("page", 1), "page", 1, MAX_PAGE)
    rows, more = data_requests.worklist(status, page)
    audit.record("data_request_worklist", via="card_office", requests=[r.id for r in rows],
                 patients=sorted({r.patient_id for r in rows}))
    return render_template("card_office/data_requests.html", rows=rows, more=more, page=page, status=status,
                           statuses=(*DATA_REQUEST_STATUSES, "all"), field_label=data_requests.field_label)


@bp.get("/data-requests/<int:request_id>")
@allow("card_office")
def data_request(request_id: int):
    """One request with the resident's record beside it (the view is audited)."""
    found = data_requests.open_one(load(DataRequest, request_id, "data request"), current_user)
    return render_template("card_office/data_request.html", r=found, patient=found.patient,
                           field_label=data_requests.field_label)


@bp.post("/data-requests/<int:request_id>/decide")
@allow("card_office")
def decide_data_request(request_id: int):
    """Done (what was changed or erased) or refused (why); the resident is texted and reads the answer."""
    found = data_requests.decide(request_id, current_user, request.form.get("outcome", ""),
                                 request.form.get("answer", ""))
    return redirect(url_for("card_office.data_request_list", _anchor=f"d{found.id}"), 303)
