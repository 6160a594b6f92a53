"""A resident on a phone (360x740, real Chromium): signs in with the code the emulator's phone received, downloads
the card and decodes its QR, asks for a duplicate that the card office then sees, files a complaint and follows
it; every page looked at in Hindi and in English."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pypdfium2
import pytest
import requests
import zxingcpp

from crm.cases import lifecycle
from crm.cases.status import Status
from crm.citizens.grievances import services as grievances
from crm.helpline import appointments as appointment_rules
from crm.models import Facility, Grievance, StaffUser
from crm.platform.extensions import db
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.live import eventually, served

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
MOBILE = "+919810011111"


def _world(app) -> dict:
    with app.app_context():
        home = factories.make_household(code="DL-HH-004242")
        mother = factories.make_patient(home, name="Sunita Devi", name_hi="सुनीता देवी", sex="F", mobile=MOBILE,
                                        blood_group="B+")
        son = factories.make_patient(home, name="Aman Kumar", name_hi="अमन कुमार", sex="M", mobile=MOBILE,
                                     relation="son", dob=date(date.today().year - 9, 3, 1),
                                     birth_year=date.today().year - 9)
        cards = [factories.make_card(p) for p in (mother, son)]
        db.session.add(Facility(code="MC-SEELAMPUR", name="Mohalla Clinic Seelampur", name_hi="मोहल्ला क्लिनिक सीलमपुर",
                                kind="mohalla_clinic", district="North East", address="Gali 4, Brahmpuri Road",
                                ward="Seelampur", pincode="110053"))
        db.session.commit()
        _booked(son)
        return {"mother_card": cards[0].number, "qr": cards[0].qr_token, "son_card": cards[1].number}


def _booked(patient) -> None:
    """The son was seen on the helpline last week and has a paediatric appointment in three days."""
    doctor = factories.make_staff("doctor", specialty="paediatrics", name="Dr. Farah Khan")
    gtb = Facility(code="HS-GTB", name="Guru Teg Bahadur Hospital", name_hi="गुरु तेग बहादुर अस्पताल", kind="hospital",
                   district="Shahdara")
    db.session.add(gtb)
    db.session.flush()
    for days in (3, 4):
        appointment_rules.add_schedule(doctor, gtb, date.today() + timedelta(days=days), "09:00", "10:00", 20)
    case = lifecycle.open_case("voice", MOBILE, status=Status.QUEUED, patient_id=patient.id)
    case.doctor_id, case.disposition = doctor.id, "appointment"
    case.advice = "Paracetamol syrup 5 ml if fever above 100 F; plenty of fluids. Bring the health card."
    appointment_rules.book(appointment_rules.open_slots("paediatrics")[0].id, case, doctor)
    db.session.commit()


def _sms(base: str) -> list[str]:
    """What the resident's phone received, read from the emulator as the phone page shows it."""
    thread = requests.get(f"{base}/emulator/emulator-api/sms", params={"number": MOBILE}, timeout=5).json()
    return [m["body"] for m in thread if not m["mine"]]


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"portal_{name}.png"), full_page=True)


def test_a_resident_signs_in_downloads_the_card_asks_for_a_duplicate_and_files_a_complaint(browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        world = _world(app)
        context = browser.new_context(viewport=PHONE, locale="hi-IN", accept_downloads=True, is_mobile=True,
                                      has_touch=True, device_scale_factor=2)
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            page.goto(f"{base}/portal/")
            page.wait_for_url(f"{base}/portal/sign-in")
            _shot(page, "hi_sign_in")
            page.fill("#mobile", "98100 11111")
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/portal/code")
            _shot(page, "hi_code")
            sms = eventually(lambda: [s for s in _sms(base) if "कोड" in s])
            code = re.search(r"\d{6}", sms[-1]).group(0)
            page.fill("#code", code)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/portal/")
            assert "सुनीता देवी" in page.inner_text("main") and "अमन कुमार" in page.inner_text("main")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
            _shot(page, "hi_cards")

            with page.expect_download() as download:
                page.click(f"#person-{'1'} a[download]")
            pdf = pypdfium2.PdfDocument(download.value.path())
            assert len(pdf) == 2
            [qr] = zxingcpp.read_barcodes(pdf[0].render(scale=12).to_pil())
            assert qr.text == world["qr"]

            page.click("#person-1 a[href$='/request']")
            page.check("#duplicate-form input[value=lost]")
            _shot(page, "hi_card_request")
            page.click("#duplicate-form button[type=submit]")
            page.wait_for_selector("#requests li[data-ref=CR-00001]")
            assert "मिल गया" in page.inner_text("#requests li[data-ref=CR-00001]")  # received
            assert eventually(lambda: [s for s in _sms(base) if "CR-00001" in s])

            page.click("nav.p-tabs a[href$='/grievances']")
            page.fill("#place", "सीलमपुर")  # the place is found by a search showing its kind and address
            page.click("#find-place")
            page.wait_for_selector("#places label.p-place")
            assert "मोहल्ला क्लिनिक · Gali 4, Brahmpuri Road, Seelampur, 110053" in page.inner_text("#places")
            page.check("#places label.p-place input")
            page.select_option("#category", "facility")
            page.fill("#body", "सुबह 10 बजे क्लिनिक बंद था <b>दो दिन</b>")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            _shot(page, "hi_complaint_place_found")
            page.click("#new-complaint form[method=post] button[type=submit]")
            page.wait_for_selector("#filed li[data-ref=GRV-00001]")
            filed = page.inner_text("#filed li[data-ref=GRV-00001]")
            assert "<b>दो दिन</b>" in filed  # shown as typed, not as HTML
            assert "मोहल्ला क्लिनिक सीलमपुर" in filed and "Seelampur, 110053" in filed  # which place it is about
            _shot(page, "hi_grievances")
            with app.app_context():  # the officer of that clinic takes it and resolves it
                officer = factories.make_staff("officer")
                officer = db.session.get(StaffUser, officer.id)
                officer.section = "facilities"
                grievance = db.session.scalars(db.select(Grievance)).one()
                assert grievance.routed_to == "facilities"
                grievances.move(grievance, officer, "resolved", "क्लिनिक का समय ठीक कराया गया")
                db.session.commit()
            # The SMS says it is resolved and where to read the answer (a registered text: the officer's words are
            # read in the portal, never texted); the portal shows them.
            assert eventually(lambda: [s for s in _sms(base) if "GRV-00001" in s and "हल" in s and "पोर्टल" in s])
            page.reload()
            assert "समाधान हुआ" in page.inner_text("#filed li[data-ref=GRV-00001]")
            assert "क्लिनिक का समय ठीक कराया गया" in page.inner_text("#filed li[data-ref=GRV-00001]")

            page.click("nav.p-tabs a[href$='/contacts']")
            assert "Paracetamol syrup" in page.inner_text("main")
            _shot(page, "hi_contacts")
            page.click("nav.p-tabs a[href$='/appointments']")
            assert "गुरु तेग बहादुर अस्पताल" in page.inner_text("main")
            _shot(page, "hi_appointments")
            page.click(".p-appt a[href$='/move']")
            page.check("input[name=slot_id] >> nth=0")
            _shot(page, "hi_move")
            page.click("form.p-form button[type=submit]")
            page.wait_for_selector(".p-appt .p-status-moved")

            page.click(".p-lang a")  # English, remembered from now on
            page.wait_for_selector("html[lang=en]")
            _shot(page, "en_appointments")
            page.click("nav.p-tabs a[href$='/contacts']")
            _shot(page, "en_contacts")
            page.click("nav.p-tabs a[href$='/portal/']")
            assert "Health cards of your family" in page.inner_text("main")
            _shot(page, "en_cards")
            page.click("nav.p-tabs a[href$='/grievances']")
            assert "Resolved" in page.inner_text("#filed")
            page.check("#filed input[name=rating][value='4']")  # the resident rates the answer
            page.click("#filed form.p-rate button[type=submit]")
            page.wait_for_selector("#filed li[data-ref=GRV-00001]:has-text('You rated the answer 4 of 5.')")
            _shot(page, "en_grievances")
            page.goto(f"{base}/portal/cards/{world['mother_card']}/request")
            _shot(page, "en_card_request")
            page.click("footer button[type=submit]")  # sign out
            page.wait_for_url(f"{base}/portal/sign-in")
            assert page.locator("html[lang=en]").count() == 1  # the choice outlives the session
            _shot(page, "en_sign_in")
        finally:
            context.close()

        desk = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-IN")
        office = desk.new_page()
        try:
            with app.app_context():
                username = factories.make_staff("registrar").username
            office.goto(f"{base}/login")
            office.fill("#username", username)
            office.fill("#password", factories.PASSWORD)
            office.click("button[type=submit]")
            office.click("nav >> text=Card office")
            office.click("a[href='/card-office/requests']")
            row = office.locator("#card-requests tr[data-ref=CR-00001]")
            assert "Sunita Devi" in row.inner_text() and "lost" in row.inner_text()
            office.screenshot(path=str(ARTIFACTS / "portal_card_office_worklist_1440.png"), full_page=True)
            row.locator("button", has_text="Reissue").click()
            office.wait_for_selector("#card-requests tr[data-ref=CR-00001][data-status=reissued]")
            assert eventually(lambda: [s for s in _sms(base) if "CR-00001" in s and world["mother_card"][:4] not in s])
        finally:
            desk.close()

        laptop = browser.new_context(viewport={"width": 1280, "height": 720}, locale="en-IN")
        desk_page = laptop.new_page()
        try:
            with app.app_context():
                officer = db.session.scalars(db.select(StaffUser).where(StaffUser.role == "officer")).one()
                grievances.file("helpline", "Nobody called back after 2 days", "sms", "+919810055555", "hl")
                db.session.commit()
                username = officer.username
            desk_page.goto(f"{base}/login")
            desk_page.fill("#username", username)
            desk_page.fill("#password", factories.PASSWORD)
            desk_page.click("button[type=submit]")
            desk_page.wait_for_url(f"{base}/grievances")
            desk_page.goto(f"{base}/grievances?show=all")
            assert desk_page.locator("#grievances tr[data-ref=GRV-00001][data-status=resolved]").count() == 1
            assert desk_page.locator("#grievances tr[data-ref=GRV-00002]").count() == 0  # another desk's
            desk_page.screenshot(path=str(ARTIFACTS / "portal_officer_desk_1280.png"), full_page=True)
        finally:
            laptop.close()
