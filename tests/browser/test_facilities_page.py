"""The public facility finder on a phone (360x740) in Hindi and English, in a real Chromium."""

import pytest

from crm.citizens.facilities import importer
from crm.platform.extensions import db
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser, live_app):
    with live_app.app_context():
        importer.import_file(importer.DEMO_FILE)
        db.session.commit()
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="hi-IN", device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _shot(page, name: str, full: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"facilities_{name}.png"), full_page=full)


def test_a_citizen_finds_the_nearest_open_facilities_in_hindi_then_english(phone, live_server):
    page = phone
    page.goto(f"{live_server}/facilities")
    assert page.locator("html").get_attribute("lang") == "hi"  # a Hindi phone gets Hindi first
    assert "क्लिनिक या अस्पताल खोजें" in page.inner_text("h1")
    _shot(page, "360_hi_empty", full=False)

    page.fill("#q", "110092")
    page.click("form.search button[type=submit]")
    page.wait_for_selector(".result")
    assert "110092" in page.inner_text(".near")
    states = [("is-open" in (c or "")) for c in page.locator(".result").evaluate_all("els => els.map(e => e.className)")]
    assert states == sorted(states, reverse=True)  # open ones first
    assert page.locator(".result h3").first.inner_text().strip() != ""
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    _shot(page, "360_hi_results")

    page.click("a.lang")
    page.wait_for_selector("html[lang=en]")
    assert "Find a clinic or hospital" in page.inner_text("h1") and page.input_value("#q") == "110092"
    page.check("input[value=hospital]")
    page.click("form.search button[type=submit]")
    page.wait_for_selector(".result")
    assert set(page.locator(".result .kind").all_inner_texts()) == {"Hospital"}
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    _shot(page, "360_en_hospitals")

    page.goto(f"{live_server}/facilities?q=Laxmi+Nagar")  # the choice of English is remembered
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(f"{live_server}/facilities?q=Atlantis")
    assert "We do not know the place" in page.inner_text(".notice")
    _shot(page, "360_en_unknown", full=False)


def test_the_finder_on_a_desktop_screen(browser, live_app, live_server):
    with live_app.app_context():
        importer.import_file(importer.DEMO_FILE)
        db.session.commit()
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-IN")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/facilities?q=Dwarka&lang=en")
        page.wait_for_selector(".result")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1440
        _shot(page, "1440_en_dwarka", full=False)
    finally:
        context.close()


@pytest.mark.parametrize(("lang", "title", "kind", "font"), [
    ("pa", "ਕਲੀਨਿਕ ਜਾਂ ਹਸਪਤਾਲ ਲੱਭੋ", "ਹਸਪਤਾਲ", "Noto Sans Gurmukhi"),
    ("ur", "کلینک یا اسپتال تلاش کریں", "اسپتال", "Noto Naskh Arabic"),
])
def test_the_finder_in_punjabi_and_urdu_on_a_phone(phone, live_server, lang, title, kind, font):
    """Issue 27: each language in its own font; Urdu right to left with the result cards mirrored."""
    page = phone
    page.goto(f"{live_server}/facilities?q=110092&kind=hospital&lang={lang}")
    page.wait_for_selector(".result")
    page.evaluate("document.fonts.ready")
    assert title in page.inner_text("h1")
    assert set(page.locator(".result .kind").all_inner_texts()) == {kind}
    assert page.evaluate(f"document.fonts.check('17px \"{font}\"', {title!r})")
    assert any(font in f for f in page.evaluate(
        "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)"))
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ur" else "ltr")
    card = page.locator(".result").first
    side = card.evaluate("e => [getComputedStyle(e).borderLeftWidth, getComputedStyle(e).borderRightWidth]")
    assert (side[1] == "5px") == (lang == "ur") and (side[0] == "5px") == (lang == "pa")  # the open mark mirrors
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    _shot(page, f"360_{lang}_hospitals")
