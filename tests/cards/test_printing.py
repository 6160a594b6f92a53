"""Cards to print: a batch of newly issued cards as a print sheet with crop marks and a CSV for the vendor,
marked printed, then shown to deliver on the field worklist; the card office page follows a bulk issue."""

from __future__ import annotations

import csv
import io

import numpy as np
import pypdfium2 as pdfium
import pytest
import zxingcpp
from sqlalchemy import select

from crm.models import AuditLog, CardPrintBatch, HealthCard, OfficeJob
from crm.models.base import utcnow
from crm.platform.extensions import db
from crm.residents.card_office import printing
from crm.residents.cards import operations as cards
from crm.residents.field import worklist
from tests import factories

from .photos import rasterise

DPI = 300
MM = DPI / 25.4  # pixels per millimetre


@pytest.fixture
def office(app):
    """A registrar's bulk issue of ten cards in two wards (and one card issued at the desk), a client as them."""
    client, registrar = factories.logged_in(app, "registrar")
    for n in range(10):
        home = factories.make_household(ward="Seelampur" if n < 6 else "Mustafabad")
        factories.make_patient(home, ward=home.ward, name=f"Resident {n}")
    job = OfficeJob(kind="card_issue", started_by_id=registrar.id, status="done")
    db.session.add(job)
    db.session.commit()
    cards.issue_missing(registrar, job_id=job.id)
    desk = factories.make_card(name="Issued At The Desk")
    return client, registrar, job, desk


def lines(img, axis: int, band: slice) -> list[float]:
    """Where dark marks cross the page (mm) within `band` of the other axis: vertical marks when axis=0."""
    grey = np.asarray(img.convert("L"))
    dark = (grey[band, :] < 128).any(axis=0) if axis == 0 else (grey[:, band] < 128).any(axis=1)
    found, start = [], None
    for i, on in enumerate([*dark, False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            found.append((start + i - 1) / 2 / MM)
            start = None
    return found


def test_a_batch_prints_a_cr80_sheet_with_crop_marks_whose_qr_codes_scan(office):
    client, _registrar, job, _desk = office
    assert client.post("/card-office/print", data={"issue_job_id": job.id}).status_code == 303
    batch = db.session.scalars(select(CardPrintBatch)).one()
    pdf = client.get(f"/card-office/print/{batch.id}/part-1.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    doc = pdfium.PdfDocument(pdf.data)
    assert len(doc) == 4  # ten cards: two sheets, each a page of fronts and a page of backs
    assert all((round(p.get_size()[0] / 72 * 25.4), round(p.get_size()[1] / 72 * 25.4)) == (210, 297) for p in doc)
    front = rasterise(pdf.data, 0, DPI)
    # Crop marks in the margins only, on every cut: card edges 85.60 mm apart across, 53.98 mm down.
    across = lines(front, 0, slice(0, int(25 * MM)))
    down = lines(front, 1, slice(0, int(12 * MM)))
    assert len(across) == 4 and len(down) == 8, (across, down)
    widths = [across[1] - across[0], across[3] - across[2]]
    heights = [down[i + 1] - down[i] for i in range(0, 8, 2)]
    assert all(abs(w - 85.60) < 0.2 for w in widths) and all(abs(h - 53.98) < 0.2 for h in heights), (widths, heights)
    # Every QR on the sheets reads back as its card's signed text.
    scanned = set()
    for page in (0, 2):
        image = rasterise(pdf.data, page, DPI)
        scanned |= {b.text for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)}
    batch_cards = db.session.scalars(select(HealthCard).where(HealthCard.print_batch_id == batch.id)).all()
    assert scanned == {card.qr_token for card in batch_cards} and len(scanned) == 10
    assert client.get(f"/card-office/print/{batch.id}/part-2.pdf").status_code == 404


def test_the_export_marks_the_cards_printed_and_the_vendor_csv_carries_each_qr(office):
    client, registrar, job, desk = office
    client.post("/card-office/print", data={"issue_job_id": job.id})
    batch = db.session.scalars(select(CardPrintBatch)).one()
    printed = db.session.scalars(select(HealthCard).where(HealthCard.print_batch_id == batch.id)).all()
    assert len(printed) == 10 and all(card.printed_at for card in printed) and batch.created_by_id == registrar.id
    assert db.session.get(HealthCard, desk.id).print_batch_id is None  # not of that issue
    answer = client.get(f"/card-office/print/{batch.id}.csv")
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert list(rows[0]) == ["batch", "part", "sheet", "slot", "card_number", "version", "name", "name_hi",
                             "household", "ward", "issued_on", "qr_text"]
    assert {r["card_number"]: r["qr_text"] for r in rows} == {c.number: c.qr_token for c in printed}
    assert [r["ward"] for r in rows] == sorted(r["ward"] for r in rows)  # the stack goes to the field ward by ward
    assert [(r["sheet"], r["slot"]) for r in rows[7:9]] == [("1", "8"), ("2", "1")]
    assert rows[0]["batch"] == batch.reference
    again = client.post("/card-office/print", data={"issue_job_id": job.id}, follow_redirects=True)
    assert "sent to print already" in again.get_data(as_text=True)
    client.post("/card-office/print", data={})  # any issue: the desk's card is what is left
    db.session.expire_all()
    assert db.session.get(HealthCard, desk.id).print_batch_id is not None
    actions = {(a.action, a.staff_id) for a in db.session.scalars(select(AuditLog))}
    assert {("card_print_batch", registrar.id), ("card_print_csv", registrar.id)} <= actions
    page = client.get("/card-office/print").get_data(as_text=True)
    assert batch.reference in page and "Vendor CSV" in page


def test_batches_are_bounded_and_only_the_card_office_prints(office, app, monkeypatch):
    client, _registrar, job, _desk = office
    monkeypatch.setattr(printing, "PRINT_BATCH_MAX", 4)
    client.post("/card-office/print", data={})
    assert db.session.scalars(select(CardPrintBatch)).one().cards == 4
    operator, _ = factories.logged_in(app, "operator")
    verifier, _ = factories.logged_in(app, "field_verifier")
    for other in (operator, verifier):
        assert other.post("/card-office/print", data={}).status_code == 403
        assert other.get("/card-office/print/1.csv").status_code == 403
        assert other.post("/api/v1/card-office/print-batches", json={}).status_code == 403
    assert client.post("/api/v1/card-office/print-batches", json={"issue_job_id": "x"}).status_code == 422
    made = client.post("/api/v1/card-office/print-batches", json={"issue_job_id": job.id})
    assert made.status_code == 201 and made.json["cards"] == 4
    listed = client.get("/api/v1/card-office/print-batches").json
    assert listed["waiting"] == 3 and [b["reference"] for b in listed["batches"]] == ["PB-00002", "PB-00001"]


def test_the_field_worklist_shows_printed_cards_to_deliver(office, app):
    client, registrar, job, _desk = office
    verifier = factories.make_staff("field_verifier")
    worklist.assign("Mustafabad", verifier.id, registrar)
    db.session.commit()
    before = worklist.worklist(verifier)["wards"][0]
    assert before["cards"] == 4 and before["to_deliver"] == 0
    client.post("/card-office/print", data={"issue_job_id": job.id})
    ward = worklist.worklist(verifier)["wards"][0]
    shown = [card for home in ward["households"] for card in home["cards"]]
    assert ward["to_deliver"] == 4 and all(card["to_deliver"] for card in shown)


def test_the_card_office_page_follows_a_running_issue(app, client, login):
    registrar = login("registrar")
    for _ in range(3):
        factories.make_patient()
    job = OfficeJob(kind="card_issue", started_by_id=registrar.id, status="running", stage="issuing", total=120,
                    done=45, updated_at=utcnow())
    db.session.add(job)
    db.session.commit()
    page = client.get("/card-office/").get_data(as_text=True)
    assert 'id="missing-cards">75<' in page  # what the job has left, not a count from before it started
    assert 'id="issue-button" disabled>Issuing… 45 of 120<' in page
    job.status, job.done = "done", 120
    db.session.commit()
    page = client.get("/card-office/").get_data(as_text=True)
    assert 'id="missing-cards">3<' in page and 'id="issue-button" >Issue their cards<' in page
