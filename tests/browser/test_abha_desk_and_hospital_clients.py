"""In a real Chromium: the desk reads an ABHA card's QR (typed by a USB scanner, or a photo), the card office
links the ABHA, and the interoperability officer registers a hospital system."""

from __future__ import annotations

import io
import json

import pytest
import segno
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from crm.platform.extensions import db
from tests import factories
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
ABHA_QR = {"hidn": "91-4321-8765-2109", "hid": "kamla.devi@abdm", "name": "Kamla Devi", "gender": "F",
           "dob": "14/8/1968", "mobile": "9810007777", "address": "Seelampur, Delhi", "distlgd": "90", "statelgd": "7"}


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.mark.parametrize("width, height", [(1280, 720), (1440, 900)])
def test_the_desk_reads_an_abha_card_and_the_card_office_links_it(live_app, live_server, browser, tmp_path, width, height):
    with live_app.app_context():
        registrar = factories.make_staff("registrar").username
        patient_id = factories.make_card(name="Kamla Devi", name_hi="कमला देवी", sex="F").patient_id
        db.session.remove()
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-IN")
    page = context.new_page()
    try:
        log_in(page, live_server, registrar)
        page.goto(f"{live_server}/lookup")
        page.fill("#scanner-input", json.dumps(ABHA_QR))  # a USB scanner types the QR's text, then Enter
        page.press("#scanner-input", "Enter")
        page.wait_for_selector("#result[data-state=error]")
        message = page.inner_text("#result")
        assert "Kamla Devi, ABHA 91-4321-8765-2109" in message and "link the ABHA" in message
        page.screenshot(path=str(ARTIFACTS / f"abha_not_linked_{width}.png"))

        page.goto(f"{live_server}/patients/{patient_id}")
        page.fill("input[name=abha_number]", "91 4321 8765 2109")
        page.fill("input[name=abha_address]", "Kamla.Devi@abdm")
        page.click(".abha-link button[type=submit]")
        page.wait_for_selector(".flash >> text=ABHA linked.")
        assert "ABHA 91-4321-8765-2109 · kamla.devi@abdm" in page.inner_text(".patient-panel .facts")

        page.goto(f"{live_server}/lookup")
        photo = tmp_path / "abha-card.png"
        buffer = io.BytesIO()
        segno.make(json.dumps(ABHA_QR), error="m").save(buffer, kind="png", scale=6, border=4)
        photo.write_bytes(buffer.getvalue())
        page.set_input_files("#photo-input", str(photo))  # a photo of the ABHA card's QR
        page.wait_for_selector("#result article.patient-panel")
        assert page.inner_text("#result h2.patient-name").startswith("Kamla Devi")
        page.fill("#abha-input", "kamla.devi@ABDM")
        page.press("#abha-input", "Enter")
        page.wait_for_selector("#result[data-state=found] article.patient-panel")
        page.screenshot(path=str(ARTIFACTS / f"abha_found_{width}.png"))
    finally:
        context.close()


def test_the_interop_officer_registers_and_revokes_a_hospital_system(live_app, live_server, browser):
    with live_app.app_context():
        officer = factories.make_staff("interop_officer").username
    pem = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="en-IN")
    page = context.new_page()
    try:
        log_in(page, live_server, officer)
        page.click("nav >> text=Hospital systems")
        page.fill("input[name=name]", "Lok Nayak Hospital HIS")
        page.fill("textarea[name=public_key]", pem)
        page.check("input[name=preset][value=send_history]")
        page.click("form.client-form button[type=submit]")
        flash = page.wait_for_selector(".flash")
        assert "Lok Nayak Hospital HIS registered. Its client id is hc_" in flash.inner_text()
        row = page.locator("table.log tbody tr").first
        assert "system/Bundle.write" in row.inner_text() and "ES384" in row.inner_text()
        page.screenshot(path=str(ARTIFACTS / "hospital_clients_registered_1280.png"), full_page=True)
        row.locator("button:has-text('Revoke')").click()
        page.wait_for_selector(".flash >> text=is revoked")
        assert "revoked" in page.locator("table.log tbody tr").first.inner_text()
    finally:
        context.close()
