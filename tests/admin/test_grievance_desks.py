"""A grievance officer's desk is set in the admin pages and the API (a section or a facility, checked), and every
admin page names a role in words, from the one table of role labels the API description uses too."""

from __future__ import annotations

from crm.models import AuditLog, Facility, StaffUser
from crm.models.staff import ROLE_LABELS, ROLES
from crm.platform.extensions import db
from tests import factories


def test_an_administrator_sets_an_officers_desk_to_a_section_or_a_facility(app, client, login):
    db.session.add(Facility(code="HS-GTB", name="Guru Teg Bahadur Hospital", kind="hospital", district="Shahdara",
                            ward="Dilshad Garden"))
    db.session.commit()
    login("admin")
    form = client.get("/admin/staff/new").get_data(as_text=True)
    assert "Grievance desk" in form and "Card office" in form and "Guru Teg Bahadur Hospital · hospital · Dilshad Garden (HS-GTB)" in form
    made = client.post("/admin/staff/new", data={"username": "ravi", "role": "officer", "name": "Ravi", "desk": "HS-GTB",
                                                 "password": "a long enough passphrase 42"})
    assert made.status_code == 200
    ravi = db.session.scalar(db.select(StaffUser).where(StaffUser.username == "ravi"))
    assert ravi.section == "HS-GTB"
    fields = {"name": "Ravi", "role": "officer", "desk_phone": ""}
    assert client.post(f"/admin/staff/{ravi.id}", data=fields | {"desk": "no-such-desk"}).status_code == 422
    assert client.post(f"/admin/staff/{ravi.id}", data=fields | {"desk": "card_office"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(StaffUser, ravi.id).section == "card_office"
    audit = db.session.scalars(db.select(AuditLog).where(AuditLog.action == "staff_update")).all()[-1]
    assert "section" in str(audit.detail)
    assert "desk card_office" in client.get("/admin/staff/?role=officer").get_data(as_text=True)
    # the API sets it too, and a desk means nothing for another role
    api = client.patch(f"/api/v1/admin/staff/{ravi.id}", json={"desk": "helpline"})
    assert api.status_code == 200 and api.get_json()["staff"]["desk"] == "helpline"
    operator = factories.make_staff("operator")
    client.post(f"/admin/staff/{operator.id}", data={"name": operator.name, "role": "operator", "desk": "helpline"})
    db.session.expire_all()
    assert db.session.get(StaffUser, operator.id).section is None


def test_roles_are_named_in_words_on_the_admin_pages_and_in_the_api_description(app, client, login):
    factories.make_staff("field_verifier", name="Meena Field")
    login("admin")
    page = client.get("/admin/staff/").get_data(as_text=True)
    assert "Field verifier" in page and "Field_verifier" not in page and "Grievance officer" in page
    assert set(ROLE_LABELS) == set(ROLES)  # a role added without its words fails here
    described = str(client.get("/api/v1/openapi.json").get_json())
    assert all(f"{code}: {words}" in described for code, words in ROLE_LABELS.items())
