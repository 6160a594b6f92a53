"""Card requests online: they land in the card office's one worklist, and the resident follows each step in the
portal and by SMS."""

from __future__ import annotations

from sqlalchemy import select

from crm.models import CardRequest
from crm.platform import sms_templates
from crm.platform.extensions import db
from crm.residents.cards import operations as cards
from tests import factories
from tests.portal.conftest import sign_in, texts_to


def test_a_duplicate_request_is_worked_by_the_card_office_and_texted_at_each_step(app, family):
    citizen = app.test_client()
    sign_in(citizen, "+919810011111")
    card = family["cards"]["Aman Kumar"]
    response = citizen.post(f"/portal/cards/{card.number}/request", data={"kind": "duplicate", "why": "lost"})
    assert response.status_code == 302 and "asked=CR-00001" in response.location
    assert "CR-00001" in citizen.get("/portal/").get_data(as_text=True)

    office, registrar = factories.logged_in(app, "registrar")
    page = office.get("/card-office/requests").get_data(as_text=True)
    assert "CR-00001" in page and "Aman Kumar" in page and "lost" in page
    assert office.post("/card-office/requests/1/take").status_code == 302
    assert office.post("/card-office/requests/1/reissue").status_code == 302
    request = db.session.scalar(select(CardRequest))
    db.session.refresh(request)
    assert request.status == "reissued" and request.new_card.reason == "duplicate" and request.new_card.version == 2
    db.session.refresh(card)
    assert card.status == "superseded"
    cards.record_verification(request.new_card.number, registrar, "House 1, Seelampur")
    cards.record_delivery(request.new_card.number, registrar)
    db.session.commit()
    db.session.refresh(request)
    assert request.status == "delivered"

    sms = texts_to("+919810011111", "card_request")
    assert len(sms) == 4 and all("CR-00001" in s for s in sms)  # received, taken, reissued, delivered
    assert request.new_card.number[:4] in sms[2]
    page = citizen.get("/portal/").get_data(as_text=True)
    assert request.new_card.number[:4] in page  # the new card is the one shown now


def test_a_revised_request_needs_what_is_wrong_and_a_rejection_is_explained(app, family):
    citizen = app.test_client()
    sign_in(citizen, "+919810011111")
    citizen.get("/portal/lang/en?next=/portal/")
    card = family["cards"]["Sunita Devi"]
    refused = citizen.post(f"/portal/cards/{card.number}/request", data={"kind": "revised", "detail": ""})
    assert refused.status_code == 422 and "what is wrong" in refused.get_data(as_text=True)
    citizen.post(f"/portal/cards/{card.number}/request", data={"kind": "revised", "detail": "Year of birth is 1981"})
    again = citizen.post(f"/portal/cards/{card.number}/request", data={"kind": "duplicate", "why": "damaged"})
    assert again.status_code == 409  # one open request per card
    office, _ = factories.logged_in(app, "registrar")
    assert office.post("/card-office/requests/1/reject", data={"note": ""}).status_code == 422
    office.post("/card-office/requests/1/reject", data={"note": "Bring your birth certificate to the ward office"})
    assert "birth certificate" in citizen.get("/portal/").get_data(as_text=True)
    # The reason is the card office's own words: read in the portal, never texted (DLT allows registered words only).
    told = texts_to("+919810011111", "card_request")[-1]
    assert sms_templates.match(told).name == "card_rejected" and "birth certificate" not in told


def test_the_worklist_is_the_card_offices_only(app, family):
    operator, _ = factories.logged_in(app, "operator")
    assert operator.get("/card-office/requests").status_code == 403
