"""The card office's pages: upload a registry CSV and watch its import, issue missing cards in bulk."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from crm.models import OfficeJob
from crm.platform.api import bp as api_bp
from crm.platform.errors import Refused, answer, load
from crm.platform.extensions import db
from crm.residents.card_office import printing
from crm.residents.card_office import work as service
from crm.residents.duplicates import review as duplicates
from crm.residents.registry.rows import REQUIRED_COLUMNS
from crm.staff.auth.capabilities import allow

bp = Blueprint("card_office", __name__, url_prefix="/card-office")


@bp.get("/")
@allow("card_office")
def index():
    """Upload form, bulk issue, and the latest imports and issues with their progress."""
    return _page(None)


@bp.post("/imports")
@allow("card_office")
def upload():
    """Store an uploaded registry CSV and start its import; the page then follows it live."""
    try:
        job = service.start_import(current_user, request.files.get("file"))
    except Refused as exc:
        db.session.rollback()
        return _page(exc)
    return redirect(url_for(".index", job=job.id) + f"#job-{job.id}", 303)


@bp.post("/card-issue")
@allow("card_office")
def card_issue():
    """Start issuing cards to every resident without one."""
    try:
        job = service.start_card_issue(current_user)
    except Refused as exc:
        db.session.rollback()
        return _page(exc)
    return redirect(url_for(".index", job=job.id) + f"#job-{job.id}", 303)


@bp.get("/jobs/<int:job_id>/rejects.csv")
@allow("card_office")
def rejects(job_id: int):
    """The rejected rows of an import, each with its line and reason (audited)."""
    job = load(OfficeJob, job_id, "import")
    path = service.rejects_file(job, current_user)
    stem = (job.file_name or "registry.csv").rsplit(".", 1)[0]
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name=f"{stem}.rejects.csv")


@bp.errorhandler(413)
def too_large(exc):
    """A file past the server's own limit: the same clear words as a file past the upload setting."""
    return answer("too_large", f"The file is larger than {service.upload_limit() // (1024 * 1024)} MB, the most this "
                  "page takes; split it, or import it on the server with `flask registry import`.", 413)


@api_bp.get("/card-office/jobs")
@allow("card_office")
def api_jobs():
    """The latest registry imports and bulk card issues with their progress, residents still without a card, cards
    waiting to be printed, and the duplicates worklist's figures."""
    return jsonify(jobs=[service.state(job) for job in service.recent()], missing_cards=service.missing_cards(),
                   to_print=printing.waiting(), duplicates=duplicates.figures())


@api_bp.get("/card-office/jobs/<int:job_id>")
@allow("card_office")
def api_job(job_id: int):
    """Where one import or bulk issue is now (a page that reloads asks this)."""
    return jsonify(service.state(load(OfficeJob, job_id, "job")))


@api_bp.post("/card-office/imports")
@allow("card_office")
def api_upload():
    """Upload a registry CSV (multipart field `file`) and start its import; 202 with the job."""
    job = service.start_import(current_user, request.files.get("file"))
    return jsonify(service.state(job)), 202


@api_bp.post("/card-office/card-issue")
@allow("card_office")
def api_card_issue():
    """Issue cards to every resident without one, as a job; 202 with the job."""
    return jsonify(service.state(service.start_card_issue(current_user))), 202


def _page(error: Refused | None):
    rows = [(job, service.state(job)) for job in service.recent()]
    issuing = next((j for _, j in rows if j["kind"] == "card_issue" and j["status"] in ("queued", "running")), None)
    missing = service.missing_cards()
    if issuing and issuing["total"]:  # the job's own count, as the page then follows it (the rest may be mid-batch)
        missing = max(issuing["total"] - issuing["done"], 0)
    return render_template("card_office/index.html", error=error, rows=rows, issuing=issuing,
                           missing=missing, to_print=printing.waiting(), columns=REQUIRED_COLUMNS,
                           figures=duplicates.figures(),
                           limit_mb=service.upload_limit() // (1024 * 1024),
                           focus=request.args.get("job", type=int)), (error.status if error else 200)
