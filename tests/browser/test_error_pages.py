"""An unknown address (404) or a page opened the wrong way (405) gets the site's own styled page, in both languages."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_lookup_desk import log_in, seed_sunita

pytestmark = pytest.mark.browser

STAFF = {  # path -> (status, English heading, Hindi heading, Hindi message)
    "/no-such-desk": (404, "Not found", "नहीं मिला", "इस पते पर कोई पेज नहीं है"),
    "/logout": (405, "Not this way", "ऐसे नहीं खुलता", "यह पेज इस तरह नहीं खुलता"),
}
PORTAL = {  # path -> status, then (heading, message) in each language
    "/portal/no-such-page": (404, {"en": ("Not found", "There is no page at this address"),
                                   "hi": ("नहीं मिला", "इस पते पर कोई पेज नहीं है")}),
    "/portal/sign-out": (405, {"en": ("That did not work", "This page cannot be opened that way"),
                               "hi": ("यह नहीं हो सका", "यह पेज इस तरह नहीं खुलता")}),
}


def _styled(page, selector: str) -> bool:
    """The site's stylesheet applied: the header has its own background, not the browser's default."""
    return page.eval_on_selector(selector, "e => getComputedStyle(e).backgroundColor") not in ("rgba(0, 0, 0, 0)", "")


@pytest.mark.parametrize("logged_in", [False, True])
def test_staff_get_a_styled_404_and_405_in_english_and_hindi(live_app, live_server, page, logged_in):
    if logged_in:
        log_in(page, live_server, seed_sunita(live_app).username)
    for path, (status, heading, heading_hi, message_hi) in STAFF.items():
        response = page.goto(live_server + path)
        assert response.status == status
        assert _styled(page, "header.topbar")
        title = page.locator("h1").inner_text()
        assert heading in title and heading_hi in title
        assert message_hi in page.locator(".error-page").inner_text()
        assert page.locator(".error-page a.button").count() == 1  # a way back: the desk, or the login
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"staff_{status}_{'in' if logged_in else 'out'}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["hi", "en"])
def test_citizens_get_the_portals_styled_404_and_405_in_their_language(live_app, live_server, page, lang):
    page.context.add_cookies([{"name": "sampark_lang", "value": lang, "url": live_server}])
    for path, (status, texts) in PORTAL.items():
        response = page.goto(live_server + path)
        assert response.status == status
        assert _styled(page, "header.p-top")
        heading, message = texts[lang]
        assert page.locator("h1").inner_text() == heading
        assert message in page.locator("main").inner_text()
        assert page.locator("html").get_attribute("lang") == lang
        page.screenshot(path=str(ARTIFACTS / f"portal_{status}_{lang}.png"), full_page=True)
