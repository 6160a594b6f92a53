"""Cards to print: the card office sends newly issued cards to the print vendor in batches.

A batch (PB-00012) takes the oldest issued cards nobody has printed yet, at most PRINT_BATCH_MAX, optionally only
those of one bulk issue, ordered by ward and household so that the printed stack goes to the field as it is walked.
Making the batch is the export: its cards are marked printed (when, and the batch says by whom), and the field
worklist shows them to deliver. The batch's print sheet (PDF, in parts of PDF_PART cards) and the vendor's CSV
(one row per card with its QR text) can be downloaded again; every download is audited as a read of those residents.
"""

from __future__ import annotations

import io
import math

from sqlalchemy import func, select

from crm.models import CardPrintBatch, HealthCard, Household, OfficeJob, Patient, StaffUser
from crm.models.base import iso, local, utcnow
from crm.platform import audit, spreadsheets
from crm.platform.errors import Refused, load
from crm.platform.extensions import db
from crm.residents.cards import sheet
from crm.residents.cards.api import print_view
from crm.staff.auth.capabilities import can

PRINT_BATCH_MAX = 200  # cards in one batch: 25 A4 sheets, a vendor's day for one machine
PDF_PART = 40  # cards in one PDF download (5 sheets, 10 pages): rendered within a request's time
BATCHES_PAGE = 20
# part: the PDF download; sheet: the A4 sheet within the batch; slot: 1-8 on its front page, left to right, top down
CSV_COLUMNS = ("batch", "part", "sheet", "slot", "card_number", "version", "name", "name_hi", "household", "ward",
               "issued_on", "qr_text")


def _ready():
    """Live cards as issued that no batch has taken yet (a verified card was seen before printing: it prints too)."""
    return (select(HealthCard.id).join(Patient, HealthCard.patient_id == Patient.id)
            .where(HealthCard.status.in_(("issued", "verified")), HealthCard.print_batch_id.is_(None),
                   Patient.merged_into_id.is_(None)))


def waiting(issue_job_id: int | None = None) -> int:
    """How many cards wait to be printed (of one bulk issue, if given)."""
    query = _ready()
    if issue_job_id is not None:
        query = query.where(HealthCard.issue_job_id == issue_job_id)
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def make_batch(actor: StaffUser, issue_job_id: int | None = None) -> CardPrintBatch:
    """Take up to PRINT_BATCH_MAX unprinted cards into a new batch and mark them printed (flushed, audited)."""
    if not can(actor, "card_office"):
        raise Refused("forbidden", "Only the card office sends cards to print.", 403)
    if issue_job_id is not None:
        job = load(OfficeJob, issue_job_id, "card issue")
        if job.kind != "card_issue":
            raise Refused("not_an_issue", "Only the cards of a card issue are printed as its batch.", 422)
    query = _ready().order_by(Patient.ward, Patient.household_id, HealthCard.id)
    if issue_job_id is not None:
        query = query.where(HealthCard.issue_job_id == issue_job_id)
    # Two registrars exporting at once each get their own cards: rows another export holds are passed over.
    card_ids = list(db.session.scalars(query.limit(PRINT_BATCH_MAX).with_for_update(of=HealthCard, skip_locked=True)))
    if not card_ids:
        raise Refused("nothing_to_print", "Every issued card has been sent to print already.", 409)
    batch = CardPrintBatch(created_by_id=actor.id, issue_job_id=issue_job_id, cards=len(card_ids))
    db.session.add(batch)
    db.session.flush()
    now = utcnow()
    db.session.execute(HealthCard.__table__.update().where(HealthCard.id.in_(card_ids))
                       .values(print_batch_id=batch.id, printed_at=now))
    patients = list(db.session.scalars(select(HealthCard.patient_id).where(HealthCard.id.in_(card_ids))))
    audit.record("card_print_batch", staff_id=actor.id, batch=batch.reference, cards=len(card_ids),
                 issue_job_id=issue_job_id, patients=sorted(patients))
    db.session.expire_all()
    return batch


def batches(page: int = 1) -> tuple[list[CardPrintBatch], int]:
    """One page of batches, newest first, and how many pages there are."""
    total = db.session.scalar(select(func.count()).select_from(CardPrintBatch)) or 0
    pages = max(1, math.ceil(total / BATCHES_PAGE))
    page = min(max(page, 1), pages)
    rows = db.session.scalars(select(CardPrintBatch).order_by(CardPrintBatch.id.desc())
                              .offset((page - 1) * BATCHES_PAGE).limit(BATCHES_PAGE))
    return list(rows), pages


def batch_state(batch: CardPrintBatch) -> dict:
    """What the page and the API show of a batch: counts and who, no resident's details."""
    staff = db.session.get(StaffUser, batch.created_by_id)
    return {"id": batch.id, "reference": batch.reference, "cards": batch.cards, "issue_job_id": batch.issue_job_id,
            "created_at": iso(batch.created_at), "created_by": staff.name if staff else None,
            "parts": max(1, math.ceil(batch.cards / PDF_PART))}


def cards_of(batch: CardPrintBatch, part: int | None = None) -> list[HealthCard]:
    """The batch's cards in print order; with `part` (from 1) only that part's PDF_PART cards."""
    query = (select(HealthCard).join(Patient, HealthCard.patient_id == Patient.id)
             .where(HealthCard.print_batch_id == batch.id).order_by(Patient.ward, Patient.household_id, HealthCard.id))
    if part is not None:
        parts = max(1, math.ceil(batch.cards / PDF_PART))
        if not 1 <= part <= parts:
            raise Refused("bad_part", f"Batch {batch.reference} has {parts} part(s).", 404)
        query = query.offset((part - 1) * PDF_PART).limit(PDF_PART)
    return list(db.session.scalars(query))


def sheet_pdf(batch: CardPrintBatch, part: int, actor: StaffUser) -> bytes:
    """Part `part` of the batch as print sheets with crop marks (audited: the cards carry residents' details)."""
    cards = cards_of(batch, part)
    audit.record("card_print_sheet", staff_id=actor.id, batch=batch.reference, part=part, cards=len(cards),
                 patients=sorted(c.patient_id for c in cards))
    return sheet.sheet_pdf([print_view(card) for card in cards], title=f"Delhi Health Cards {batch.reference}")


def vendor_csv(batch: CardPrintBatch, actor: StaffUser) -> str:
    """The vendor's CSV: one row per card, in print order, with where it sits on the sheets and its QR text."""
    cards = cards_of(batch)
    homes = dict(db.session.execute(select(Household.id, Household.code).where(
        Household.id.in_({c.patient.household_id for c in cards if c.patient.household_id}))).all())
    out = io.StringIO()
    writer = spreadsheets.writer(out)
    writer.writerow(CSV_COLUMNS)
    for index, card in enumerate(cards):
        patient = card.patient
        sheet_no, slot = divmod(index, sheet.PER_SHEET)
        writer.writerow([batch.reference, index // PDF_PART + 1, sheet_no + 1, slot + 1, card.number,
                         card.version, patient.name, patient.name_hi or "", homes.get(patient.household_id, ""),
                         patient.ward or "", local(card.issued_at).date().isoformat(), card.qr_token])
    audit.record("card_print_csv", staff_id=actor.id, batch=batch.reference, cards=len(cards),
                 patients=sorted(c.patient_id for c in cards))
    return out.getvalue()
