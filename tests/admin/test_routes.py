"""The admin and card-office pages and API: who is refused where, CSRF on every form, bounded lists."""

from __future__ import annotations

import re

import pytest

from crm.models import AuditLog, StaffUser
from crm.platform.extensions import db
from crm.staff.auth import tokens
from tests import factories
from tests.conftest import app_with_schema

ROLES = ("operator", "doctor", "supervisor", "admin", "registrar")
ADMIN_ROUTES = [
    ("GET", "/admin/staff/"), ("GET", "/admin/staff/new"), ("POST", "/admin/staff/new"),
    ("GET", "/admin/staff/{id}"), ("POST", "/admin/staff/{id}"), ("POST", "/admin/staff/{id}/disable"),
    ("POST", "/admin/staff/{id}/enable"), ("POST", "/admin/staff/{id}/unlock"),
    ("POST", "/admin/staff/{id}/logout-everywhere"), ("POST", "/api/v1/admin/staff/{id}/logout-everywhere"), ("POST", "/admin/staff/{id}/password"),
    ("POST", "/admin/staff/{id}/tokens/1/revoke"), ("POST", "/admin/staff/{id}/schedule"),
    ("POST", "/admin/staff/{id}/skills"),
    ("GET", "/api/v1/admin/staff"), ("POST", "/api/v1/admin/staff"), ("GET", "/api/v1/admin/staff/{id}"),
    ("PATCH", "/api/v1/admin/staff/{id}"), ("POST", "/api/v1/admin/staff/{id}/disable"),
    ("POST", "/api/v1/admin/staff/{id}/enable"), ("POST", "/api/v1/admin/staff/{id}/unlock"),
    ("POST", "/api/v1/admin/staff/{id}/password"), ("GET", "/api/v1/admin/staff/{id}/tokens"),
    ("POST", "/api/v1/admin/staff/{id}/tokens/1/revoke"),
]
OFFICE_ROUTES = [
    ("GET", "/card-office/"), ("POST", "/card-office/imports"), ("POST", "/card-office/card-issue"),
    ("GET", "/card-office/jobs/1/rejects.csv"), ("GET", "/api/v1/card-office/jobs"),
    ("GET", "/api/v1/card-office/jobs/1"), ("POST", "/api/v1/card-office/imports"),
    ("POST", "/api/v1/card-office/card-issue"),
]


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_admins_administer_staff(app, client, login, role):
    target = factories.make_staff("operator")
    login(role)
    for method, path in ADMIN_ROUTES:  # one login per role: each route refused, nothing changed
        response = client.open(path.format(id=target.id), method=method, headers={"Accept": "application/json"})
        assert response.status_code == 403, (method, path)
        assert response.json["error"] == "forbidden"
    db.session.expire_all()  # read what the requests committed, not this session's copy
    assert db.session.get(StaffUser, target.id).active


@pytest.mark.parametrize("role", ["operator", "doctor", "admin"])
def test_only_the_card_office_imports_and_issues(app, client, login, role):
    login(role)
    for method, path in OFFICE_ROUTES:
        assert client.open(path, method=method, headers={"Accept": "application/json"}).status_code == 403, path


def test_supervisors_hold_the_card_office_too(app, client, login):
    login("supervisor")
    assert client.get("/card-office/").status_code == 200


@pytest.mark.parametrize("method, path", ADMIN_ROUTES[:3] + OFFICE_ROUTES[:2])
def test_not_logged_in_goes_to_the_login_page(client, method, path):
    response = client.open(path.format(id=1), method=method)
    assert response.status_code in (302, 401)


@pytest.fixture
def csrf_app(tmp_path):
    with app_with_schema(tmp_path, WTF_CSRF_ENABLED=True) as app:
        yield app


def _csrf(page: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def test_every_admin_form_carries_and_needs_the_csrf_token(csrf_app):
    client = csrf_app.test_client()
    admin = factories.make_staff("admin")
    target = factories.make_staff("doctor")
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": admin.username, "password": factories.PASSWORD, "csrf_token": _csrf(page)})
    for url in ("/admin/staff/new", f"/admin/staff/{target.id}"):
        page = client.get(url).get_data(as_text=True)
        forms = re.findall(r"<form method=\"post\"[^>]*>(.*?)</form>", page, re.DOTALL)
        assert forms and all('name="csrf_token"' in form for form in forms), url
    for action in ("disable", "password", "unlock"):
        assert client.post(f"/admin/staff/{target.id}/{action}").status_code == 400
    assert client.post("/admin/staff/new", data={"username": "x1", "role": "operator"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(StaffUser, target.id).active and StaffUser.query.count() == 2
    token = _csrf(client.get(f"/admin/staff/{target.id}").get_data(as_text=True))
    assert client.post(f"/admin/staff/{target.id}/disable", data={"csrf_token": token}).status_code == 303


def test_card_office_forms_need_the_csrf_token(csrf_app):
    client = csrf_app.test_client()
    registrar = factories.make_staff("registrar")
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": registrar.username, "password": factories.PASSWORD,
                                "csrf_token": _csrf(page)})
    page = client.get("/card-office/").get_data(as_text=True)
    assert page.count('name="csrf_token"') >= 3  # upload, card issue, log out
    assert client.post("/card-office/card-issue").status_code == 400


def test_admin_creates_an_operator_who_can_log_in(app, client, login):
    boss = login("admin")
    page = client.post("/admin/staff/new", data={"username": "asha", "role": "operator", "name": "Asha Verma",
                                                 "desk_phone": "011-2345-6789"}).get_data(as_text=True)
    password = re.search(r'id="one-time-password">([^<]+)<', page).group(1)
    staff = StaffUser.query.filter_by(username="asha").one()
    assert staff.desk_phone == "+911123456789"
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": "asha", "password": password}).status_code == 302
    assert AuditLog.query.filter_by(action="staff_create", staff_id=boss.id).count() == 1


def test_a_refused_form_keeps_what_was_typed_and_says_why(app, client, login):
    login("admin")
    response = client.post("/admin/staff/new", data={"username": "asha", "role": "operator", "name": "Asha Verma",
                                                     "desk_phone": "12345"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Desk phone:" in page and 'value="Asha Verma"' in page
    assert StaffUser.query.filter_by(username="asha").count() == 0


def test_the_last_admin_cannot_demote_themselves_in_the_page(app, client, login):
    me = login("admin")
    response = client.post(f"/admin/staff/{me.id}", data={"name": me.name, "role": "supervisor"})
    assert response.status_code == 409 and "only active administrator" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(StaffUser, me.id).role == "admin"
    assert client.post(f"/api/v1/admin/staff/{me.id}/disable").json["error"] == "self"


def test_revoking_a_token_in_the_api_stops_it(app, client, login):
    login("admin")
    staff = factories.make_staff("operator")
    token = tokens.issue(staff, "desk")
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 200
    [shown] = client.get(f"/api/v1/admin/staff/{staff.id}/tokens").json["tokens"]
    assert "smp_" not in str(shown)
    assert client.post(f"/api/v1/admin/staff/{staff.id}/tokens/{shown['id']}/revoke").status_code == 200
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401


def test_the_api_creates_patches_and_resets(app, client, login):
    login("admin")
    made = client.post("/api/v1/admin/staff", json={"username": "kapoor", "role": "doctor", "name": "Dr. Kapoor",
                                                    "specialty": "cardiology"})
    assert made.status_code == 201 and made.json["password"] and made.json["staff"]["identity"].startswith("staff-")
    staff_id = made.json["staff"]["id"]
    patched = client.patch(f"/api/v1/admin/staff/{staff_id}", json={"desk_phone": "9810000042"})
    assert patched.json["changed"] == ["desk_phone"] and patched.json["staff"]["specialty"] == "cardiology"
    reset = client.post(f"/api/v1/admin/staff/{staff_id}/password", json={})
    assert reset.status_code == 200 and len(reset.json["password"]) >= 10
    bad = client.post("/api/v1/admin/staff", json={"username": "x", "role": "pilot"})
    assert bad.status_code == 422 and bad.json["error"] == "bad_staff"


def test_the_staff_list_is_paged_and_the_page_number_bounded(app, client, login):
    login("admin")
    for n in range(30):
        factories.make_staff("operator", username=f"op{n:02d}")
    page = client.get("/admin/staff/").get_data(as_text=True)
    assert page.count("data-staff-row=") == 25 and "Next" in page
    assert client.get("/admin/staff/?page=2").get_data(as_text=True).count("data-staff-row=") == 6
    assert client.get("/admin/staff/?page=99999999999999999999").status_code == 422
    assert len(client.get("/api/v1/admin/staff?q=op").json["staff"]) == 25


def test_home_pages(app, client, login):
    login("admin")
    assert client.get("/").headers["Location"].endswith("/admin/staff/")


def test_registrar_lands_in_the_card_office_with_a_nav_link(app, client, login):
    login("registrar")
    assert client.get("/").headers["Location"].endswith("/card-office/")
    page = client.get("/card-office/").get_data(as_text=True)
    assert 'href="/card-office/" aria-current="page">Card office' in page and "/admin/staff/" not in page


def test_a_doctor_made_operator_in_the_page_loses_the_specialty(app, client, login):
    login("admin")
    doctor = factories.make_staff("doctor", specialty="cardiology")
    response = client.post(f"/admin/staff/{doctor.id}", data={"name": doctor.name, "role": "operator",
                                                              "specialty": "cardiology", "desk_phone": ""})
    assert response.status_code == 303
    db.session.refresh(doctor)
    assert (doctor.role, doctor.specialty) == ("operator", None)


def test_log_out_everywhere_ends_their_sessions(app, client, login):
    login("admin")
    staff = factories.make_staff("operator")
    desk = app.test_client()
    desk.post("/login", data={"username": staff.username, "password": factories.PASSWORD})
    assert desk.get("/workspace").status_code == 200
    assert client.post(f"/admin/staff/{staff.id}/logout-everywhere").status_code == 303
    assert desk.get("/workspace").status_code == 302
    assert AuditLog.query.filter_by(action="logout_everywhere").one().detail["target_staff_id"] == staff.id
