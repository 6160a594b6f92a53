"""Enrolling a resident at a hospital: likely duplicates shown first, a provisional card that enters the
field worklist of their ward, merges and undo from the pages."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.models import AuditLog, Patient, PatientMerge
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.residents.enrollment import services
from crm.residents.field import worklist
from tests import factories

FORM = {"name": "Mohd Imran", "sex": "M", "dob": "1980-05-11", "mobile": "98222 22222", "address": "B-14, Gali 4",
        "ward": "Seelampur", "place": "GTB Hospital enrolment desk"}


def test_a_new_resident_gets_a_provisional_card_on_the_field_worklist(app):
    client, registrar = factories.logged_in(app, "registrar")
    response = client.post("/enrollment/", data=FORM)
    assert response.status_code == 303 and "/cards/" in response.headers["Location"]
    patient = db.session.scalar(select(Patient).where(Patient.name == "Mohd Imran"))
    assert patient.registry_id.startswith("ENR") and patient.enrolled_where == FORM["place"]
    assert patient.mobile == "+919822222222" and patient.current_card.status == "issued"
    verifier = factories.make_staff("field_verifier")
    worklist.assign("Seelampur", verifier.id, registrar)
    cards = [c for w in worklist.worklist(verifier)["wards"] for h in w["households"] for c in h["cards"]]
    assert [c["name"] for c in cards] == ["Mohd Imran"] and cards[0]["enrolled"] is True


def test_likely_duplicates_are_shown_before_enrolling(app):
    existing = factories.make_card(name="Mohammad Imran", dob=date(1980, 5, 17), birth_year=1980, ward="Seelampur",
                                   mobile="+919811111111")
    client, _ = factories.logged_in(app, "registrar")
    page = client.post("/enrollment/", data=FORM)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "likely duplicate" in html and "Mohammad Imran" in html
    assert "date of birth one digit apart" in html
    assert db.session.scalar(select(Patient).where(Patient.name == "Mohd Imran")) is None
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "enrollment_candidates"))
    assert audit.patient_ids == [existing.patient_id]
    confirmed = client.post("/enrollment/", data=FORM | {"confirm_new": "1"})
    assert confirmed.status_code == 303
    assert db.session.scalar(select(Patient).where(Patient.name == "Mohd Imran")) is not None


def test_merge_from_the_record_page_through_the_review_and_undo(app):
    kept = factories.make_card(name="Mohammad Imran", dob=date(1980, 5, 17), birth_year=1980, ward="Seelampur")
    client, _ = factories.logged_in(app, "registrar")
    client.post("/enrollment/", data=FORM | {"confirm_new": "1"})
    new = db.session.scalar(select(Patient).where(Patient.name == "Mohd Imran"))
    old_card = new.current_card.number
    page = client.get(f"/enrollment/patients/{kept.patient_id}/duplicates").get_data(as_text=True)
    assert "Mohd Imran" in page and f'data-review="{new.id}"' in page
    review = client.post("/enrollment/pairs", data={"patient_id": kept.patient_id, "other_id": new.id})
    assert review.status_code == 303 and db.session.scalar(select(PatientMerge)) is None  # nothing merged yet
    merged = client.post(review.headers["Location"] + "/merge", data={"survivor_id": kept.patient_id,
                                                                     "reason": "same man, voter id", "confirm": "1"})
    assert merged.status_code == 303
    record = db.session.scalar(select(PatientMerge))
    shown = client.get(f"/enrollment/merges/{record.id}").get_data(as_text=True)
    assert "Undo this merge" in shown and f"{old_card[:4]} {old_card[4:8]} {old_card[8:]}" in shown
    assert f"#{new.current_card.id}" not in shown  # a card is named by its number, never an internal id
    assert client.post(f"/enrollment/merges/{record.id}/undo", data={"reason": ""}).status_code == 303
    db.session.expire_all()
    assert record.undone_at is None  # no undo without a reason
    assert client.post(f"/enrollment/merges/{record.id}/undo", data={"reason": "two men after all"}).status_code == 303
    db.session.expire_all()
    assert record.undone_at is not None and db.session.get(Patient, new.id).current_card.status == "issued"


@pytest.mark.parametrize("change, code", [({"name": ""}, "name_required"), ({"sex": "X"}, "sex_required"),
                                          ({"dob": "1880-01-01"}, "bad_dob"), ({"dob": "", "birth_year": ""}, "dob_required"),
                                          ({"mobile": "12345"}, "bad_mobile"), ({"ward": ""}, "ward_required"),
                                          ({"place": ""}, "place_required")])
def test_the_form_says_what_to_fix(app, change, code):
    with pytest.raises(Refused) as refused:
        services.parse(FORM | change)
    assert refused.value.code == code


def test_only_the_card_office_enrols(app):
    client, _ = factories.logged_in(app, "operator")
    assert client.get("/enrollment/").status_code == 403
    verifier, _ = factories.logged_in(app, "field_verifier")
    assert verifier.post("/enrollment/pairs", data={}).status_code == 403


def test_the_api_enrols_finds_merges_and_undoes(app):
    existing = factories.make_card(name="Mohammad Imran", dob=date(1980, 5, 17), birth_year=1980, ward="Seelampur")
    client, _ = factories.logged_in(app, "registrar")
    refused = client.post("/api/v1/enrollment/residents", json=FORM)
    assert refused.status_code == 409 and refused.json["candidates"][0]["patient_id"] == existing.patient_id
    made = client.post("/api/v1/enrollment/residents", json=FORM | {"confirm_new": True})
    assert made.status_code == 201 and made.json["card_status"] == "issued"
    found = client.get(f"/api/v1/enrollment/patients/{existing.patient_id}/duplicates").json["candidates"]
    assert [c["patient_id"] for c in found] == [made.json["patient_id"]]
    merged = client.post("/api/v1/enrollment/merges", json={"survivor_id": existing.patient_id,
                                                            "duplicate_id": made.json["patient_id"],
                                                            "reason": "same man", "confirm": True})
    assert merged.status_code == 201 and merged.json["changes"]["cards_superseded"] == 1
    undone = client.post(f"/api/v1/enrollment/merges/{merged.json['merge_id']}/undo", json={"reason": "two men"})
    assert undone.status_code == 200 and undone.json["undone_at"]
    assert client.post(f"/api/v1/enrollment/merges/{merged.json['merge_id']}/undo",
                       json={"reason": "two men"}).status_code == 409
