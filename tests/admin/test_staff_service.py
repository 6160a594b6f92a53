"""Staff administration services: what an administrator changes, the rules that hold, and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.models import AuditLog, Facility, Slot, StaffUser
from crm.models.base import local, utcnow
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.staff.admin import staff as admin
from crm.staff.auth import lockout, passwords, policy, tokens
from tests import factories


def _audit(action: str) -> list[AuditLog]:
    return AuditLog.query.filter_by(action=action).order_by(AuditLog.id).all()


def test_create_generates_a_password_that_works_once_shown(app):
    boss = factories.make_staff("admin")
    staff, password = admin.create(boss, "Asha.V", "operator", "Asha Verma", desk_phone="011 2345 6789")
    db.session.commit()
    assert staff.username == "asha.v" and staff.desk_phone == "+911123456789" and staff.specialty is None
    assert password and policy.problem(password, staff.username, staff.name) is None
    assert passwords.authenticate("asha.v", password) is staff
    row = _audit("staff_create")[0]
    assert (row.staff_id, row.detail["target_staff_id"], row.detail["role"]) == (boss.id, staff.id, "operator")


def test_create_with_a_typed_password_returns_none_to_show(app):
    staff, password = admin.create(None, "ravi", "doctor", "Dr. Ravi", password="river tiger lamp 42")
    assert password is None and staff.specialty == "general_medicine"


@pytest.mark.parametrize("fields, message", [
    ({"username": "", "role": "operator"}, "username"),
    ({"username": "a b", "role": "operator"}, "username"),
    ({"username": "x1", "role": "janitor"}, "Choose a role"),
    ({"username": "x1", "role": "operator", "specialty": "cardiology"}, "Only doctors"),
    ({"username": "x1", "role": "doctor", "specialty": "astrology"}, "Unknown specialty"),
    ({"username": "x1", "role": "operator", "desk_phone": "12"}, "Desk phone"),
    ({"username": "x1", "role": "operator", "password": "short"}, "at least 10"),
])
def test_create_refuses_with_a_reason(app, fields, message):
    with pytest.raises(Refused) as refused:
        admin.create(None, **fields)
    assert message in refused.value.message and refused.value.status == 422


def test_create_refuses_a_taken_username(app):
    factories.make_staff("operator", username="meena")
    with pytest.raises(Refused, match="already"):
        admin.create(None, "MEENA", "operator")


def test_update_changes_role_specialty_and_phone_and_audits_what_changed(app):
    boss, staff = factories.make_staff("admin"), factories.make_staff("doctor", specialty="cardiology")
    staff.on_duty = True
    changes = admin.update(boss, staff, "Dr. Kapoor", "doctor", "paediatrics", "+91 98100 00042")
    assert set(changes) == {"name", "specialty", "desk_phone"}
    changes = admin.update(boss, staff, "Dr. Kapoor", "operator", "", "")
    db.session.commit()
    assert (staff.role, staff.specialty, staff.desk_phone, staff.on_duty) == ("operator", None, None, False)
    updates = _audit("staff_update")
    assert updates[-1].detail["changes"]["role"] == ["doctor", "operator"]
    assert updates[-1].detail["changes"]["desk_phone"] == [True, False]  # numbers are not copied into the log
    assert admin.update(boss, staff, "Dr. Kapoor", "operator", "", "") == {}


def test_disable_ends_sessions_and_tokens_at_once(app, client):
    boss, staff = factories.make_staff("admin"), factories.make_staff("operator")
    token = tokens.issue(staff, "desk")
    assert client.post("/login", data={"username": staff.username, "password": factories.PASSWORD}).status_code == 302
    assert client.get("/workspace").status_code == 200
    admin.disable(boss, staff)
    db.session.commit()
    assert client.get("/workspace").status_code == 302  # back to the login page
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert passwords.authenticate(staff.username, factories.PASSWORD) is None
    admin.enable(boss, staff)
    db.session.commit()
    assert passwords.authenticate(staff.username, factories.PASSWORD) is staff
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401  # stays revoked
    assert [r.detail["target_staff_id"] for r in _audit("staff_enable")] == [staff.id]


def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(app):
    only = factories.make_staff("admin")
    with pytest.raises(Refused) as refused:
        admin.disable(None, only)
    assert refused.value.code == "last_admin"
    with pytest.raises(Refused, match="only active administrator"):
        admin.update(only, only, only.name, "supervisor", "", "")
    second = factories.make_staff("admin")
    admin.update(only, only, only.name, "supervisor", "", "")  # another admin exists now
    db.session.commit()
    with pytest.raises(Refused, match="only active administrator"):
        admin.disable(None, second)


def test_an_admin_cannot_disable_themselves(app):
    me, _other = factories.make_staff("admin"), factories.make_staff("admin")
    with pytest.raises(Refused, match="your own account"):
        admin.disable(me, me)


# The people are reset at the start of each example, so the shared app fixture is safe here.
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["disable", "enable", "demote", "promote"]), st.integers(0, 2)),
                max_size=12))
def test_whatever_is_done_an_active_admin_remains(app, steps):
    people = StaffUser.query.filter(StaffUser.username.like("hyp%")).all()
    if not people:
        people = [factories.make_staff("admin", username=f"hyp{i}") for i in range(3)]
        for extra in people[1:]:
            admin.update(None, extra, extra.name, "operator", "", "")
    else:
        for index, person in enumerate(people):
            person.active, person.role = True, "admin" if index == 0 else "operator"
    db.session.commit()
    for action, index in steps:
        target = people[index]
        try:
            if action == "disable":
                admin.disable(None, target)
            elif action == "enable":
                admin.enable(None, target)
            else:
                admin.update(None, target, target.name, "operator" if action == "demote" else "admin", "", "")
            db.session.commit()
        except Refused:
            db.session.rollback()
        assert any(p.active and p.role == "admin" for p in people)


def test_reset_password_shows_a_new_one_and_ends_sessions(app, client):
    boss, staff = factories.make_staff("admin"), factories.make_staff("operator")
    client.post("/login", data={"username": staff.username, "password": factories.PASSWORD})
    password, ended = admin.reset_password(boss, staff)
    db.session.commit()
    assert ended == 1 and client.get("/workspace").status_code == 302
    assert passwords.authenticate(staff.username, factories.PASSWORD) is None
    assert passwords.authenticate(staff.username, password) is staff
    assert _audit("password_reset")[-1].staff_id == boss.id
    with pytest.raises(Refused, match="at least 10"):
        admin.reset_password(boss, staff, "short")


def test_unlock_clears_a_lock(app):
    staff = factories.make_staff("operator")
    for _ in range(lockout.LOCK_AFTER):
        passwords.authenticate(staff.username, "wrong password!")
    db.session.commit()
    assert admin.state_of(staff) == "locked"
    assert admin.unlock(None, staff) is True
    assert admin.state_of(staff) == "active"


def test_revoke_token_only_of_that_staff_member(app):
    boss, staff, other = factories.make_staff("admin"), factories.make_staff("operator"), factories.make_staff("doctor")
    tokens.issue(staff, "desk")
    theirs = tokens.of(other)[0].id if tokens.issue(other, "x") else None
    with pytest.raises(Refused) as refused:
        admin.revoke_token(boss, staff, theirs)
    assert refused.value.status == 404
    mine = tokens.of(staff)[0]
    admin.revoke_token(boss, staff, mine.id)
    assert admin.tokens_of(staff)[0]["state"] == "revoked"
    assert _audit("token_revoke")[-1].detail["owner_id"] == staff.id


def test_search_pages_and_filters(app):
    for n in range(30):
        factories.make_staff("operator", username=f"op{n:02d}", name=f"Operator {n:02d}")
    factories.make_staff("doctor", username="kapoor", name="Dr. Kapoor")
    rows, more = admin.search(admin.StaffQuery(), 1)
    assert len(rows) == admin.PAGE_SIZE and more
    rows, more = admin.search(admin.StaffQuery(), 2)
    assert len(rows) == 31 - admin.PAGE_SIZE and not more
    assert [s.username for s in admin.search(admin.StaffQuery(text="KAP"), 1)[0]] == ["kapoor"]
    assert {s.role for s in admin.search(admin.StaffQuery(role="doctor"), 1)[0]} == {"doctor"}
    assert admin.search(admin.StaffQuery(text="%"), 1)[0] == []  # a wildcard typed is a character, not "all"


def test_duty_schedule_opens_slots_and_lists_them(app):
    boss, doctor = factories.make_staff("admin"), factories.make_staff("doctor", specialty="cardiology")
    facility = Facility(code="HS-GTB", name="GTB Hospital", kind="hospital", district="Shahdara")
    db.session.add(facility)
    db.session.flush()
    day = (local(utcnow()) + timedelta(days=2)).date().isoformat()
    assert admin.add_schedule(boss, doctor, facility.id, day, "09:00", "10:00", 15) == 4
    assert admin.add_schedule(boss, doctor, facility.id, day, "09:00", "10:00", 15) == 0
    db.session.commit()
    assert Slot.query.filter_by(doctor_id=doctor.id).count() == 4
    [entry] = admin.schedule_of(doctor)
    assert (entry["slots"], entry["booked"], entry["first"].strftime("%H:%M"), entry["last"].strftime("%H:%M")) == \
        (4, 0, "09:00", "10:00")
    assert _audit("schedule_add")[0].detail["slots"] == 4
    with pytest.raises(Refused, match="up to"):
        admin.add_schedule(boss, doctor, facility.id, "2020-01-01", "09:00", "10:00", 15)
    with pytest.raises(Refused, match="not a doctor"):
        admin.add_schedule(boss, boss, facility.id, day, "09:00", "10:00", 15)
