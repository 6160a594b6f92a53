"""The access log page and API: search who saw whom, review break-the-glass reads, export CSV."""

from __future__ import annotations

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from crm.platform.api import body, bounded_int
from crm.platform.api import bp as api_bp
from crm.platform.errors import Refused
from crm.staff.access_log import services
from crm.staff.auth.capabilities import allow

bp = Blueprint("access_log", __name__, url_prefix="/access-log")
MAX_PAGE = 200


def _page() -> int:
    return bounded_int(request.args.get("page", 1), "page", 1, MAX_PAGE)


@bp.get("/")
@allow("review_access")
def index():
    """Search the audit log; the break-the-glass reads waiting for review are listed first."""
    query, page = services.parse(request.args), _page()
    rows, more = services.search(query, page)
    return render_template("access_log/index.html", rows=rows, more=more, page=page, query=query,
                           glass=services.glass_to_review(), args=request.args)


@bp.post("/review/<int:audit_id>")
@allow("review_access")
def review(audit_id: int):
    """A supervisor's verdict on one break-the-glass read."""
    services.review(audit_id, current_user, request.form.get("verdict", ""), request.form.get("note", ""))
    flash("Review recorded.", "ok")
    return redirect(url_for(".index"), 303)


@api_bp.get("/audit")
@allow("review_access")
def api_search():
    """Audit rows matching staff, patient, case, action and Delhi dates; 50 a page, newest first."""
    rows, more = services.search(services.parse(request.args), _page())
    return jsonify(rows=rows, more=more)


@api_bp.get("/audit.csv")
@allow("review_access")
def api_export():
    """The matching audit rows as CSV (at most 10,000)."""
    return Response(services.export_csv(services.parse(request.args)), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="sampark-access-log.csv"'})


@api_bp.get("/audit/break-glass")
@allow("review_access")
def api_glass():
    """Break-the-glass reads not reviewed yet."""
    return jsonify(rows=services.glass_to_review())


@api_bp.post("/audit/<int:audit_id>/review")
@allow("review_access")
def api_review(audit_id: int):
    """Review one break-the-glass read: verdict 'justified' or 'not_justified', optional note."""
    data = body()
    if not isinstance(data.get("verdict"), str):
        raise Refused("bad_request", "Give the verdict.", 422)
    services.review(audit_id, current_user, data["verdict"], str(data.get("note") or ""))
    return jsonify(reviewed=audit_id)
