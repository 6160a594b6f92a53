"""The field verifier's phone page in a real Chromium at 360x740: it goes offline, records three
verifications, comes back and sends them once; a resend after a lost answer changes nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from crm.extensions import db
from crm.field import worklist
from crm.models import FieldMark, HealthCard
from tests import factories
from tests.browser.conftest import ARTIFACTS

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
        page.goto(f"{live_server}/login")
        page.fill("#username", username)
        page.fill("#password", factories.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/field/")  # a verifier's start page is the field page
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
