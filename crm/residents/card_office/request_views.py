"""The card office's worklist (/card-office/requests, on the card office's blueprint): residents asking to join a household, and requests for
revised and duplicate cards."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from crm.models import CardRequest, HouseholdJoin
from crm.models.citizen import CARD_REQUEST_STATUSES
from crm.platform import audit
from crm.platform.errors import load
from crm.residents.card_office import requests as card_requests
from crm.residents.card_office.views import bp
from crm.residents.enrollment import joins
from crm.staff.auth.capabilities import allow


@bp.get("/requests")
@allow("card_office")
def worklist():
    """Open requests first (oldest first), then the finished ones; filter by status."""
    status = request.args.get("status") if request.args.get("status") in CARD_REQUEST_STATUSES else None
    rows = card_requests.worklist(status)
    to_join = joins.worklist()
    audit.record("card_request_worklist", via="card_office", requests=[r.id for r in rows][:500],
                 household_joins=[j.id for j in to_join][:500],
                 patients={r.patient_id for r in rows} | {j.patient_id for j in to_join})
    return render_template("card_office/requests.html", rows=rows, status=status, statuses=CARD_REQUEST_STATUSES,
                           joins=to_join, adults=joins.adults_of)


@bp.post("/requests/<int:request_id>/<action>")
@allow("card_office")
def act(request_id: int, action: str):
    """Take a request, reissue the card it asks for, or turn it down (with a reason the resident reads)."""
    found = load(CardRequest, request_id, "card request")
    if action == "take":
        card_requests.take(found, current_user)
    elif action == "reissue":
        card_requests.reissue(found, current_user, holder_confirmed=request.form.get("holder_confirmed") == "1")
    elif action == "reject":
        card_requests.reject(found, current_user, request.form.get("note", ""))
    else:
        return render_template("error.html", status=404, message="No such action."), 404
    return redirect(url_for("card_office.worklist", _anchor=f"r{found.id}"))


@bp.post("/household-joins/<int:join_id>/<action>")
@allow("card_office")
def decide_join(join_id: int, action: str):
    """Approve a resident's joining of a household once verified with the family, or refuse it (saying why)."""
    found = load(HouseholdJoin, join_id, "household join request")
    if action == "approve":
        joins.approve(found, current_user, request.form.get("note", ""))
    elif action == "refuse":
        joins.refuse(found, current_user, request.form.get("note", ""))
    else:
        return render_template("error.html", status=404, message="No such action."), 404
    return redirect(url_for("card_office.worklist", _anchor=f"j{found.id}"))
