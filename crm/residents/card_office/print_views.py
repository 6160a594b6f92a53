"""Cards to print (/card-office/print, on the card office's blueprint): make a batch, download its sheets and CSV."""

from __future__ import annotations

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from crm.models import CardPrintBatch, OfficeJob
from crm.platform.api import body
from crm.platform.api import bp as api_bp
from crm.platform.errors import Refused, load
from crm.platform.extensions import db
from crm.platform.security.bounds import bounded_int, optional_id
from crm.residents.card_office import printing
from crm.residents.card_office.views import bp
from crm.staff.auth.capabilities import allow

ISSUES_SHOWN = 10


def _issue_job(value) -> int | None:
    """The bulk issue a batch is limited to: none when not given, else a valid id (or Refused 422)."""
    if value in (None, ""):
        return None
    job_id = optional_id(value)
    if job_id is None:
        raise Refused("bad_issue", "issue_job_id must be the id of a card issue.", 422)
    return job_id


def _page_number() -> int:
    try:
        return bounded_int(request.args.get("page", "1"), 1, 100_000)
    except ValueError:
        return 1


@bp.get("/print")
@allow("card_office")
def print_page():
    """How many cards wait for the printer, the bulk issues they came from, and the batches made (paged)."""
    rows, pages = printing.batches(_page_number())
    issues = db.session.scalars(select(OfficeJob).where(OfficeJob.kind == "card_issue", OfficeJob.status == "done")
                                .order_by(OfficeJob.id.desc()).limit(ISSUES_SHOWN)).all()
    return render_template("card_office/print.html", waiting=printing.waiting(), batches=[(b, printing.batch_state(b)) for b in rows],
                           page=min(_page_number(), pages), pages=pages, per_batch=printing.PRINT_BATCH_MAX,
                           issues=[(job, printing.waiting(job.id)) for job in issues],
                           focus=request.args.get("batch", type=int))


@bp.post("/print")
@allow("card_office")
def print_batch():
    """Send the next cards (of one bulk issue, if chosen) to print; the page then offers the batch's files."""
    try:
        batch = printing.make_batch(current_user, _issue_job(request.form.get("issue_job_id")))
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".print_page"), 303)
    flash(f"Batch {batch.reference}: {batch.cards} cards marked printed. Download the sheets and the vendor's CSV below.",
          "ok")
    return redirect(url_for(".print_page", batch=batch.id) + f"#batch-{batch.id}", 303)


@bp.get("/print/<int:batch_id>/part-<int:part>.pdf")
@allow("card_office")
def print_sheet(batch_id: int, part: int):
    """One part of a batch as A4 print sheets of CR80 cards with crop marks (audited)."""
    batch = load(CardPrintBatch, batch_id, "print batch")
    pdf = printing.sheet_pdf(batch, part, current_user)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{batch.reference}-part-{part}.pdf"', "Cache-Control": "no-store"})


@bp.get("/print/<int:batch_id>.csv")
@allow("card_office")
def print_csv(batch_id: int):
    """The vendor's CSV of a batch: each card's place on the sheets and its QR text (audited)."""
    batch = load(CardPrintBatch, batch_id, "print batch")
    return Response(printing.vendor_csv(batch, current_user), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{batch.reference}.csv"', "Cache-Control": "no-store"})


@api_bp.get("/card-office/print-batches")
@allow("card_office")
def api_print_batches():
    """Cards waiting to be printed and one page of print batches, newest first."""
    rows, pages = printing.batches(_page_number())
    return jsonify(waiting=printing.waiting(), batches=[printing.batch_state(b) for b in rows], pages=pages)


@api_bp.post("/card-office/print-batches")
@allow("card_office")
def api_print_batch():
    """Send the next cards (of bulk issue `issue_job_id`, if given) to print; 201 with the batch."""
    data = body()
    batch = printing.make_batch(current_user, _issue_job(data.get("issue_job_id")))
    return jsonify(printing.batch_state(batch)), 201
