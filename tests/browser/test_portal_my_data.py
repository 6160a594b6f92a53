"""A resident's data rights on a phone (360x740, real Chromium): in Hindi they read what Sampark holds, see that a
doctor (by role) opened their record, download it, ask for a correction that the card office marks done, and get the
decision by SMS; in Urdu, right to left, they read what can and cannot be erased and ask for an erasure.
Screenshots: test-artifacts/portal_my_data_*.png."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests

from crm.models import StaffUser
from crm.platform import audit
from crm.platform.extensions import db
from crm.residents.card_office import data_requests
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.live import eventually, served

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
MOBILE = "+919810033333"


def _sms(base: str) -> list[str]:
    thread = requests.get(f"{base}/emulator/emulator-api/sms", params={"number": MOBILE}, timeout=5).json()
    return [m["body"] for m in thread if not m["mine"]]


def _resident(app) -> int:
    with app.app_context():
        home = factories.make_household(code="DL-HH-007272")
        resident = factories.make_patient(home, name="Salma Begum", name_hi="सलमा बेगम", sex="F", mobile=MOBILE,
                                          blood_group="A+")
        factories.make_card(resident)
        doctor = factories.make_staff("doctor", name="Dr. Imran Qureshi")
        audit.record("view_patient", patient_id=resident.id, staff_id=doctor.id)
        db.session.commit()
        return resident.id


def _sign_in(page, base: str, code_word: str) -> None:
    page.goto(f"{base}/portal/sign-in")
    page.fill("#mobile", "98100 33333")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/portal/code")
    sms = eventually(lambda: [s for s in _sms(base) if code_word in s])
    page.fill("#code", re.search(r"\d{6}", sms[-1]).group(0))
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/portal/")


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"portal_my_data_{name}.png"), full_page=True)


def test_a_resident_reads_downloads_and_corrects_their_data_in_hindi(browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        _resident(app)
        context = browser.new_context(viewport=PHONE, locale="hi-IN", accept_downloads=True, is_mobile=True,
                                      has_touch=True, device_scale_factor=2)
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            _sign_in(page, base, "कोड")
            page.click("nav.p-tabs a[href$='/my-data']")
            page.wait_for_url(f"{base}/portal/my-data")
            main = page.inner_text("main")
            assert "मेरा डेटा" in main and "Salma Begum" in main and "DL-HH-007272" in main and "A+" in main
            _fits(page)
            _shot(page, "hi_home")

            page.click("#part-views")
            assert "डॉक्टर" in page.inner_text("main") and "Imran" not in page.content()
            _fits(page)
            _shot(page, "hi_views")
            page.go_back()

            with page.expect_download() as download:
                page.click("#download-json")
            document = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
            assert document["residents"][0]["name"] == "Salma Begum" and document["views"]

            page.click("#ask-correction")
            page.select_option("#field", "ward")
            page.fill("#correct_value", "Jama Masjid")
            page.fill("#reason", "हम 2025 में यहाँ आए <b>नया पता</b>")
            _fits(page)
            _shot(page, "hi_correct")
            page.click("#correct-form button[type=submit]")
            page.wait_for_selector("#requests li[data-ref=DR-00001][data-status=open]")
            assert "<b>नया पता</b>" in page.inner_text("#requests")  # shown as typed, not as HTML

            with app.app_context():  # the card office corrects the ward and says so
                registrar = db.session.get(StaffUser, factories.make_staff("registrar").id)
                data_requests.decide(1, registrar, "done", "Ward changed to Jama Masjid on the registry.")
                db.session.commit()
            assert eventually(lambda: [s for s in _sms(base) if "DR-00001" in s and "पूरा हुआ" in s])
            page.reload()
            assert "पूरा हुआ" in page.inner_text("#requests li[data-ref=DR-00001]")
            assert "Ward changed to Jama Masjid" in page.inner_text("#requests")
            _fits(page)
            _shot(page, "hi_decided")
        finally:
            context.close()


def test_a_resident_asks_for_erasure_in_urdu_right_to_left(browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        _resident(app)
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            page.goto(f"{base}/portal/lang/ur?next=/portal/sign-in")
            _sign_in(page, base, "کوڈ")
            page.goto(f"{base}/portal/my-data/erase")
            page.evaluate("document.fonts.ready")
            assert page.get_attribute("html", "dir") == "rtl"
            explained = page.inner_text("#erase-explained")
            assert "کیا مٹایا جا سکتا ہے" in explained and "کیا رکھنا ضروری ہے" in explained
            heading, body = page.locator("h1.p-h").bounding_box(), page.locator("main").bounding_box()
            assert heading["x"] + heading["width"] > body["x"] + body["width"] - 40  # set from the right
            _fits(page)
            _shot(page, "ur_erase")
            page.fill("#reason", "میرا موبائل نمبر ہٹا دیں")
            page.click("#erase-form button[type=submit]")
            page.wait_for_selector("#requests li[data-ref=DR-00001][data-status=open]")
            assert "کارڈ دفتر" in page.inner_text("#filed")
            _fits(page)
            _shot(page, "ur_home")
        finally:
            context.close()
