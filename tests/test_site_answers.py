"""What every visitor meets whatever the page: a styled 404 / 405 / 500 in their language (JSON for /api/ and an
OperationOutcome for /fhir/), the site's icon at /favicon.ico, and the helpline number that never wraps."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm.hospitals.fhir import capability
from tests import factories
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def failing_app(tmp_path, monkeypatch):
    """An app whose /boom pages fail as a bug would (exceptions answered, not raised into the test)."""
    app = make_app(tmp_path, PROPAGATE_EXCEPTIONS=False)

    def boom():
        raise RuntimeError("a bug")

    boom.public = True
    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/v1/boom", "api_boom", boom)
    monkeypatch.setattr(capability, "statement", lambda base: boom())
    with app.app_context():
        yield app


def test_a_failure_is_the_sites_own_page_for_people_and_json_for_programs(failing_app):
    client = failing_app.test_client()
    page = client.get("/boom")
    text = page.get_data(as_text=True)
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "Something went wrong on our side" in text and "हमारी ओर से कुछ गड़बड़ हो गई" in text
    assert 'class="card error-page"' in text and "a bug" not in text
    api = client.get("/api/v1/boom")
    assert api.status_code == 500 and api.json["error"] == "server_error"
    fhir = client.get("/fhir/metadata", headers={"Accept": "application/fhir+json"})
    assert fhir.status_code == 500 and fhir.mimetype == "application/fhir+json"
    assert fhir.json["resourceType"] == "OperationOutcome" and fhir.json["issue"][0]["code"] == "exception"


@pytest.mark.parametrize(("lang", "heading", "words"), [
    ("pa", "ਨਹੀਂ ਮਿਲਿਆ", "ਇਸ ਪਤੇ"), ("ur", "نہیں ملا", "اس پتے"), ("en", "Not found", "There is no page")])
def test_a_citizen_who_chose_a_language_meets_an_unknown_address_in_it(app, client, lang, heading, words):
    client.get(f"/facilities?lang={lang}")  # the finder remembers the choice, as the portal does
    for path in ("/no-such-page", "/facilities/no-such-page"):
        page = client.get(path)
        text = page.get_data(as_text=True)
        assert page.status_code == 404 and heading in text and words in text, text
        assert f'<html lang="{lang}" dir="{"rtl" if lang == "ur" else "ltr"}">' in text
        assert "/login" not in text  # a citizen is not sent to the staff sign-in
    assert '"/facilities"' in client.get("/facilities/no-such-page").get_data(as_text=True)  # back to the finder


def test_the_finder_s_unknown_pages_follow_the_browser_language_and_staff_keep_english_and_hindi(app, client):
    page = client.get("/facilities/x", headers={"Accept-Language": "ur-IN,ur;q=0.9"}).get_data(as_text=True)
    assert 'lang="ur"' in page and "نہیں ملا" in page
    staff, _ = factories.logged_in(app, "operator")
    staff.set_cookie("sampark_lang", "pa")
    text = staff.get("/no-such-desk").get_data(as_text=True)
    assert "Not found" in text and "नहीं मिला" in text and "ਨਹੀਂ" not in text
    assert staff.post("/no-such-desk", headers={"Accept": "application/json"}).json["error"] == "not_found"
    assert client.delete("/api/v1/facilities/nearest").json["error"] == "method_not_allowed"


def test_the_icon_is_served_at_favicon_ico_and_named_by_the_wallboard_and_the_emulators(app, client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.data == (ROOT / "static/favicon.svg").read_bytes() and b"<svg" in icon.data
    wallboard, _ = factories.logged_in(app, "supervisor")
    assert 'rel="icon"' in wallboard.get("/wallboard").get_data(as_text=True)
    for page in ("templates/emulator/phone.html",):
        assert 'rel="icon"' in (ROOT / page).read_text(encoding="utf-8")
    from emulators.exotel.app import _PAGE
    assert '<link rel="icon" type="image/svg+xml" href="/favicon.ico">' in _PAGE


def test_the_helpline_number_is_a_tel_link_that_does_not_wrap(app, client):
    finder = client.get("/facilities?lang=hi").get_data(as_text=True)
    portal = client.get("/portal/sign-in").get_data(as_text=True)
    link = '<a class="helpline-number" dir="ltr" href="tel:1800112233">1800-11-2233</a>'
    assert link in finder and link in portal
    supervisor, _ = factories.logged_in(app, "supervisor")
    wall = supervisor.get("/wallboard").get_data(as_text=True)
    assert '<span class="helpline-number">1800-11-2233</span>' in wall
    for sheet in ("portal.css", "facilities.css", "supervisor.css", "sampark.css"):
        assert ".helpline-number { white-space: nowrap; }" in (ROOT / "static/css" / sheet).read_text()
