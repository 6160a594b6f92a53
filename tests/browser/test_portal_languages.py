"""The portal on a phone (360x740, real Chromium) in Punjabi and Urdu: Gurmukhi and Naskh shaped by the vendored
fonts, Urdu laid out right to left (the language links and the brand swap sides; numbers stay left to right): sign-in,
the family's e-cards, a new card's request form and the complaint form, none wider than the phone.
Screenshots: tests/browser/artifacts/portal_<lang>_*.png (look at them: shaping must be right)."""

from __future__ import annotations

import re

import pytest
import requests

from crm.platform.extensions import db
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.live import eventually, served

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
MOBILE = "+919810022222"
FONTS = {"pa": "Noto Sans Gurmukhi", "ur": "Noto Naskh Arabic"}
WORDS = {"pa": ("ਆਪਣਾ ਸਿਹਤ ਕਾਰਡ ਦੇਖੋ", "ਤੁਹਾਡੇ ਪਰਿਵਾਰ ਦੇ ਸਿਹਤ ਕਾਰਡ", "ਕੋਡ"),
         "ur": ("اپنا ہیلتھ کارڈ دیکھیں", "آپ کے خاندان کے ہیلتھ کارڈ", "کوڈ")}
# The new card's form and the complaint form: a heading of each, and the SMS keyword the complaint page names.
FORMS = {"pa": ("ਨਵਾਂ ਕਾਰਡ ਮੰਗੋ", "ਸ਼ਿਕਾਇਤ ਕਰੋ", "ਸ਼ਿਕਾਇਤ ਜਾਂ COMPLAINT"),
         "ur": ("نیا کارڈ مانگیں", "شکایت کریں", "شکایت یا COMPLAINT")}


def _sms(base: str) -> list[str]:
    thread = requests.get(f"{base}/emulator/emulator-api/sms", params={"number": MOBILE}, timeout=5).json()
    return [m["body"] for m in thread if not m["mine"]]


@pytest.mark.parametrize("lang", ["pa", "ur"])
def test_the_portal_in_punjabi_and_urdu_on_a_phone(browser, tmp_path, lang):
    ARTIFACTS.mkdir(exist_ok=True)
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        with app.app_context():
            home = factories.make_household(code="DL-HH-005151")
            card_number = factories.make_card(factories.make_patient(home, name="Gurpreet Kaur", name_hi="गुरप्रीत कौर",
                                                                     sex="F", mobile=MOBILE)).number
            db.session.commit()
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            page.goto(f"{base}/portal/lang/{lang}?next=/portal/sign-in")
            page.wait_for_url(f"{base}/portal/sign-in")
            page.evaluate("document.fonts.ready")
            title, family, code_word = WORDS[lang]
            assert title in page.inner_text("main")
            assert page.get_attribute("html", "dir") == ("rtl" if lang == "ur" else "ltr")
            assert page.evaluate(f"document.fonts.check('17px \"{FONTS[lang]}\"', {title!r})")
            loaded = page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
            assert any(FONTS[lang] in name for name in loaded), loaded
            brand, links = page.locator(".p-brand").bounding_box(), page.locator(".p-lang").bounding_box()
            assert (brand["x"] > links["x"]) == (lang == "ur")  # mirrored in Urdu: the brand on the right
            # The +91 stays before the number in every language.
            prefix, field = page.locator(".p-phone span").bounding_box(), page.locator("#mobile").bounding_box()
            assert prefix["x"] < field["x"]
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            page.screenshot(path=str(ARTIFACTS / f"portal_{lang}_sign_in.png"), full_page=True)

            page.fill("#mobile", "98100 22222")
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/portal/code")
            sms = eventually(lambda: [s for s in _sms(base) if code_word in s])
            code = re.search(r"\d{6}", sms[-1]).group(0)
            page.fill("#code", code)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/portal/")
            page.evaluate("document.fonts.ready")
            assert family in page.inner_text("main") and "Gurpreet Kaur" in page.inner_text("main")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            page.screenshot(path=str(ARTIFACTS / f"portal_{lang}_cards.png"), full_page=True)

            new_card, complaint, keyword = FORMS[lang]
            page.goto(f"{base}/portal/cards/{card_number}/request")
            page.evaluate("document.fonts.ready")
            assert new_card in page.inner_text("main") and page.get_attribute("html", "dir") == (
                "rtl" if lang == "ur" else "ltr")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            page.screenshot(path=str(ARTIFACTS / f"portal_{lang}_card_request.png"), full_page=True)
            page.goto(f"{base}/portal/grievances")
            page.evaluate("document.fonts.ready")
            assert complaint in page.inner_text("main") and keyword in page.inner_text("main")
            assert page.evaluate(f"document.fonts.check('17px \"{FONTS[lang]}\"', {complaint!r})")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            page.screenshot(path=str(ARTIFACTS / f"portal_{lang}_complaint.png"), full_page=True)
        finally:
            context.close()
