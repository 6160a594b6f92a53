"""A record merged into another disappears from every view, and its links lead to the record kept: the lookup (phone,
card number, QR), the staff record page and household lists, FHIR Patient reads and searches and Group members, the
field worklist and the bulk card issue. (The portal's household list: tests/portal/test_merged_record.py.)"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from crm.models import AuditLog, Patient
from crm.platform.extensions import db
from crm.residents.card_office import work as office
from crm.residents.duplicates import finding, review
from crm.residents.field import worklist
from crm.staff.auth import tokens
from tests import factories
from tests.fhir.hospital import Hospital

MOBILE = "+919810000001"


def merged_family() -> dict:
    """Rajesh Sharma, his wife, and 'Rajesh Sharmaa' (a second record of him in the same household, with its own
    card), merged into Rajesh by the card office."""
    home = factories.make_household(code="HH-0777", address="12 Gali 3, Mustafabad", ward="Mustafabad")
    kept = factories.make_card(factories.make_patient(home, name="Rajesh Sharma", mobile=MOBILE, dob=date(1971, 4, 9),
                                                      ward="Mustafabad")).patient
    wife = factories.make_card(factories.make_patient(home, name="Sunita Sharma", sex="F", relation="wife",
                                                      mobile=MOBILE, ward="Mustafabad")).patient
    twin = factories.make_patient(home, name="Rajesh Sharmaa", mobile=MOBILE, dob=date(1971, 4, 9), ward="Mustafabad")
    old_card = factories.make_card(twin)
    registrar = factories.make_staff("registrar")
    finding.queue(kept.id, twin.id, 0.98, ["name 100% alike"], "import")
    pair = review.pair_for(kept.id, twin.id)
    review.merge(pair.id, kept.id, registrar, "Same man: voter id and mobile checked", True)
    db.session.commit()
    return {"kept": kept.id, "wife": wife.id, "merged": twin.id, "old_card": old_card.number,
            "old_qr": old_card.qr_token, "kept_card": db.session.get(Patient, kept.id).current_card.number}


def names(view: dict) -> list[str]:
    return [m["name"] for m in view["household"]]


def test_the_lookup_by_phone_card_and_qr_finds_the_record_kept(app, login, client):
    family = merged_family()
    login("operator")
    for query in ({"phone": "9810000001"}, {"card_number": family["old_card"]}, {"qr": family["old_qr"]}):
        view = client.post("/api/v1/lookup", json=query).json
        assert view["patient"]["id"] == family["kept"], query
        assert names(view) == ["Rajesh Sharma", "Sunita Sharma"], query
        assert all(m["id"] != family["merged"] for m in view.get("matches", []))
    old = client.post("/api/v1/lookup", json={"card_number": family["old_card"]}).json["card"]
    assert old["state"] == "old_card" and old["current_number"] == family["kept_card"]


def test_a_scan_of_the_merged_records_card_is_audited_once_naming_the_record_kept(app, login, client):
    family = merged_family()
    staff = login("operator")
    token = tokens.issue(factories.make_staff("operator", username="scanner"))
    for headers in ({}, {"Authorization": f"Bearer {token}"}):  # at the desk, and by a device's token
        last = db.session.scalar(select(func.max(AuditLog.id))) or 0
        client_or_device = client if not headers else app.test_client()
        view = client_or_device.post("/api/v1/lookup", json={"qr": family["old_qr"]}, headers=headers).json
        assert view["patient"]["id"] == family["kept"]
        rows = db.session.execute(select(AuditLog.action, AuditLog.patient_id, AuditLog.card_number, AuditLog.staff_id)
                                  .where(AuditLog.id > last)).all()
        who = staff.id if not headers else tokens.staff_for_token(token).id
        assert [tuple(r) for r in rows] == [("view_patient", family["kept"], family["old_card"], who)]
        db.session.rollback()


def test_the_staff_record_page_and_household_lists_lead_to_the_record_kept(app, login, client):
    family = merged_family()
    login("registrar")
    moved = client.get(f"/patients/{family['merged']}")
    assert moved.status_code == 301 and moved.headers["Location"].endswith(f"/patients/{family['kept']}")
    wife = client.get(f"/patients/{family['wife']}").get_data(as_text=True)
    assert "Rajesh Sharma" in wife and "Sharmaa" not in wife
    assert client.get(f"/api/v1/patients/{family['merged']}").json["patient"]["id"] == family["kept"]


def test_fhir_reads_lead_to_the_record_kept_and_searches_do_not_find_it(app):
    family = merged_family()
    reader = Hospital(app.test_client(), name="AIIMS HIS", scopes="system/*.read")
    token = reader.token()
    moved = reader.get(f"/fhir/Patient/{family['merged']}", token=token)
    assert moved.status_code == 301 and moved.headers["Location"].endswith(f"/fhir/Patient/{family['kept']}")
    assert reader.get(f"/fhir/Patient/{family['kept']}", token=token).json["id"] == str(family["kept"])
    found = reader.get("/fhir/Patient?birthdate=1971-04-09", token=token).json
    assert [e["resource"]["id"] for e in found.get("entry", [])] == [str(family["kept"])]
    by_card = reader.get(f"/fhir/Patient?identifier={family['old_card']}", token=token).json
    assert [e["resource"]["id"] for e in by_card["entry"]] == [str(family["kept"])]  # the old card names the kept
    group = reader.get("/fhir/Group?identifier=HH-0777", token=token).json["entry"][0]["resource"]
    assert [m["entity"]["display"] for m in group["member"]] == ["Rajesh Sharma", "Sunita Sharma"]


def test_the_field_worklist_and_the_bulk_issue_leave_the_merged_record_out(app):
    family = merged_family()
    verifier = factories.make_staff("field_verifier")
    worklist.assign("Mustafabad", verifier.id, factories.make_staff("registrar"))
    db.session.commit()
    listed = str(worklist.worklist(verifier))
    assert "Rajesh Sharma" in listed and "Sharmaa" not in listed and family["old_card"] not in listed
    assert office.missing_cards() == 0  # the merged record holds no card and is given none
