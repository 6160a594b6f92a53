"""What the verifier's phone downloads: every assigned ward in order, each ward's homes in household order, the
newest mark of each card, at most the worklist's limit of cards, and one audit row naming whom it showed."""

from __future__ import annotations

from sqlalchemy import select, text

from crm.models import AuditLog, Patient
from crm.platform.extensions import db
from crm.residents.field import worklist
from tests import factories
from tests.field.test_marks import _assign, _mark, field_client, verifier  # noqa: F401 (fixtures)


def _homes(data: dict, ward: str) -> list[list[str]]:
    (listed,) = [w for w in data["wards"] if w["ward"] == ward]
    return [[card["name"] for card in home["cards"]] for home in listed["households"]]


def test_each_assigned_ward_is_listed_in_order_with_its_homes_in_household_order(field_client, verifier):  # noqa: F811
    first = factories.make_household(ward="Mustafabad", address="House 2, Gali 5, Mustafabad, Delhi")
    second = factories.make_household(ward="Mustafabad", address="House 9, Gali 1, Mustafabad, Delhi")
    # The household registered first comes first, and within a household, the resident registered first.
    for name, home in (("Bano", second), ("Asif", first), ("Chand", second)):
        factories.make_card(factories.make_patient(household=home, ward="Mustafabad", name=name))
    alone = factories.make_patient(ward="Mustafabad", name="Dilshad", address="House 4, Gali 7, Mustafabad, Delhi")
    alone.household_id = None  # a resident of no household is a home of their own
    db.session.commit()
    factories.make_card(alone)
    factories.make_card(factories.make_patient(household=factories.make_household(ward="Seelampur"), name="Esha"))
    factories.make_card(ward="Seelampur", name="Farid").status = "delivered"  # in their hands: not listed
    db.session.commit()
    factories.make_patient(ward="Okhla Phase 2")  # a resident, no card
    for ward in ("Seelampur", "Mustafabad", "Okhla Phase 2"):
        _assign(ward, verifier)

    data = field_client.get("/api/v1/field/worklist").json

    assert [(w["ward"], w["cards"]) for w in data["wards"]] == [
        ("Mustafabad", 4), ("Okhla Phase 2", 0), ("Seelampur", 1)]
    assert _homes(data, "Mustafabad") == [["Asif"], ["Bano", "Chand"], ["Dilshad"]]
    (mustafabad,) = [w for w in data["wards"] if w["ward"] == "Mustafabad"]
    assert [(h["code"] is None, h["address"], h["street"]) for h in mustafabad["households"]] == [
        (False, "House 2, Gali 5, Mustafabad, Delhi", "Gali 5"), (False, "House 9, Gali 1, Mustafabad, Delhi", "Gali 1"),
        (True, "House 4, Gali 7, Mustafabad, Delhi", "Gali 7")]
    assert _homes(data, "Seelampur") == [["Esha"]]
    assert data["truncated"] is False and data["limit"] == worklist.MAX_WORKLIST


def test_a_card_shows_its_newest_mark_and_the_day_s_marks_are_counted(field_client, verifier):  # noqa: F811
    card = factories.make_card(ward="Seelampur", name="Gita")
    _assign("Seelampur", verifier)
    assert _mark(field_client, card.number, "not_found")[0].status_code == 201
    assert _mark(field_client, card.number, "moved")[0].status_code == 201

    data = field_client.get("/api/v1/field/worklist").json

    (shown,) = data["wards"][0]["households"][0]["cards"]
    assert shown["number"] == card.number and shown["pretty"] == f"{card.number[:4]} {card.number[4:8]} {card.number[8:]}"
    assert shown["last_mark"]["outcome"] == "moved" and shown["last_mark"]["result"] == "recorded"
    assert shown["last_mark"]["at"].endswith("+00:00")
    assert data["marked_today"] == 2


def test_a_ward_bigger_than_a_phone_s_list_is_cut_and_the_audit_row_counts_whom_it_showed(field_client, verifier):  # noqa: F811
    home = factories.make_household(ward="Sangam Vihar")
    extra = worklist.MAX_WORKLIST + 5
    db.session.execute(text(
        "INSERT INTO patient (registry_id, name, sex, relation, address, ward, household_id, preferred_language, "
        "allergies, chronic_conditions, current_medications, dob_estimated, created_at, updated_at) "
        "SELECT 'SV' || g, 'Resident ' || g, 'F', 'self', 'House 1', 'Sangam Vihar', :home, 'hi', '[]', '[]', '[]', "
        "false, now(), now() FROM generate_series(1, :extra) g"), {"home": home.id, "extra": extra})
    db.session.execute(text(
        "INSERT INTO health_card (number, patient_id, version, reason, status, qr_token, key_id, issued_at) "
        "SELECT lpad(id::text, 12, '0'), id, 1, 'original', 'issued', 'SMP1:test', 'test', now() "
        "FROM patient WHERE ward = 'Sangam Vihar'"))
    db.session.commit()
    _assign("Sangam Vihar", verifier)

    data = field_client.get("/api/v1/field/worklist").json

    (ward,) = data["wards"]
    assert data["truncated"] is True and ward["cards"] == worklist.MAX_WORKLIST
    names = [c["name"] for h in ward["households"] for c in h["cards"]]
    assert names == [f"Resident {n}" for n in range(1, worklist.MAX_WORKLIST + 1)]  # the household's first residents
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "field_worklist"))
    assert row.staff_id == verifier.id and row.detail["wards"] == ["Sangam Vihar"]
    assert row.detail["count"] == worklist.MAX_WORKLIST
    shown = sorted(db.session.scalars(select(Patient.id).where(Patient.name.in_(names))))
    assert row.patient_ids == shown  # every resident shown, the last as well as the first


def test_an_empty_worklist_still_says_the_wards_and_is_audited(field_client, verifier):  # noqa: F811
    factories.make_patient(ward="Najafgarh")  # a resident, no card
    _assign("Najafgarh", verifier)

    data = field_client.get("/api/v1/field/worklist").json

    assert data["wards"] == [{"ward": "Najafgarh", "households": [], "cards": 0, "to_deliver": 0}]
    assert data["marked_today"] == 0 and data["truncated"] is False
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "field_worklist"))
    assert row.detail == {"wards": ["Najafgarh"], "count": 0} and row.patient_ids == []


def test_a_verifier_without_wards_gets_an_empty_list_and_the_read_is_still_audited(field_client, verifier):  # noqa: F811
    factories.make_card(ward="Seelampur")  # cards exist, none in this verifier's (no) wards

    data = field_client.get("/api/v1/field/worklist").json

    assert data["wards"] == [] and data["truncated"] is False and data["marked_today"] == 0
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "field_worklist"))
    assert row.staff_id == verifier.id and row.detail == {"wards": [], "count": 0} and row.patient_ids == []
