"""Sessions live on the server: logout, password reset, a disabled account and "log out everywhere" end them."""

from datetime import timedelta

import pytest

from crm.models import ApiToken, AuditLog, StaffSession
from crm.platform.extensions import db
from crm.staff.auth import passwords, sessions
from tests import factories
from tests.conftest import make_app


def _log_in(client, staff):
    response = client.post("/login", data={"username": staff.username, "password": factories.PASSWORD})
    assert response.status_code == 302
    return client.get_cookie("session").value


def _reads_patients(client) -> bool:
    return client.get("/api/v1/cases").status_code == 200


def test_a_saved_cookie_reads_nothing_after_logout(app, client):
    staff = factories.make_staff("supervisor")
    saved = _log_in(client, staff)
    assert _reads_patients(client)
    client.post("/logout")
    client.set_cookie("session", saved)  # the attacker replays the cookie copied before logout
    response = client.get("/api/v1/cases")
    assert response.status_code == 401 and response.json["error"] == "login_required"


def test_password_reset_ends_every_session(app):
    staff = factories.make_staff("supervisor")
    desk, laptop = app.test_client(), app.test_client()
    _log_in(desk, staff), _log_in(laptop, staff)
    passwords.set_password(staff, "a brand new passphrase here")
    db.session.commit()
    assert not _reads_patients(desk) and not _reads_patients(laptop)


def test_a_disabled_account_is_out_at_once_and_its_tokens_too(app, client):
    from crm.staff.auth import tokens

    staff = factories.make_staff("supervisor")
    _log_in(client, staff)
    token = tokens.issue(staff)
    passwords.disable(staff)
    db.session.commit()
    assert not _reads_patients(client)
    assert app.test_client().get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_log_out_everywhere_ends_the_other_devices(app):
    staff = factories.make_staff("supervisor")
    desk, phone = app.test_client(), app.test_client()
    _log_in(desk, staff), _log_in(phone, staff)
    response = phone.post("/api/v1/me/logout-everywhere")
    assert response.status_code == 200 and response.json["sessions_ended"] == 2
    assert not _reads_patients(desk) and not _reads_patients(phone)
    assert AuditLog.query.filter_by(action="logout_everywhere").count() == 1


def test_an_idle_desk_is_logged_out(app, client):
    staff = factories.make_staff("supervisor")
    _log_in(client, staff)
    assert _reads_patients(client)
    row = StaffSession.query.one()
    row.last_seen_at -= timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    db.session.commit()
    assert client.get("/lookup").status_code == 302
    db.session.expire_all()
    assert StaffSession.query.one().end_reason == "idle"


def test_a_desk_in_use_stays_logged_in(app, client):
    staff = factories.make_staff("supervisor")
    _log_in(client, staff)
    row = StaffSession.query.one()
    row.last_seen_at -= timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] - 1)
    db.session.commit()
    assert _reads_patients(client)


def test_no_session_outlives_a_shift(app, client):
    staff = factories.make_staff("supervisor")
    _log_in(client, staff)
    row = StaffSession.query.one()
    row.created_at -= timedelta(hours=13)
    db.session.commit()
    assert not _reads_patients(client)


def test_the_idle_timeout_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "5")
    assert make_app(tmp_path).config["SESSION_IDLE_MINUTES"] == 5


def test_the_cookie_holds_no_session_row_key_the_database_could_replay(app, client):
    staff = factories.make_staff("supervisor")
    _log_in(client, staff)
    with app.test_request_context():
        stored = StaffSession.query.one().key_hash
    assert len(stored) == 64 and sessions.staff_for(stored, staff.id) is None


@pytest.mark.parametrize("staff_id", ["1" * 40, "abc"])
def test_a_forged_user_id_in_the_cookie_is_no_one(app, staff_id):
    from crm.staff.auth.access import _load_user

    with app.test_request_context():
        assert _load_user(staff_id) is None


def test_a_desk_logged_out_while_idle_is_told_why(app, client):
    staff = factories.make_staff("operator")
    _log_in(client, staff)
    row = StaffSession.query.one()
    row.last_seen_at -= timedelta(hours=1)
    db.session.commit()
    page = client.get("/lookup", follow_redirects=True).get_data(as_text=True)
    assert "Your session has ended" in page and "15 minutes" in page
    assert "Your session has ended" not in client.get("/login").get_data(as_text=True)  # said once


def test_the_account_page_lists_my_sessions_and_tokens_and_revokes(app, client):
    from crm.staff.auth import tokens

    staff = factories.make_staff("doctor")
    _log_in(client, staff)
    tokens.issue(staff, "reports script")
    page = client.get("/account").get_data(as_text=True)
    assert "this device" in page and "reports script" in page and "never" in page
    token_id = db.session.scalar(db.select(ApiToken.id))
    client.post(f"/account/tokens/{token_id}/revoke")
    assert "revoked" in client.get("/account").get_data(as_text=True)
    response = client.post("/account/logout-everywhere")
    assert response.headers["Location"].startswith("/login")
    assert client.get("/account").status_code == 302


def test_a_dashboard_refreshing_itself_does_not_keep_an_empty_desk_logged_in(app, client):
    staff = factories.make_staff("operator")
    _log_in(client, staff)
    row = StaffSession.query.one()
    row.last_seen_at -= timedelta(minutes=10)
    db.session.commit()
    assert client.get("/api/v1/queues/tier1").status_code == 200  # the page's 30-second refresh
    db.session.expire_all()
    assert utcnow_minus(StaffSession.query.one().last_seen_at) > timedelta(minutes=9)  # not counted as use
    assert client.get("/api/v1/cases").status_code == 200  # someone clicked: that counts
    db.session.expire_all()
    assert utcnow_minus(StaffSession.query.one().last_seen_at) < timedelta(minutes=1)


def test_an_operator_on_a_long_call_is_not_logged_out_while_typing(app, client):
    staff = factories.make_staff("operator")
    _log_in(client, staff)
    staff = db.session.get(type(staff), staff.id)
    staff.presence = "on_call"
    row = StaffSession.query.one()
    row.last_seen_at -= timedelta(minutes=40)
    db.session.commit()
    assert client.get("/api/v1/cases").status_code == 200


def utcnow_minus(moment):
    from crm.models.base import utcnow

    return utcnow() - moment
