"""Login, roles on every endpoint, CSRF, rate limits and personal tokens."""

import pytest

from crm.staff.auth import tokens
from tests import factories
from tests.conftest import make_app


def test_login_with_right_password_opens_the_desk(client, app):
    staff = factories.make_staff("operator")
    response = client.post("/login", data={"username": staff.username.upper(), "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.get("/", follow_redirects=True).request.path == "/workspace"


def test_doctors_start_on_the_tier2_dashboard(client, login):
    login("doctor")
    assert client.get("/", follow_redirects=True).request.path == "/doctor/"


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, app):
    staff = factories.make_staff("operator")
    wrong = client.post("/login", data={"username": staff.username, "password": "nope nope nope"})
    unknown = client.post("/login", data={"username": "ghost", "password": "nope nope nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert b"Wrong username or password" in wrong.data and b"Wrong username or password" in unknown.data


def test_inactive_staff_cannot_log_in(client, app):
    staff = factories.make_staff("operator")
    staff.active = False
    from crm.platform.extensions import db

    db.session.commit()
    assert client.post("/login", data={"username": staff.username, "password": factories.PASSWORD}).status_code == 401


def test_pages_redirect_to_login_and_api_says_401(client, app):
    assert client.get("/lookup").headers["Location"].startswith("/login?next=/lookup")
    response = client.post("/api/v1/lookup", json={"phone": "9810000001"})
    assert response.status_code == 401 and response.json["error"] == "login_required"


def test_login_never_redirects_to_another_site(client, app):
    staff = factories.make_staff("operator")
    response = client.post("/login?next=//evil.example/x", data={"username": staff.username, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/"


def test_every_endpoint_declares_who_may_use_it(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "public", False) or getattr(view, "allowed_roles", None) or getattr(view, "citizen", False)
        if rule.endpoint != "static" and not declared:
            undeclared.append(rule.rule)
    assert undeclared == []


def test_public_endpoints_are_only_the_expected_ones(app):
    from tests.security.probes.walk import PUBLIC, PUBLIC_PREFIXES  # the one list, each route with its reason

    public = sorted(r.rule for r in app.url_map.iter_rules() if getattr(app.view_functions[r.endpoint], "public", False))
    assert set(public) - set(PUBLIC) - {r for r in public if r.startswith(tuple(PUBLIC_PREFIXES))} == set()


@pytest.mark.parametrize("role, path, status", [
    ("admin", "/lookup", 403),
    ("admin", "/api/v1/patients/1", 403),
    ("operator", "/api/v1/cards/123456789012/revoke", 403),
    ("doctor", "/api/v1/patients/1/cards", 403),
])
def test_roles_are_enforced(client, login, role, path, status):
    login(role)
    response = client.post(path, json={}) if path.endswith(("revoke", "cards")) else client.get(path)
    assert response.status_code == status


def test_bearer_token_authenticates_api_calls(client, app):
    staff = factories.make_staff("doctor")
    token = tokens.issue(staff)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json["username"] == staff.username


def test_revoked_or_forged_token_is_refused(client, app):
    staff = factories.make_staff("doctor")
    token = tokens.issue(staff)
    tokens.revoke_all(staff)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer smp_forged"}).status_code == 401


def test_tokens_are_stored_hashed(app):
    from crm.models import ApiToken

    token = tokens.issue(factories.make_staff("doctor"))
    stored = ApiToken.query.one().token_hash
    assert token not in stored and len(stored) == 64


@pytest.fixture
def csrf_app(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    from crm.platform.extensions import db

    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()


def test_forms_and_session_api_calls_need_the_csrf_token(csrf_app):
    client = csrf_app.test_client()
    staff = factories.make_staff("operator")
    assert client.post("/login", data={"username": staff.username, "password": factories.PASSWORD}).status_code == 400
    page = client.get("/login").data.decode()
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    ok = client.post("/login", data={"username": staff.username, "password": factories.PASSWORD, "csrf_token": token})
    assert ok.status_code == 302
    assert client.post("/api/v1/lookup", json={"phone": "9810000001"}).status_code == 400
    desk = client.get("/lookup").data.decode()
    header = desk.split('<meta name="csrf-token" content="')[1].split('"')[0]
    response = client.post("/api/v1/lookup", json={"phone": "9810000001"}, headers={"X-CSRFToken": header})
    assert response.status_code == 404, response.data


def test_bearer_api_calls_need_no_csrf_token(csrf_app):
    token = tokens.issue(factories.make_staff("operator"))
    response = csrf_app.test_client().post("/api/v1/lookup", json={"phone": "9810000001"},
                                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404


def test_login_attempts_are_rate_limited(tmp_path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    from crm.platform.extensions import db

    with app.app_context():
        db.create_all()
        client = app.test_client()
        codes = [client.post("/login", data={"username": "x", "password": "wrong wrong"}).status_code for _ in range(5)]
        assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]
        assert b"Too many attempts" in client.post("/login", data={"username": "x", "password": "y"}).data


def test_logout_ends_the_session_and_the_presence(client, login):
    staff = login("operator")
    assert client.get("/lookup").status_code == 200
    client.put("/api/v1/me/presence", json={"presence": "available"})
    client.post("/logout")
    assert client.get("/lookup").status_code == 302
    from crm.platform.extensions import db

    db.session.expire_all()
    assert db.session.get(type(staff), staff.id).presence == "offline"
