"""Door-to-door marks: applied through the card lifecycle, once per client id, conflicts kept and shown."""

from __future__ import annotations

import base64
import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import func, select

from crm.models import AuditLog, FieldMark
from crm.platform.extensions import db
from crm.residents.cards import operations as cards
from crm.residents.field import worklist
from tests import factories


@pytest.fixture
def verifier(app):
    return factories.make_staff("field_verifier")


@pytest.fixture
def field_client(app, verifier):
    client = app.test_client()
    response = client.post("/login", data={"username": verifier.username, "password": factories.PASSWORD})
    assert response.status_code == 302
    return client


def _assign(ward: str, verifier) -> None:
    office = factories.make_staff("registrar")
    worklist.assign(ward, verifier.id, office)
    db.session.commit()


def _mark(client, number: str, outcome: str = "verified", **extra):
    payload = {"client_id": str(uuid.uuid4()), "card_number": number, "outcome": outcome,
               "latitude": 28.6862, "longitude": 77.2636, "accuracy": 12, "note": "met the holder", **extra}
    return client.post("/api/v1/field/marks", json=payload), payload


def _photo(size=(800, 600), quality=70) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_worklist_holds_the_wards_outstanding_cards_by_household(field_client, verifier):
    home = factories.make_household(ward="Seelampur")
    a = factories.make_card(factories.make_patient(household=home, ward="Seelampur"))
    b = factories.make_card(factories.make_patient(household=home, ward="Seelampur", relation="wife"))
    factories.make_card(factories.make_patient(ward="Mehrauli"))  # another ward: not on this list
    _assign("Seelampur", verifier)
    data = field_client.get("/api/v1/field/worklist").json
    assert [w["ward"] for w in data["wards"]] == ["Seelampur"]
    homes = data["wards"][0]["households"]
    assert len(homes) == 1 and {c["number"] for c in homes[0]["cards"]} == {a.number, b.number}
    assert data["csrf_token"]
    assert db.session.scalar(select(func.count()).where(AuditLog.action == "field_worklist")) == 1


def test_a_verified_mark_verifies_the_card_with_where_and_who(field_client, verifier):
    card = factories.make_card(ward="Seelampur")
    _assign("Seelampur", verifier)
    response, _payload = _mark(field_client, card.number, photo=_photo())
    assert response.status_code == 201, response.json
    assert response.json["result"] == "applied" and response.json["card_status"] == "verified"
    assert field_client.get("/api/v1/field/worklist").json["marked_today"] == 1
    db.session.expire_all()
    assert card.status == "verified" and card.verified_by_id == verifier.id
    assert "GPS 28.68620,77.26360 ±12 m" in card.verified_where
    mark = db.session.scalar(select(FieldMark))
    assert mark.photo.startswith(b"\xff\xd8") and mark.photo_type == "image/jpeg"
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"card_verify", "field_mark"} <= actions


def test_resending_a_mark_changes_nothing_and_answers_the_same(field_client, verifier):
    card = factories.make_card(ward="Seelampur")
    _assign("Seelampur", verifier)
    first, payload = _mark(field_client, card.number, "delivered")
    again = field_client.post("/api/v1/field/marks", json=payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["mark_id"] == first.json["mark_id"] and again.json["created"] is False
    assert db.session.scalar(select(func.count()).select_from(FieldMark)) == 1
    db.session.expire_all()
    assert card.status == "delivered"  # verified at the door, then handed over: both through the lifecycle


def test_a_card_revoked_while_the_phone_was_offline_is_a_conflict(field_client, verifier):
    card = factories.make_card(ward="Seelampur")
    _assign("Seelampur", verifier)
    cards.revoke(card.number, "issued in error")
    db.session.commit()
    response, _ = _mark(field_client, card.number, "delivered")
    assert response.status_code == 201
    assert response.json["result"] == "conflict" and "revoked" in response.json["conflict"]
    db.session.expire_all()
    assert card.status == "revoked"


def test_not_found_and_moved_are_noted_without_changing_the_card(field_client, verifier):
    card = factories.make_card(ward="Seelampur")
    _assign("Seelampur", verifier)
    assert _mark(field_client, card.number, "not_found")[0].json["result"] == "recorded"
    assert _mark(field_client, card.number, "moved", note="moved to Mustafabad")[0].json["result"] == "recorded"
    db.session.expire_all()
    assert card.status == "issued"
    row = next(r for r in worklist.progress() if r.ward == "Seelampur")
    assert (row.cards, row.awaiting, row.moved, row.not_found) == (1, 1, 1, 0)  # the last visit counts


def test_cards_outside_the_verifiers_wards_are_not_changed(field_client, verifier):
    card = factories.make_card(ward="Mehrauli")
    factories.make_card(ward="Seelampur")
    _assign("Seelampur", verifier)
    response, _ = _mark(field_client, card.number)
    assert response.json["result"] == "conflict" and "not in your wards" in response.json["conflict"]


def test_a_qr_with_a_bad_signature_is_a_conflict(field_client, verifier):
    card = factories.make_card(ward="Seelampur")
    _assign("Seelampur", verifier)
    forged = card.qr_token[:-3] + ("000" if not card.qr_token.endswith("000") else "111")
    response, _ = _mark(field_client, card.number, qr=forged)
    assert response.json["result"] == "conflict" and "QR not accepted" in response.json["conflict"]
    good, _ = _mark(field_client, card.number, qr=card.qr_token)
    assert good.json["result"] == "applied"


@pytest.mark.parametrize("photo, status", [
    ("data:image/jpeg;base64," + "A" * 600_000, 413),
    ("data:image/jpeg;base64,not base64!", 422),
    ("data:image/png;base64," + base64.b64encode(b"hello").decode(), 422),
    ("https://example.com/x.jpg", 422),
])
def test_photos_are_bounded_and_checked(field_client, verifier, photo, status):
    card = factories.make_card(ward="Seelampur")
    _assign("Seelampur", verifier)
    response, _ = _mark(field_client, card.number, photo=photo)
    assert response.status_code == status
    assert db.session.scalar(select(func.count()).select_from(FieldMark)) == 0


@pytest.mark.parametrize("change", [{"client_id": "x"}, {"outcome": "lost"}, {"card_number": "123456789012"},
                                    {"latitude": 91}, {"card_number": None}])
def test_unreadable_marks_are_refused(field_client, verifier, change):
    card = factories.make_card(ward="Seelampur")
    _assign("Seelampur", verifier)
    response, _ = _mark(field_client, card.number, **change)
    assert response.status_code == 422


def test_only_field_verifiers_send_marks_and_only_the_card_office_sees_progress(app, client, login):
    login("operator")
    assert client.post("/api/v1/field/marks", json={}).status_code == 403
    assert client.get("/field/progress").status_code == 403
    office = app.test_client()
    staff = factories.make_staff("registrar")
    office.post("/login", data={"username": staff.username, "password": factories.PASSWORD})
    assert office.get("/field/progress").status_code == 200
    assert office.get("/field/").status_code == 403


def test_progress_page_counts_per_ward_and_assigns(app, verifier):
    office, staff = factories.logged_in(app, "registrar")
    for status_change in (None, "verify", "deliver"):
        card = factories.make_card(ward="Seelampur")
        if status_change:
            cards.record_verification(card.number, staff, "door")
        if status_change == "deliver":
            cards.record_delivery(card.number, staff)
    db.session.commit()
    response = office.post("/field/assignments", data={"ward": "Seelampur", "verifier_id": verifier.id})
    assert response.status_code == 303
    page = office.get("/field/progress").get_data(as_text=True)
    assert verifier.name in page
    row = next(r for r in worklist.progress() if r.ward == "Seelampur")
    assert (row.cards, row.awaiting, row.verified, row.delivered) == (3, 1, 1, 1)
    api = office.get("/api/v1/field/progress").json["rows"]
    assert api[0]["verifier"] == verifier.name


def test_the_service_worker_is_served_for_the_field_scope(client):
    response = client.get("/field/sw.js")
    assert response.status_code == 200 and response.mimetype == "application/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/field/"
    assert "caches.open" in response.get_data(as_text=True)


def test_geolocation_is_allowed_for_our_own_pages(client):
    assert "geolocation=(self)" in client.get("/login").headers["Permissions-Policy"]


def test_the_demo_field_verifier_has_wards_with_cards(app):
    from crm.models import StaffUser

    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "seed", "--residents", "300"])
    assert result.exit_code == 0, result.output
    field1 = db.session.scalar(select(StaffUser).where(StaffUser.username == "field1"))
    assert field1.role == "field_verifier" and worklist.wards_of(field1) == ["Mustafabad", "Seelampur"]
    assert sum(w["cards"] for w in worklist.worklist(field1)["wards"]) > 0


def test_an_ended_session_gets_a_401_the_phone_can_read_not_a_login_page(client):
    # The phone keeps its marks and shows "log in again"; a redirect to the login page would look like success.
    response = client.post("/api/v1/field/marks", json={}, headers={"Accept": "application/json"})
    assert response.status_code == 401 and response.json["error"] == "login_required"
    assert client.get("/api/v1/field/worklist").status_code == 401
