"""The field verifier's phone page in a real Chromium at 360x740: it goes offline, records three
verifications, comes back and sends them once; a resend after a lost answer changes nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from crm.models import FieldMark, HealthCard
from crm.platform.extensions import db
from crm.residents.field import worklist
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.floor_desk import log_in

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}


def seed(app) -> tuple[str, list[str]]:
    """A field verifier with ward Seelampur: two homes, four cards; returns (username, card numbers)."""
    with app.test_request_context():
        verifier = factories.make_staff("field_verifier", name="Rukhsana Begum")
        office = factories.make_staff("registrar")
        numbers = []
        for code, people in (
                ("HH-SLP-001", [("Ramesh Kumar", "रमेश कुमार", "self", "M"), ("Sunita Devi", "सुनीता देवी", "wife", "F")]),
                ("HH-SLP-002", [("Mohd Imran", "मोहम्मद इमरान", "self", "M"), ("Shabnam", "शबनम", "daughter", "F")])):
            home = factories.make_household(code=code, address=f"{code[-3:]}, Gali 4, Seelampur", ward="Seelampur")
            for name, name_hi, relation, sex in people:
                card = factories.make_card(factories.make_patient(household=home, ward="Seelampur", name=name,
                                                                  name_hi=name_hi, relation=relation, sex=sex))
                numbers.append(card.number)
        worklist.assign("Seelampur", verifier.id, office)
        db.session.commit()
        username = verifier.username
        db.session.remove()
    return username, numbers


def marks_on_server(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(FieldMark))
        db.session.remove()
        return count


def mark(page, number: str, note: str) -> None:
    page.click(f"button.member[data-card='{number}']")
    page.check("input[name=outcome][value=verified]")
    page.fill("#note", note)
    page.click("#save-mark")
    page.locator("#sheet").wait_for(state="hidden")


def test_offline_marks_sync_once_when_back(browser, live_app, live_server):
    username, numbers = seed(live_app)
    context = browser.new_context(viewport=PHONE, locale="en-IN", permissions=["geolocation"],
                                  geolocation={"latitude": 28.6862, "longitude": 77.2636, "accuracy": 15},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, live_server, username, "/field/")  # a verifier's start page is the field page
        page.locator("button.member").first.wait_for()
        # The service worker has the page and the worklist before the network goes.
        page.evaluate("navigator.serviceWorker.ready")
        for _ in range(50):
            if page.evaluate("navigator.serviceWorker.controller !== null"):
                break
            page.wait_for_timeout(100)
        page.reload()
        page.locator("button.member").first.wait_for()
        page.screenshot(path=str(ARTIFACTS / "field_phone_worklist_360.png"))

        context.set_offline(True)
        page.reload()  # the page itself now comes from the service worker
        page.locator("button.member").first.wait_for()
        assert "offline" in page.locator("#worklist-note").inner_text().lower()
        for i, number in enumerate(numbers[:3]):
            mark(page, number, f"met at the door {i + 1}")
        expect(page.locator("#outbox-summary")).to_contain_text("3 waiting to send")
        assert page.locator("#net").inner_text().startswith("Offline · 3 to send")
        page.click(f"button.member[data-card='{numbers[3]}']")
        page.screenshot(path=str(ARTIFACTS / "field_phone_offline_sheet_360.png"))
        page.click("#cancel-mark")
        page.screenshot(path=str(ARTIFACTS / "field_phone_offline_360.png"), full_page=True)
        assert marks_on_server(live_app) == 0

        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(page.locator("#outbox-summary")).to_contain_text("0 waiting to send · 3 sent")
        assert marks_on_server(live_app) == 3
        page.screenshot(path=str(ARTIFACTS / "field_phone_synced_360.png"), full_page=True)

        # The answers were lost (say the signal dropped mid-reply): the phone sends all three again.
        page.evaluate("""async () => {
            const marks = await window.FieldStore.all();
            for (const m of marks) { m.state = 'pending'; await window.FieldStore.put(m); }
            await window.SamparkField.sync();
        }""")
        expect(page.locator("#outbox-summary")).to_contain_text("0 waiting to send · 3 sent")
        assert marks_on_server(live_app) == 3
        with live_app.app_context():
            statuses = dict(db.session.execute(select(HealthCard.number, HealthCard.status)).all())
            marks = db.session.scalars(select(FieldMark)).all()
            assert [statuses[n] for n in numbers] == ["verified", "verified", "verified", "issued"]
            assert {m.card_number for m in marks} == set(numbers[:3])
            assert all(m.latitude == pytest.approx(28.6862) and m.result == "applied" for m in marks)
            db.session.remove()
    finally:
        context.close()


def test_a_card_revoked_meanwhile_is_shown_as_a_conflict_and_photos_are_shrunk(browser, live_app, live_server,
                                                                               tmp_path):
    import io

    from PIL import Image

    from crm.residents.cards import operations as cards

    username, numbers = seed(live_app)
    with live_app.app_context():
        tokens = dict(db.session.execute(select(HealthCard.number, HealthCard.qr_token)).all())
        db.session.remove()
    big = tmp_path / "acknowledgement.jpg"
    Image.new("RGB", (4000, 3000), (230, 225, 210)).save(big, "JPEG", quality=95)  # a 12 MP phone photo
    context = browser.new_context(viewport=PHONE, locale="en-IN", is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, live_server, username, "/field/")
        page.locator("button.member").first.wait_for()
        # The phone reads the card number out of the QR the way the server does, and checks the Verhoeff digit.
        for number in numbers:
            assert page.evaluate("t => window.SamparkField.numberFromQr(t)", tokens[number]) == number
            assert page.evaluate("n => window.SamparkField.validNumber(n)", number)
            typo = number[:5] + str((int(number[5]) + 1) % 10) + number[6:]
            assert not page.evaluate("n => window.SamparkField.validNumber(n)", typo)

        context.set_offline(True)
        page.evaluate("window.dispatchEvent(new Event('offline'))")
        page.click(f"button.member[data-card='{numbers[0]}']")
        page.check("input[name=outcome][value=delivered]")
        page.set_input_files("#photo", str(big))
        expect(page.locator("#photo-preview")).to_be_visible()
        page.click("#save-mark")
        page.click(f"button.member[data-card='{numbers[1]}']")
        page.check("input[name=outcome][value=not_found]")
        page.fill("#note", "locked, neighbour says they are at work")
        page.click("#save-mark")
        with live_app.app_context():  # meanwhile the card office revokes the first card
            cards.revoke(numbers[0], "issued twice")
            db.session.commit()
            db.session.remove()
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(page.locator("#outbox-summary")).to_contain_text("0 waiting to send · 1 sent · 1 need attention")
        expect(page.locator("#conflicts")).to_contain_text("revoked (issued twice): do not deliver it, take it back")
        expect(page.locator("#conflicts")).to_contain_text("Delivered · Ramesh Kumar")
        page.screenshot(path=str(ARTIFACTS / "field_phone_conflict_360.png"), full_page=True)
        with live_app.app_context():
            marks = {m.card_number: m for m in db.session.scalars(select(FieldMark))}
            assert marks[numbers[0]].result == "conflict" and marks[numbers[1]].result == "recorded"
            photo = Image.open(io.BytesIO(marks[numbers[0]].photo))
            assert max(photo.size) == 1000 and len(marks[numbers[0]].photo) < 400_000
            db.session.remove()
        page.click("#conflicts button")  # the verifier has read it
        expect(page.locator("#conflicts li")).to_have_count(0)
        # A shared phone: logging out drops the cached worklist.
        assert page.evaluate("caches.keys()") == ["sampark-field-v2"]
        page.click("#logout-form button")
        page.wait_for_url("**/login*")
        assert page.evaluate("caches.keys()") == []
    finally:
        context.close()
