"""The facility finder's 'use my location' in Chromium with a mocked position: the nearest to where one stands
first, nothing asked of any other site; without geolocation the button stays hidden and the finder still works;
a refused permission says to type a place. The helpline number in the footer stays on one line on a 320 px phone."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from crm.models import Facility
from crm.platform.extensions import db
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
ROUND_THE_CLOCK = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
CLINICS = {"Mohalla Clinic Gali 4": (28.6700, 77.2700), "Mohalla Clinic Gali 9": (28.6700, 77.2900),
           "Seelampur Polyclinic": (28.6700, 77.3100)}


def seed(app) -> None:
    with app.app_context():
        for n, (name, (lat, lon)) in enumerate(CLINICS.items()):
            db.session.add(Facility(code=f"MC-L{n}", name=name, kind="mohalla_clinic", district="North East",
                                    ward="Seelampur", pincode="110053", lat=lat, lon=lon, timings=ROUND_THE_CLOCK,
                                    address=f"Block {n}, Seelampur", phone="+911122064039"))
        db.session.commit()
        db.session.remove()


def test_use_my_location_lists_the_nearest_to_where_one_stands(browser, live_app, live_server):
    seed(live_app)
    context = browser.new_context(viewport={"width": 320, "height": 700}, locale="en-IN", is_mobile=True,
                                  has_touch=True, permissions=["geolocation"],
                                  geolocation={"latitude": 28.67012, "longitude": 77.30981, "accuracy": 30})
    context.set_default_timeout(15_000)
    hosts = set()
    context.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    page = context.new_page()
    try:
        page.goto(f"{live_server}/facilities?lang=en")
        page.click("#locate")
        page.wait_for_url("**/facilities?*near=28.670%2C77.310*")
        expect(page.locator("h2.near")).to_have_text("Near you")
        assert page.locator(".result h3").all_inner_texts() == [
            "Seelampur Polyclinic", "Mohalla Clinic Gali 9", "Mohalla Clinic Gali 4"]
        assert page.locator(".result .km").first.inner_text() == "0.0 km"
        assert hosts == {urlsplit(live_server).netloc}  # the position went to this site only, and no map script loaded
        number = page.locator(".finder-foot .helpline-number")
        line = float(page.eval_on_selector(".finder-foot", "e => parseFloat(getComputedStyle(e).lineHeight) || 20"))
        assert number.get_attribute("href") == "tel:1800112233" and number.bounding_box()["height"] < 1.5 * line
        page.screenshot(path=str(ARTIFACTS / "finder_near_you_320.png"), full_page=True)
        for width, height in ((1440, 900), (1280, 720)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(ARTIFACTS / f"finder_near_you_{width}.png"))

        refused = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-IN")
        other = refused.new_page()
        other.goto(f"{live_server}/facilities?lang=en")
        other.click("#locate")
        expect(other.locator("#locate-status")).to_contain_text("did not share its location")
        refused.close()

        without = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-IN")
        without.add_init_script("Object.defineProperty(Navigator.prototype, 'geolocation', {get: () => undefined})")
        plain = without.new_page()
        plain.goto(f"{live_server}/facilities?lang=hi")
        assert plain.locator("#locate").is_hidden()
        plain.fill("#q", "110053")
        plain.click(".search-row button")
        expect(plain.locator(".result h3")).to_have_count(3)
        without.close()
    finally:
        context.close()
