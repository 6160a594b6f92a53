"""Revoked cards identify nobody; superseded cards find the holder only as an old card; neither is printed."""

import pytest

from crm.models import AuditLog, Case, CaseEvent
from crm.platform.extensions import db
from crm.residents.cards import operations as cards
from tests import factories
from tests.conftest import app_with_schema
from tests.telephony.test_voice import start, step


@pytest.fixture
def app(tmp_path):
    with app_with_schema(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False) as app:
        yield app


@pytest.fixture
def card(app):
    return factories.make_card(name="Sunita Sharma")


@pytest.mark.parametrize("via", ["qr", "card_number"])
def test_a_revoked_card_never_identifies_the_patient_and_the_refusal_is_audited(client, login, card, via):
    staff = login("operator")
    qr, number = card.qr_token, card.number
    cards.revoke(number, "holder deceased")
    db.session.commit()
    response = client.post("/api/v1/lookup", json={via: qr if via == "qr" else number})
    assert response.status_code == 409 and response.json["error"] == "card_revoked"
    assert "holder deceased" in response.json["message"] and "Sunita" not in response.get_data(as_text=True)
    row = AuditLog.query.filter_by(action="card_refused").one()
    assert (row.staff_id, row.card_number, row.via) == (staff.id, number, via)


def test_the_lookup_desk_shows_the_refusal_not_the_patient(client, login, card):
    login("operator")
    cards.revoke(card.number, "fraudulent")
    db.session.commit()
    response = client.post("/lookup/panel", data={"card_number": card.number})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "Card not valid" in page and "fraudulent" in page
    assert "Sunita" not in page


def test_a_superseded_card_finds_the_holder_as_an_old_card_naming_the_current_one(client, login, card):
    login("operator")
    current = cards.reissue(card.number, "duplicate")
    db.session.commit()
    body = client.post("/api/v1/lookup", json={"qr": card.qr_token}).json
    assert body["card"]["state"] == "old_card" and body["card"]["status"] == "superseded"
    assert body["card"]["number"] == card.number and body["card"]["current_number"] == current.number
    page = client.post("/lookup/panel", data={"qr": card.qr_token}).get_data(as_text=True)
    assert "Old card." in page and current.number[-4:] in page


def test_a_current_card_is_current(client, login, card):
    login("operator")
    assert client.post("/api/v1/lookup", json={"card_number": card.number}).json["card"]["state"] == "current"


@pytest.mark.parametrize("end", ["revoke", "reissue"])
@pytest.mark.parametrize("what", [".pdf", "/qr.png"])
def test_a_superseded_or_revoked_card_is_never_printed(client, login, card, end, what):
    login("registrar")
    current = cards.revoke(card.number, "issued in error") if end == "revoke" else cards.reissue(card.number, "revised")
    db.session.commit()
    response = client.get(f"/api/v1/cards/{card.number}{what}")
    assert response.status_code == 409 and response.json["error"] == "not_printable"
    if end == "reissue":
        assert current.number[-4:] in response.json["message"].replace(" ", "")
    assert AuditLog.query.filter(AuditLog.action.like("%_refused")).count() == 1


def test_the_card_page_offers_no_print_for_an_old_card(client, login, card):
    login("registrar")
    cards.reissue(card.number, "duplicate")
    db.session.commit()
    page = client.get(f"/cards/{card.number}").get_data(as_text=True)
    assert "Print card" not in page and "never printed" in page


def test_the_ivr_says_a_revoked_card_is_not_valid_and_queues_the_caller_unidentified(client, card):
    cards.revoke(card.number, "issued in error")
    db.session.commit()
    call_sid, case, _ = start(client)
    step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="2")
    twiml = step(client, f"/telephony/voice/card?case={case.id}", call_sid, Digits=card.number)
    assert "no longer valid" in twiml and ">tier1</Enqueue>" in twiml
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.patient_id is None and case.status == "queued"
    assert CaseEvent.query.filter_by(case_id=case.id, kind="card_revoked").count() == 1
    assert AuditLog.query.filter_by(action="card_refused", via="ivr").count() == 1


def test_the_ivr_still_finds_the_holder_of_a_superseded_card(client, card):
    cards.reissue(card.number, "duplicate")
    db.session.commit()
    call_sid, case, _ = start(client)
    step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="2")
    step(client, f"/telephony/voice/card?case={case.id}", call_sid, Digits=card.number)
    db.session.expire_all()
    assert db.session.get(Case, case.id).patient_id == card.patient_id
