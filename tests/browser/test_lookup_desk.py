"""The lookup desk in a real browser: photo of a card, mistyped number, superseded card."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from crm.models import AuditLog
from crm.platform.extensions import db
from crm.residents.cards import number as card_number
from crm.residents.cards import operations as cards
from crm.residents.cards import render
from crm.residents.cards.api import print_view
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.cards.photos import card_photo

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Seeded:
    """What a test needs to know about the data it put in, after the app context is gone."""

    staff_id: int
    username: str
    patient_id: int
    card_number: str
    current_number: str
    pdf: bytes


def seed_sunita(app, role: str = "operator", reissue: bool = False) -> Seeded:
    """A staff member and Sunita Sharma with a card (reissued once if asked); the old card's PDF."""
    with app.test_request_context():
        staff = factories.make_staff(role=role)
        card = factories.make_card(
            name="Sunita Sharma", name_hi="सुनीता शर्मा", sex="F", allergies=["Penicillin"], blood_group="B+",
        )
        pdf = render.card_pdf(print_view(card))
        current = cards.reissue(card.number, "duplicate") if reissue else card
        db.session.commit()
        seeded = Seeded(staff.id, staff.username, card.patient_id, card.number, current.number, pdf)
        db.session.remove()
    return seeded


def log_in(page, base_url: str, username: str) -> None:
    """Log in through the real form, then open the lookup desk (each role has its own start page)."""
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{base_url}/lookup")
    page.locator("#photo-input").wait_for(state="attached")


def upload_photo(page, tmp_path, pdf: bytes) -> None:
    """Choose a phone photo of the printed card in the desk's photo field."""
    photo = tmp_path / "card-photo.jpg"
    photo.write_bytes(card_photo(pdf, angle=7, blur=1.2))
    page.set_input_files("#photo-input", str(photo))


def test_photo_of_card_shows_patient_and_is_audited(live_app, live_server, page, tmp_path):
    """A phone photo of a printed card opens the holder's panel, allergy flagged, view audited."""
    seeded = seed_sunita(live_app)
    log_in(page, live_server, seeded.username)

    upload_photo(page, tmp_path, seeded.pdf)

    panel = page.locator("#result article.patient-panel")
    panel.wait_for()
    name = panel.locator("h2.patient-name")
    assert name.inner_text().startswith("Sunita Sharma")
    assert name.locator(".hi").inner_text() == "सुनीता शर्मा"
    assert panel.locator(".card-chip .number").inner_text() == card_number.pretty(seeded.card_number)
    allergy = panel.locator(".clinical .fact.alert")
    assert "Penicillin" in allergy.inner_text()
    assert panel.locator(".banner").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "lookup_photo_upload.png"), full_page=True)

    with live_app.app_context():
        rows = db.session.scalars(select(AuditLog).where(
            AuditLog.action == "view_patient", AuditLog.patient_id == seeded.patient_id)).all()
        assert [(r.staff_id, r.via, r.card_number) for r in rows] == [
            (seeded.staff_id, "qr", seeded.card_number)]


def test_mistyped_card_number_is_refused_before_lookup(live_app, live_server, page):
    """A card number with a wrong check digit gets a clear message, not a search."""
    seeded = seed_sunita(live_app)
    log_in(page, live_server, seeded.username)
    body, last = seeded.card_number[:-1], int(seeded.card_number[-1])
    typo = body + str((last + 1) % 10)

    page.fill("#number-input", card_number.pretty(typo))
    page.press("#number-input", "Enter")

    error = page.locator("#result .lookup-error")
    error.wait_for()
    assert error.get_attribute("data-code") == "check_digit"
    assert "Check the input" in error.inner_text()
    assert f"The card number {card_number.pretty(typo)} does not check out" in error.inner_text()
    assert page.locator("#result article.patient-panel").count() == 0


@pytest.mark.parametrize("entry", ["photo", "typed"])
def test_old_card_names_the_current_one(live_app, live_server, page, tmp_path, entry):
    """After a reissue the old card still finds the holder, under an 'Old card' banner."""
    seeded = seed_sunita(live_app, role="registrar", reissue=True)
    log_in(page, live_server, seeded.username)

    if entry == "photo":
        upload_photo(page, tmp_path, seeded.pdf)
    else:
        page.fill("#number-input", seeded.card_number)
        page.click("#number-form button")

    panel = page.locator("#result article.patient-panel")
    panel.wait_for()
    banner = panel.locator(".banner-warn")
    assert banner.inner_text().startswith("Old card.")
    assert card_number.pretty(seeded.current_number) in banner.inner_text()
    assert panel.locator(".card-chip .number").inner_text() == card_number.pretty(seeded.card_number)
    assert panel.locator(".card-chip .status").inner_text().lower() == "superseded"
    # The card office's view (crm/staff/auth/patient_view.py): the blood group printed on the card, no clinical facts.
    assert "B+" in panel.inner_text() and "Penicillin" not in panel.inner_text()
    page.screenshot(path=str(ARTIFACTS / f"lookup_registrar_{entry}.png"), full_page=True)
