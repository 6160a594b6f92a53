"""The duplicates worklist of the card office: pages under /card-office/duplicates, JSON under
/api/v1/card-office/duplicates. Views parse and render; crm.residents.duplicates.review decides."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from crm.models import DuplicatePair
from crm.models.base import iso
from crm.platform.api import body
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.platform.security.bounds import optional_id
from crm.residents.duplicates import review
from crm.staff.auth.capabilities import allow

bp = Blueprint("duplicates", __name__, url_prefix="/card-office/duplicates")
api = Blueprint("duplicates_api", __name__, url_prefix="/api/v1/card-office/duplicates")
STATUSES = ("open", "merged", "dismissed")


def _page_number() -> int:
    number = optional_id(request.args.get("page"))
    return min(number or 1, review.MAX_PAGE)


def _status() -> str:
    status = request.args.get("status") or "open"
    return status if status in STATUSES else "open"


@bp.get("/")
@allow("enroll_residents")
def worklist():
    """Pairs of records that may be one resident, best first; merged and dismissed ones on their own tabs."""
    status = _status()
    return render_template("duplicates/list.html", page=review.worklist(status, _page_number()), status=status,
                           statuses=STATUSES, figures=review.figures())


@bp.get("/<int:pair_id>")
@allow("enroll_residents")
def pair_page(pair_id: int):
    """Both records side by side, with keep-this-one, merge (confirmed, with a reason), dismiss and undo."""
    return render_template("duplicates/pair.html", **review.pair_view(pair_id), form={})


def _decided(pair_id: int, action):
    """Run a decision from a form; a refusal shows the pair again with the message and what was typed."""
    try:
        action()
    except Refused as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return render_template("duplicates/pair.html", **review.pair_view(pair_id),
                               form=request.form.to_dict()), refused.status
    return redirect(url_for(".pair_page", pair_id=pair_id), 303)


@bp.post("/<int:pair_id>/merge")
@allow("enroll_residents")
def merge(pair_id: int):
    """Merge the pair into the record chosen to keep."""
    form = request.form

    def act():
        review.merge(pair_id, optional_id(form.get("survivor_id")), current_user, form.get("reason"),
                     form.get("confirm") == "1")
        flash("Records merged. Everything moved is listed below; Undo puts it all back.", "ok")
    return _decided(pair_id, act)


@bp.post("/<int:pair_id>/dismiss")
@allow("enroll_residents")
def dismiss(pair_id: int):
    """Two different people: the pair leaves the worklist for good."""
    def act():
        review.dismiss(pair_id, current_user, request.form.get("reason"))
        flash("Marked as two different people. This pair will not be queued again.", "ok")
    return _decided(pair_id, act)


@bp.post("/<int:pair_id>/undo")
@allow("enroll_residents")
def undo(pair_id: int):
    """Undo the pair's merge exactly; the pair is open for review again."""
    def act():
        pair = db.session.get(DuplicatePair, pair_id)
        if pair is None or pair.merge_id is None:
            raise Refused("not_merged", "Only a merged pair can be undone.", 409)
        review.undo(pair.merge_id, current_user, request.form.get("reason"))
        flash("Merge undone: both records are as they were before.", "ok")
    return _decided(pair_id, act)


def pair_json(pair: DuplicatePair) -> dict:
    """A pair as the API shows it: ids, score, reasons and the decision (no personal data)."""
    return {"id": pair.id, "patient_ids": [pair.low_id, pair.high_id], "score": pair.score, "reasons": pair.reasons,
            "source": pair.source, "status": pair.status, "created_at": iso(pair.created_at),
            "decided_at": iso(pair.decided_at), "decided_by_id": pair.decided_by_id, "note": pair.note,
            "merge_id": pair.merge_id}


@api.get("")
@allow("enroll_residents")
def list_json():
    """One page of pairs (status open, merged or dismissed; page=N) and the figures."""
    page = review.worklist(_status(), _page_number())
    return jsonify(pairs=[pair_json(p) for p in page.pairs], page=page.number, pages=page.pages, total=page.total,
                   figures=review.figures())


@api.post("/<int:pair_id>/merge")
@allow("enroll_residents")
def merge_json(pair_id: int):
    """Merge: {"survivor_id": one of the pair, "reason": "...", "confirm": true}."""
    data = body()
    return jsonify(pair_json(review.merge(pair_id, optional_id(data.get("survivor_id")), current_user,
                                          data.get("reason") if isinstance(data.get("reason"), str) else "",
                                          data.get("confirm") is True)))


@api.post("/<int:pair_id>/dismiss")
@allow("enroll_residents")
def dismiss_json(pair_id: int):
    """Dismiss: {"reason": "..."}."""
    data = body()
    return jsonify(pair_json(review.dismiss(pair_id, current_user,
                                            data.get("reason") if isinstance(data.get("reason"), str) else "")))
