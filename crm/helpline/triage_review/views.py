"""Triage review pages: the list to label, the label form, the corpus export (doctors and supervisors)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.helpline.triage_review import services
from crm.platform.extensions import db
from crm.platform.security.bounds import MAX_ID
from crm.staff.auth.capabilities import allow

bp = Blueprint("triage_review", __name__, url_prefix="/triage-review")
MAX_PAGE = 200


def _bounded_int(value: str | None, low: int, high: int) -> int | None:
    if value is None or not value.isdigit() or len(value) > 12:
        return None
    number = int(value)
    return number if low <= number <= high else None


@bp.get("/")
@allow("review_triage")
def index():
    """The messages triage was unsure of, staff re-judged, or the floor could not name."""
    reason = request.args.get("reason") or None
    page = _bounded_int(request.args.get("page", "1"), 1, MAX_PAGE)
    if page is None or (reason is not None and reason not in services.REASONS):
        abort(400)
    items, more = services.review_items(reason, page)
    return render_template("triage_review/index.html", items=items, more=more, page=page, reason=reason,
                           reasons=services.REASONS, specialties=services.SPECIALTIES,
                           versions=services.rules_review(), burden=services.cried_wolf())  # fmt: skip


@bp.post("/label")
@allow("review_triage")
def label():
    """Record a clinician's label for one triaged message, then back to the list."""
    event_id = _bounded_int(request.form.get("event_id"), 1, MAX_ID)
    if event_id is None:
        abort(400)
    try:
        services.label(event_id, request.form.get("priority", ""), request.form.get("specialty") or None, current_user)
    except services.ReviewError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".index")), 303
    flash("Label saved · लेबल सहेजा गया", "ok")
    back = {k: v for k, v in (("reason", request.form.get("reason")), ("page", request.form.get("page"))) if v}
    return redirect(url_for(".index", **back) + f"#event-{event_id}", 303)


@bp.get("/export.tsv")
@allow("review_triage")
def export():
    """The labels as rows of the triage corpus (tests/triage/corpus.tsv format)."""
    body = services.export_tsv()
    return Response(body, mimetype="text/tab-separated-values",
                    headers={"Content-Disposition": "attachment; filename=triage-labels.tsv"})  # fmt: skip
