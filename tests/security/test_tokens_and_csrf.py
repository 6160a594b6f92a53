"""API tokens expire, show their last use and can be revoked; only a valid token skips CSRF."""

from datetime import timedelta

import pytest

from crm.models import ApiToken
from crm.platform.extensions import db
from crm.staff.auth import tokens
from tests import factories
from tests.conftest import app_with_schema


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_an_expired_token_is_refused(app, client):
    token = tokens.issue(factories.make_staff("doctor"), days=1)
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    row = ApiToken.query.one()
    row.expires_at = row.created_at - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 401


def test_a_token_from_before_expiry_lives_ninety_days_from_its_creation(app, client):
    token = tokens.issue(factories.make_staff("doctor"))
    row = ApiToken.query.one()
    row.expires_at, row.created_at = None, row.created_at - timedelta(days=89)
    db.session.commit()
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    row = ApiToken.query.one()
    row.created_at -= timedelta(days=1, seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 401


def test_a_tokens_last_use_is_written_at_most_every_five_minutes(app, client):
    token = tokens.issue(factories.make_staff("doctor"))
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    first = ApiToken.query.one().last_used_at
    assert first is not None
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    db.session.expire_all()
    assert ApiToken.query.one().last_used_at == first  # within five minutes: not written again
    row = ApiToken.query.one()
    row.last_used_at = first - timedelta(minutes=5, seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    db.session.expire_all()
    assert ApiToken.query.one().last_used_at > first


def test_the_staff_member_a_token_names_is_their_whole_record(app, client):
    staff = factories.make_staff("doctor", specialty="cardiology")
    token = tokens.issue(staff)
    columns = [c.key for c in type(staff).__table__.columns]
    expected, model = {key: getattr(staff, key) for key in columns}, type(staff)
    answer = client.get("/api/v1/me", headers=_bearer(token)).json
    assert (answer["id"], answer["username"], answer["role"], answer["specialty"]) == (
        staff.id, staff.username, "doctor", "cardiology")
    with app.test_request_context("/api/v1/me"):
        db.session.remove()
        found = tokens.staff_for_token(token)
        assert found is db.session.get(model, expected["id"])  # the session's own instance, not a copy
        assert {key: getattr(found, key) for key in columns} == expected
        found.name = "Renamed"
        db.session.commit()
    db.session.remove()
    assert db.session.get(model, expected["id"]).name == "Renamed"


def test_tokens_live_ninety_days_by_default(app):
    tokens.issue(factories.make_staff("doctor"))
    row = ApiToken.query.one()
    assert timedelta(days=89) < row.expires_at - row.created_at <= timedelta(days=90)


def test_staff_see_their_tokens_last_use_and_revoke_one(app, client, login):
    staff = login("doctor")
    kept, lost = tokens.issue(staff, "kept"), tokens.issue(staff, "laptop")
    other = app.test_client()
    assert other.get("/api/v1/me", headers=_bearer(lost)).status_code == 200
    listed = {t["label"]: t for t in client.get("/api/v1/me/tokens").json["tokens"]}
    assert listed["laptop"]["last_used_at"] and listed["laptop"]["state"] == "live" and "token" not in listed["laptop"]
    response = client.post(f"/api/v1/me/tokens/{listed['laptop']['id']}/revoke")
    assert response.status_code == 200 and response.json["state"] == "revoked"
    assert other.get("/api/v1/me", headers=_bearer(lost)).status_code == 401
    assert other.get("/api/v1/me", headers=_bearer(kept)).status_code == 200


def test_nobody_revokes_a_colleagues_token(app, client, login):
    colleague = factories.make_staff("doctor")
    tokens.issue(colleague)
    login("operator")
    response = client.post(f"/api/v1/me/tokens/{ApiToken.query.one().id}/revoke")
    assert response.status_code == 404 and ApiToken.query.one().revoked_at is None


def test_an_admin_may_revoke_any_token(app):
    colleague = factories.make_staff("doctor")
    tokens.issue(colleague)
    row = tokens.revoke(ApiToken.query.one().id, factories.make_staff("admin"))
    assert row.revoked_at is not None


@pytest.fixture
def csrf_app(tmp_path):
    with app_with_schema(tmp_path, WTF_CSRF_ENABLED=True) as app:
        yield app


def _logged_in(csrf_app):
    client = csrf_app.test_client()
    staff = factories.make_staff("operator")
    page = client.get("/login").data.decode()
    csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"username": staff.username, "password": factories.PASSWORD, "csrf_token": csrf})
    return client


@pytest.mark.parametrize("header", ["Bearer junk", "Bearer smp_forged", "Bearer "])
def test_a_junk_bearer_header_does_not_switch_off_csrf(csrf_app, header):
    client = _logged_in(csrf_app)
    response = client.post("/api/v1/lookup", json={"phone": "9810000001"}, headers={"Authorization": header})
    assert response.status_code == 400  # the CSRF refusal, not the lookup's 404


def test_a_valid_token_still_needs_no_csrf(csrf_app):
    token = tokens.issue(factories.make_staff("operator"))
    response = csrf_app.test_client().post("/api/v1/lookup", json={"phone": "9810000001"}, headers=_bearer(token))
    assert response.status_code == 404


def test_a_token_client_keeps_working_after_an_answer_sets_a_cookie(app):
    """The field worklist hands out a CSRF token in a session cookie; a script holding cookies, as HTTP libraries do,
    must not be turned away with 401 from then on (Flask-Login's strong session protection discarded the token)."""
    token = tokens.issue(factories.make_staff("field_verifier"))
    client = app.test_client()
    assert client.get("/api/v1/field/worklist", headers=_bearer(token)).status_code == 200
    assert client.get_cookie("session") is not None
    me = client.get("/api/v1/me", headers=_bearer(token))
    assert me.status_code == 200 and me.json["role"] == "field_verifier"
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer smp_forged"}).status_code == 401
