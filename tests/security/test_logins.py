"""Logins: per-account lockout with back-off, per-IP limits behind a trusted proxy, audit, password policy."""

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.models import AuditLog, StaffUser
from crm.platform.extensions import db
from crm.staff.auth import lockout, passwords, policy
from tests import factories
from tests.conftest import app_with_schema


def _try(client, username, password, **kwargs):
    return client.post("/login", data={"username": username, "password": password}, **kwargs).status_code


def test_a_guessed_account_locks_but_colleagues_at_the_same_desk_log_in(app, client):
    victim, colleague = factories.make_staff("doctor"), factories.make_staff("operator")
    codes = [_try(client, victim.username, f"guess number {n}") for n in range(lockout.LOCK_AFTER + 1)]
    assert codes[:lockout.LOCK_AFTER] == [401] * lockout.LOCK_AFTER and codes[-1] == 423
    assert _try(client, colleague.username, factories.PASSWORD) == 302  # same IP, other account


def test_a_locked_account_refuses_even_the_right_password_and_says_why(app, client):
    victim = factories.make_staff("doctor")
    for n in range(lockout.LOCK_AFTER):
        _try(client, victim.username, f"guess number {n}")
    response = client.post("/login", data={"username": victim.username, "password": factories.PASSWORD})
    assert response.status_code == 423
    assert b"locked for" in response.data and b"administrator" in response.data


def test_locks_grow_longer_and_stop_at_an_hour():
    lengths = [lockout.lock_length(n) for n in range(lockout.LOCK_AFTER, lockout.LOCK_AFTER + 10)]
    assert lengths[0] == timedelta(minutes=1) and lengths[1] == timedelta(minutes=2)
    assert lengths == sorted(lengths) and lengths[-1] == timedelta(hours=1)
    assert lockout.lock_length(lockout.LOCK_AFTER - 1) is None


def test_the_lock_ends_by_itself(app, client):
    victim = factories.make_staff("doctor")
    for n in range(lockout.LOCK_AFTER):
        _try(client, victim.username, f"guess number {n}")
    db.session.refresh(victim)
    victim.locked_until -= timedelta(minutes=2)
    db.session.commit()
    assert _try(client, victim.username, factories.PASSWORD) == 302
    db.session.expire_all()
    assert db.session.get(StaffUser, victim.id).failed_logins == 0


def test_an_admin_unlocks_from_the_command_line(app, client):
    victim = factories.make_staff("doctor")
    for n in range(lockout.LOCK_AFTER):
        _try(client, victim.username, f"guess number {n}")
    db.session.expire_all()  # the command reads what the login requests wrote, as a fresh process would
    result = app.test_cli_runner().invoke(args=["staff", "unlock", victim.username])
    assert result.exit_code == 0 and "Unlocked" in result.output
    assert _try(client, victim.username, factories.PASSWORD) == 302
    assert AuditLog.query.filter_by(action="staff_unlock").count() == 1


def test_every_login_failed_or_not_is_audited(app, client):
    staff = factories.make_staff("operator")
    _try(client, staff.username, "wrong wrong wrong")
    _try(client, "ghost", "wrong wrong wrong")
    _try(client, staff.username, factories.PASSWORD)
    rows = AuditLog.query.order_by(AuditLog.id).all()
    assert [(r.action, r.staff_id) for r in rows] == [("login_failed", staff.id), ("login_failed", None),
                                                       ("login", staff.id)]
    assert rows[1].detail["username"] == "ghost" and all(r.ip for r in rows)


def _limited_app(tmp_path, **overrides):
    return app_with_schema(tmp_path, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute", **overrides)


def test_the_ip_limit_counts_failures_only(tmp_path):
    with _limited_app(tmp_path) as app:
        client = app.test_client()
        staff = factories.make_staff("operator")
        for _ in range(5):  # the whole desk logging in right all morning
            assert _try(client, staff.username, factories.PASSWORD) == 302
        codes = [_try(client, f"ghost{n}", "wrong wrong wrong") for n in range(4)]
        assert codes == [401, 401, 401, 429]


def test_behind_a_trusted_proxy_each_client_ip_has_its_own_limit(tmp_path):
    with _limited_app(tmp_path, TRUSTED_PROXY_HOPS=1) as app:
        client = app.test_client()
        one = [_try(client, "ghost", "wrong wrong wrong", headers={"X-Forwarded-For": "10.0.0.1"}) for _ in range(4)]
        other = _try(client, "ghost", "wrong wrong wrong", headers={"X-Forwarded-For": "10.0.0.2"})
        assert one[-1] == 429 and other == 401


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(tmp_path):
    with _limited_app(tmp_path) as app:
        client = app.test_client()
        codes = [_try(client, "ghost", "wrong wrong wrong", headers={"X-Forwarded-For": f"10.0.0.{n}"})
                 for n in range(4)]
        assert codes[-1] == 429  # an attacker cannot rotate a header to escape the limit


@pytest.mark.parametrize("password", ["password123", "Password@123", "iloveyou2024", "qwertyuiop", "1234567890",
                                      "aaaaaaaaaaaa", "dragon dragon"])
def test_common_passwords_are_refused(app, password):
    assert policy.problem(password, "asha", "Dr. Asha") is not None
    with pytest.raises(passwords.StaffError, match="attackers try first"):
        passwords.create_staff("asha", "doctor", password, name="Dr. Asha")


@pytest.mark.parametrize("password", ["operator17-2026", "17operator!!", "Operat0r17xyz", "sunita kumari 1"])
def test_username_like_passwords_are_refused(password):
    assert "username" in policy.problem(password, "operator17", "Sunita Kumari")


def test_a_good_passphrase_is_accepted():
    assert policy.problem("gulmohar tiffin monsoon", "operator17", "Sunita Kumari") is None


def test_the_shipped_list_holds_ten_thousand_passwords():
    assert len(policy.common_passwords()) >= 9_900 and "password" in policy.common_passwords()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.text(max_size=70), st.text(max_size=200))
def test_the_policy_answers_anything_with_a_verdict(password, username, name):
    verdict = policy.problem(password, username, name)
    assert verdict is None or verdict.endswith(".")
    if verdict is None:
        assert policy.MIN_LENGTH <= len(password) <= policy.MAX_LENGTH


def test_a_password_reset_follows_the_policy(app):
    staff = factories.make_staff("operator")
    with pytest.raises(passwords.StaffError):
        passwords.set_password(staff, "password1234")


def test_an_admin_resets_a_password_from_the_command_line(app, client):
    staff = factories.make_staff("operator")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["staff", "password", staff.username], input="password12345\n")
    assert refused.exit_code != 0 and "attackers try first" in refused.output
    done = runner.invoke(args=["staff", "password", staff.username], input="tamarind kite lantern\n")
    assert done.exit_code == 0 and "changed" in done.output and "Password:" not in done.output
    assert _try(client, staff.username, "tamarind kite lantern") == 302
