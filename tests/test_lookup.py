"""POST /api/v1/lookup and /scan: QR, card number, phone; errors; audit."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crm.models import AuditLog, Case
from crm.platform.extensions import db
from crm.residents.cards import operations as cards
from crm.residents.cards import render
from crm.residents.cards import token as card_token
from tests import factories
from tests.cards.photos import card_photo


@pytest.fixture
def sunita(app):
    household = factories.make_household(code="DL-HH-000042")
    husband = factories.make_patient(household, name="Ramesh Sharma", relation="self", mobile="+919810000042")
    patient = factories.make_patient(
        household, name="Sunita Sharma", name_hi="सुनीता शर्मा", sex="F", relation="spouse", mobile="+919810000042",
        blood_group="B+", allergies=["Penicillin"], chronic_conditions=["Type 2 diabetes"],
        current_medications=["Metformin 500 mg"], emergency_contact_name="Ramesh Sharma",
        emergency_contact_phone="+919810000042")
    factories.make_card(husband)
    return factories.make_card(patient)


def test_lookup_by_qr_shows_patient_household_and_clinical(client, login, sunita):
    login("operator")
    response = client.post("/api/v1/lookup", json={"qr": sunita.qr_token})
    assert response.status_code == 200
    body = response.json
    assert body["patient"]["name"] == "Sunita Sharma" and body["patient"]["name_hi"] == "सुनीता शर्मा"
    assert body["patient"]["mobile"] == "+91 XXXXXX0042"
    card = {k: body["card"][k] for k in ("number", "version", "status", "current_number")}
    assert card == {"number": sunita.number, "version": 1, "status": "issued", "current_number": sunita.number}
    assert [m["name"] for m in body["household"]] == ["Ramesh Sharma", "Sunita Sharma"]
    assert body["clinical"]["blood_group"] == "B+" and body["clinical"]["allergies"] == ["Penicillin"]
    assert body["clinical"]["emergency_contact"]["phone"] == "+91 XXXXXX0042"
    assert "9810000042" not in response.get_data(as_text=True)


def test_lookup_by_card_number_accepts_spaces(client, login, sunita):
    login("doctor")
    spaced = f"{sunita.number[:4]} {sunita.number[4:8]} {sunita.number[8:]}"
    assert client.post("/api/v1/lookup", json={"card_number": spaced}).json["patient"]["name"] == "Sunita Sharma"


def test_lookup_by_phone_prefers_the_registered_person_and_lists_family(client, login, sunita):
    login("operator")
    body = client.post("/api/v1/lookup", json={"phone": "098100 00042"}).json
    assert body["patient"]["name"] == "Ramesh Sharma"
    assert {m["name"] for m in body["matches"]} == {"Ramesh Sharma", "Sunita Sharma"}


def _tamper(text: str) -> str:
    digits = list(text)
    digits[-20] = "1" if digits[-20] != "1" else "2"
    return "".join(digits)


@pytest.mark.parametrize("query, code, status", [
    ({"card_number": "123456789012"}, "check_digit", 422),
    ({"card_number": "12345"}, "malformed", 422),
    ({"qr": "hello world"}, "malformed", 422),
    ({"qr": "https://example.com/not-a-card"}, "malformed", 422),
    ({"card_number": "123456789010"}, "not_found", 404),
    ({"phone": "9810000077"}, "not_found", 404),
    ({"phone": "12"}, "bad_phone", 422),
    ({}, "bad_request", 400),
    ({"qr": "x", "phone": "9810000042"}, "bad_request", 400),
])
def test_lookup_errors_are_clear(client, login, sunita, query, code, status):
    login("operator")
    response = client.post("/api/v1/lookup", json=query)
    assert response.status_code == status and response.json["error"] == code and response.json["message"]


def test_tampered_qr_is_caught(client, login, sunita):
    login("operator")
    response = client.post("/api/v1/lookup", json={"qr": _tamper(sunita.qr_token)})
    assert response.status_code == 422 and response.json["error"] in ("bad_signature", "malformed")
    assert response.json["error"] == "bad_signature"


def test_qr_signed_by_an_unknown_key_is_caught(client, login, sunita, tmp_path):
    login("operator")
    stranger = card_token.KeyRing.from_private_keys([Ed25519PrivateKey.generate()])
    payload = {k: v for k, v in card_token.verify(sunita.qr_token, _ring()).items() if k != "kid"}
    forged = card_token.sign(payload, stranger)
    response = client.post("/api/v1/lookup", json={"qr": forged})
    assert (response.status_code, response.json["error"]) == (422, "unknown_key")


def _ring():
    from crm.residents.cards.keys import keyring

    return keyring()


def test_superseded_card_finds_the_patient_and_names_the_current_card(client, login, sunita):
    login("operator")
    old_qr = sunita.qr_token
    current = cards.reissue(sunita.number, "duplicate")
    db.session.commit()
    body = client.post("/api/v1/lookup", json={"qr": old_qr}).json
    assert body["patient"]["name"] == "Sunita Sharma"
    assert body["card"]["status"] == "superseded" and body["card"]["current_number"] == current.number
    assert current.number[-4:] in body["card"]["notice"]


def test_revoked_card_is_refused_naming_the_reason(client, login, sunita):
    login("operator")
    cards.revoke(sunita.number, "issued in error")
    db.session.commit()
    response = client.post("/api/v1/lookup", json={"card_number": sunita.number})
    assert (response.status_code, response.json["error"]) == (409, "card_revoked")
    assert "issued in error" in response.json["message"] and "patient" not in response.json


def test_every_view_is_audited_with_who_how_and_case(client, login, sunita):
    operator = login("operator")
    case = Case(channel="voice", caller_phone="+919810000042")
    db.session.add(case)
    db.session.commit()
    client.post("/api/v1/lookup", json={"qr": sunita.qr_token, "case_id": case.id})
    client.post("/api/v1/lookup", json={"card_number": sunita.number})
    client.get(f"/api/v1/patients/{sunita.patient_id}")
    client.post("/api/v1/lookup", json={"card_number": "123456789012"})
    rows = [(a.action, a.via, a.patient_id, a.case_id, a.staff_id) for a in AuditLog.query.filter(
        AuditLog.action.in_(["view_patient", "lookup_failed"])).order_by(AuditLog.id)]
    assert rows == [
        ("view_patient", "qr", sunita.patient_id, case.id, operator.id),
        ("view_patient", "card_number", sunita.patient_id, None, operator.id),
        ("view_patient", "record", sunita.patient_id, None, operator.id),
        ("lookup_failed", "card_number", None, None, operator.id),
    ]


def test_photo_of_a_printed_card_finds_the_patient(client, login, sunita, app):
    from crm.residents.cards.api import print_view

    login("registrar")
    with app.test_request_context():
        pdf = render.card_pdf(print_view(db.session.get(type(sunita), sunita.id)))
    photo = card_photo(pdf, angle=7, blur=1.2)
    from io import BytesIO

    response = client.post("/api/v1/scan", data={"photo": (BytesIO(photo), "card.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 200 and response.json["patient"]["name"] == "Sunita Sharma"
    assert AuditLog.query.filter_by(action="view_patient", via="qr").count() == 1


def test_photo_without_a_qr_gets_advice(client, login, app):
    from io import BytesIO

    from PIL import Image

    login("operator")
    blank = BytesIO()
    Image.new("RGB", (400, 300), "white").save(blank, "PNG")
    response = client.post("/api/v1/scan", data={"photo": (BytesIO(blank.getvalue()), "x.png")})
    assert response.status_code == 422 and response.json["error"] == "no_qr"
    not_image = client.post("/api/v1/scan", data={"photo": (BytesIO(b"%PDF-1.4"), "x.jpg")})
    assert not_image.json["error"] == "not_an_image"


def test_jwks_lets_an_offline_reader_verify_a_card(client, sunita):
    jwks = client.get("/.well-known/jwks.json").json
    assert all("d" not in key for key in jwks["keys"])
    reader = card_token.KeyRing.from_public_jwks(jwks)
    assert card_token.verify(sunita.qr_token, reader)["n"] == sunita.number


def test_card_pdf_and_qr_are_for_the_card_office(client, login, sunita):
    login("registrar")
    pdf = client.get(f"/api/v1/cards/{sunita.number}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    png = client.get(f"/api/v1/cards/{sunita.number}/qr.png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    assert AuditLog.query.filter_by(action="card_print").count() == 1


def test_lookup_for_an_unknown_case_is_refused(client, login, sunita):
    login("operator")
    response = client.post("/api/v1/lookup", json={"qr": sunita.qr_token, "case_id": 999})
    assert (response.status_code, response.json["error"]) == (404, "unknown_case")
