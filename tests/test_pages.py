"""Staff pages: the lookup desk, the patient panel (escaped), the card office."""

from crm.models import AuditLog
from crm.platform.extensions import db
from tests import factories


def test_lookup_desk_offers_every_way_to_find_a_patient(client, login):
    login("operator")
    page = client.get("/lookup").get_data(as_text=True)
    for element in ('id="scanner-input"', 'id="number-input"', 'id="phone-input"', 'id="photo-input"',
                    'id="webcam-toggle"', "vendor/jsqr-1.4.0/jsQR.js"):
        assert element in page


def test_panel_escapes_whatever_the_registry_says(client, login, app):
    login("operator")
    card = factories.make_card(name="<script>alert(1)</script>", name_hi="<img src=x onerror=alert(2)>",
                               address="<b>bold</b>")
    html = client.post("/lookup/panel", json={"card_number": card.number}).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "<b>bold" not in html


def test_panel_shows_allergies_as_an_alert_and_the_old_card_banner(client, login, app):
    from crm.residents.cards import operations as cards

    login("operator")
    card = factories.make_card(allergies=["Penicillin"])
    new = cards.reissue(card.number, "duplicate")
    db.session.commit()
    html = client.post("/lookup/panel", json={"card_number": card.number}).get_data(as_text=True)
    assert 'class="fact alert"' in html and "Penicillin" in html
    assert "Old card." in html and f"{new.number[:4]} {new.number[4:8]} {new.number[8:]}" in html


def test_panel_error_is_a_readable_message(client, login):
    login("operator")
    response = client.post("/lookup/panel", json={"card_number": "123456789012"})
    assert response.status_code == 422 and "does not check out" in response.get_data(as_text=True)


def test_patient_page_is_audited(client, login):
    staff = login("doctor")
    patient = factories.make_patient(name="Geeta Rawat")
    assert "Geeta Rawat" in client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert db.session.query(AuditLog).filter_by(action="view_patient", staff_id=staff.id, patient_id=patient.id).count() == 1


def test_card_office_records_verification_then_delivery(client, login):
    login("registrar")
    card = factories.make_card()
    page = client.get(f"/cards/{card.number}").get_data(as_text=True)
    assert "Record verification" in page and "Print card (PDF)" in page and "not yet (door-to-door check)" in page
    assert client.post(f"/api/v1/cards/{card.number}/verification", json={"where": "House 9"}).json["status"] == "verified"
    assert "Record delivery" in client.get(f"/cards/{card.number}").get_data(as_text=True)
    assert client.post(f"/api/v1/cards/{card.number}/delivery", json={}).json["status"] == "delivered"
    repeat = client.post(f"/api/v1/cards/{card.number}/delivery", json={})
    assert repeat.status_code == 409 and repeat.json["error"] == "not_verified"


def test_card_api_reissue_and_revoke(client, login):
    login("registrar")
    card = factories.make_card()
    new = client.post(f"/api/v1/cards/{card.number}/reissue", json={"reason": "revised"})
    assert new.status_code == 201 and new.json["version"] == 2 and new.json["reason"] == "revised"
    old = client.get(f"/api/v1/cards/{card.number}").json
    assert old["status"] == "superseded" and old["current_number"] == new.json["number"]
    assert client.post(f"/api/v1/cards/{new.json['number']}/revoke", json={"reason": ""}).status_code == 422
    assert client.post(f"/api/v1/cards/{new.json['number']}/revoke", json={"reason": "deceased"}).json["status"] == "revoked"


def test_issue_card_through_the_api(client, login):
    login("registrar")
    patient = factories.make_patient()
    first = client.post(f"/api/v1/patients/{patient.id}/cards")
    assert first.status_code == 201 and first.json["status"] == "issued"
    assert client.post(f"/api/v1/patients/{patient.id}/cards").status_code == 409
    assert client.post("/api/v1/patients/99999/cards").status_code == 404


def test_browser_phone_is_loaded_only_with_real_twilio(client, login, app):
    login("operator")
    assert "twilio.min.js" not in client.get("/lookup").get_data(as_text=True)  # the emulator answers staff legs
    app.config["TELEPHONY"] = "twilio"
    page = client.get("/lookup").get_data(as_text=True)
    assert "vendor/twilio-voice-sdk-2.18.5/twilio.min.js" in page and "js/voice-client.js" in page


def test_card_office_shows_who_verified_when_and_where_in_delhi_time(client, login):
    from crm.models.base import local
    from crm.residents.cards import operations as cards

    registrar = login("registrar", name="Vikas Yadav")
    card = factories.make_card()
    cards.record_verification(card.number, registrar, "House 12, Gali 4, Seelampur")
    db.session.commit()
    page = client.get(f"/cards/{card.number}").get_data(as_text=True)
    db.session.expire_all()
    verified = db.session.get(type(card), card.id).verified_at
    assert f"{local(verified):%d %b %Y %H:%M} by Vikas Yadav at House 12, Gali 4, Seelampur" in page


def test_an_unknown_address_or_wrong_method_answers_the_api_in_json_and_says_which_methods_work(client):
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    wrong = client.get("/logout")
    assert wrong.status_code == 405 and wrong.headers["Allow"] and "POST" in wrong.headers["Allow"]
    assert 'href="/static/css/sampark.css' in wrong.get_data(as_text=True)
