"""What a signed-in citizen sees: the household's cards (nothing clinical of another adult), their PDFs, nobody
else's records by changing an id, escaped text, Hindi and English, and no mixing with staff logins."""

from __future__ import annotations

import io

import pypdfium2
import pytest
import zxingcpp
from sqlalchemy import select

from crm.models import AuditLog
from crm.platform.extensions import db
from crm.residents.cards import token as card_token
from crm.residents.cards.keys import keyring
from tests import factories
from tests.portal.conftest import sign_in


@pytest.fixture
def citizen(app, family):
    """A client signed in as the mother."""
    client = app.test_client()
    sign_in(client, "+919810011111")
    return client


def test_the_household_cards_show_demographics_and_card_status_only(citizen, family):
    page = citizen.get("/portal/").get_data(as_text=True)
    for name in ("सुनीता देवी", "Aman Kumar", "Rakesh Kumar"):
        assert name in page
    for card in family["cards"].values():
        assert f"{card.number[:4]} {card.number[4:8]} {card.number[8:]}" in page
    assert "diabetes" not in page and "O+" not in page  # the husband's clinical data never shows
    assert "जारी" in page  # issued, in Hindi by default


def test_the_language_switch_is_remembered(citizen):
    response = citizen.get("/portal/lang/en?next=/portal/")
    assert response.status_code == 302 and "sampark_lang=en" in response.headers["Set-Cookie"]
    page = citizen.get("/portal/").get_data(as_text=True)
    assert "Health cards of your family" in page and 'lang="en"' in page
    citizen.get("/portal/lang/hi?next=/portal/")
    assert "आपके परिवार के स्वास्थ्य कार्ड" in citizen.get("/portal/").get_data(as_text=True)


def test_the_language_switch_never_redirects_elsewhere(citizen):
    assert citizen.get("/portal/lang/en?next=https://evil.example/").location.endswith("/portal/")
    assert citizen.get("/portal/lang/en?next=//evil.example/portal").location.endswith("/portal/")


def _qr_of_pdf(pdf: bytes) -> str:
    page = pypdfium2.PdfDocument(io.BytesIO(pdf))[0]
    image = page.render(scale=12).to_pil()
    [found] = zxingcpp.read_barcodes(image)
    return found.text


def test_own_card_pdf_carries_the_signed_qr(citizen, family):
    card = family["cards"]["Sunita Devi"]
    response = citizen.get(f"/portal/cards/{card.number}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = _qr_of_pdf(response.data)
    assert text == card.qr_token
    assert card_token.verify(text, keyring())["n"] == card.number


def test_another_adults_card_is_printed_without_the_back_health_details(citizen, family):
    pdf = citizen.get(f"/portal/cards/{family['cards']['Rakesh Kumar'].number}.pdf").data
    back = pypdfium2.PdfDocument(io.BytesIO(pdf))[1].get_textpage().get_text_range()
    assert "O+" not in back and "holder" in back
    own = citizen.get(f"/portal/cards/{family['cards']['Sunita Devi'].number}.pdf").data
    assert "B+" in pypdfium2.PdfDocument(io.BytesIO(own))[1].get_textpage().get_text_range()


def test_another_households_card_is_not_found_by_changing_the_number(citizen, app):
    stranger = factories.make_card(mobile="+919810099999")
    for path in (f"/portal/cards/{stranger.number}.pdf", f"/portal/cards/{stranger.number}/qr.png",
                 f"/portal/cards/{stranger.number}/request", "/portal/cards/000000000000.pdf",
                 "/portal/cards/not-a-number.pdf"):
        assert citizen.get(path).status_code == 404, path
    assert citizen.post(f"/portal/cards/{stranger.number}/request",
                        data={"kind": "duplicate", "why": "lost"}).status_code == 404


def test_every_view_is_audited_as_a_citizen_access(citizen, family):
    card = family["cards"]["Aman Kumar"]
    citizen.get("/portal/")
    citizen.get(f"/portal/cards/{card.number}.pdf")
    rows = db.session.scalars(select(AuditLog).where(AuditLog.via == "portal", AuditLog.staff_id.is_(None))).all()
    actions = [r.action for r in rows]
    assert "portal_view_cards" in actions and "portal_card_pdf" in actions
    pdf_row = next(r for r in rows if r.action == "portal_card_pdf")
    assert (pdf_row.patient_id, pdf_row.card_number) == (card.patient_id, card.number)


def test_a_citizen_session_opens_no_staff_page_and_a_staff_login_no_portal_page(app, citizen, client):
    for path in ("/workspace", "/lookup", "/card-office/requests", "/grievances", "/api/v1/cases"):
        assert citizen.get(path).status_code in (302, 401), path
    staff_client, _ = factories.logged_in(app, "registrar")
    assert staff_client.get("/portal/").status_code == 403
    assert client.get("/portal/").status_code == 302  # nobody: to the sign-in page


def test_signing_in_as_a_citizen_ends_a_staff_login_on_that_browser(app, family):
    staff_client, _ = factories.logged_in(app, "operator")
    sign_in(staff_client, "+919810011111")
    assert staff_client.get("/workspace").status_code in (302, 401)


def test_citizen_text_is_escaped(citizen, family):
    hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    citizen.post("/portal/grievances", data={"category": "facility", "body": hostile})
    card = family["cards"]["Sunita Devi"]
    citizen.post(f"/portal/cards/{card.number}/request", data={"kind": "revised", "detail": hostile})
    for path in ("/portal/grievances", "/portal/"):
        page = citizen.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in citizen.get("/portal/grievances").get_data(as_text=True)


def test_signing_out_ends_the_session(citizen):
    citizen.post("/portal/sign-out")
    assert citizen.get("/portal/").status_code == 302


def _copy_of(client, app):
    """Another browser holding a copy of `client`'s session cookie (copied off a shared computer, say)."""
    name = app.config["SESSION_COOKIE_NAME"]
    thief = app.test_client()
    thief.set_cookie(name, client.get_cookie(name).value)
    return thief


def test_signing_out_ends_the_session_for_a_copy_of_the_cookie_too(app, citizen):
    thief = _copy_of(citizen, app)
    assert thief.get("/portal/").status_code == 200  # the copy works while the citizen is signed in
    citizen.post("/portal/sign-out")
    assert thief.get("/portal/").status_code == 302
    assert citizen.get("/portal/").status_code == 302


def test_signing_out_everywhere_ends_the_citizens_other_devices_only(app, citizen, family):
    phone = app.test_client()
    sign_in(phone, "+919810011111")
    husband = app.test_client()
    sign_in(husband, family["husband"].mobile)
    answer = phone.post("/portal/sign-out-everywhere", follow_redirects=True)
    assert "आप हर फ़ोन और कंप्यूटर से साइन आउट हो गए हैं" in answer.get_data(as_text=True)  # in the portal's Hindi
    assert citizen.get("/portal/").status_code == 302 and phone.get("/portal/").status_code == 302
    assert husband.get("/portal/").status_code == 200  # another citizen's session is not touched


def test_the_session_ends_when_idle(citizen, monkeypatch):
    import time as real_time

    from crm.citizens.portal import session as citizen_session

    later = real_time.time() + citizen_session.IDLE_MINUTES * 60 + 5
    monkeypatch.setattr(citizen_session.time, "time", lambda: later)
    assert citizen.get("/portal/").status_code == 302


def test_the_session_cookie_is_httponly_and_samesite(app, family):
    client = app.test_client()
    client.post("/portal/sign-in", data={"mobile": "+919810011111"})
    from tests.portal.conftest import last_code

    cookie = client.post("/portal/code", data={"code": last_code("+919810011111")}).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["SESSION_COOKIE_SECURE"] is False  # testing; production sets it (crm/config.py)
