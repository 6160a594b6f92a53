"""Signing in by SMS code: the code works once, for 5 minutes, 5 tries; limits per number and address;
the same answer whether or not the number is on the registry; every attempt audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from crm.citizens.portal import signin
from crm.models import AuditLog, Message, MessageSecret, PortalCode
from crm.models.base import utcnow
from crm.platform.extensions import db
from tests.portal.conftest import last_code, sign_in, texts_to


def test_a_registered_mobile_gets_a_code_by_sms_and_signs_in(app, client, family):
    response = client.post("/portal/sign-in", data={"mobile": "98100 11111"})
    assert response.status_code == 302 and response.location.endswith("/portal/code")
    [sms] = texts_to("+919810011111", "portal_code")
    assert "सम्पर्क" in sms  # Hindi is the default language
    code = last_code("+919810011111")
    row = db.session.scalar(select(PortalCode))
    assert code not in row.code_hash and len(row.code_hash) == 64  # only an HMAC is kept
    response = client.post("/portal/code", data={"code": code})
    assert response.status_code == 302
    page = client.get("/portal/").get_data(as_text=True)
    assert "Sunita Devi" in page or "सुनीता देवी" in page


def test_the_code_works_only_once(app, client, family):
    sign_in(client, "+919810011111")
    code = last_code("+919810011111")
    other = app.test_client()
    other.post("/portal/sign-in", data={"mobile": "+919810011111"})  # a new code: the old one is void anyway
    assert other.post("/portal/code", data={"code": code}).status_code == 200  # refused, form again


def test_no_enumeration_the_answer_is_the_same_for_an_unknown_number(app, client, family):
    known = app.test_client().post("/portal/sign-in", data={"mobile": "9810011111"})
    unknown = app.test_client().post("/portal/sign-in", data={"mobile": "9999911111"})
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    c1, c2 = app.test_client(), app.test_client()
    for c, mobile in ((c1, "9810011111"), (c2, "9999911111")):
        c.post("/portal/sign-in", data={"mobile": mobile})
    page_known = c1.get("/portal/code").get_data(as_text=True).replace("+91 9810011111", "N")
    page_unknown = c2.get("/portal/code").get_data(as_text=True).replace("+91 9999911111", "N")
    strip = lambda page: page.split('name="csrf_token"')[0]
    assert strip(page_known) == strip(page_unknown)
    assert texts_to("+919999911111") == []  # nothing is texted to a number not on the registry
    wrong_known = c1.post("/portal/code", data={"code": "000000"})
    wrong_unknown = c2.post("/portal/code", data={"code": "000000"})
    assert wrong_known.status_code == wrong_unknown.status_code == 200
    assert "wrong or has expired" in wrong_unknown.get_data(as_text=True) or "गलत" in wrong_unknown.get_data(as_text=True)


def test_five_wrong_tries_void_the_code(app, client, family):
    client.post("/portal/sign-in", data={"mobile": "+919810011111"})
    code = last_code("+919810011111")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(signin.MAX_TRIES):
        assert client.post("/portal/code", data={"code": wrong}).status_code == 200
    assert client.post("/portal/code", data={"code": code}).status_code == 200  # the right code, too late
    assert client.get("/portal/").status_code == 302  # still not signed in


def test_the_code_expires_after_five_minutes(app, family):
    mobile = signin.request_code("9810011111", "10.0.0.1", "en")
    db.session.commit()
    code = last_code(mobile)
    later = utcnow() + timedelta(minutes=signin.CODE_MINUTES, seconds=1)
    assert signin.check_code(mobile, code, "10.0.0.1", now=later) is False
    assert signin.check_code(mobile, code, "10.0.0.1") is True


def test_sends_are_limited_per_number_and_per_address(app, family):
    from crm.platform.errors import Refused

    for _ in range(signin.SENDS_PER_NUMBER_PER_HOUR):
        signin.request_code("9810011111", "10.0.0.1", "hi")
    with pytest.raises(Refused) as refused:
        signin.request_code("9810011111", "10.0.0.2", "hi")
    assert refused.value.status == 429
    db.session.rollback()
    for n in range(signin.SENDS_PER_ADDRESS_PER_HOUR):
        signin.request_code(f"98200{n:05d}", "10.9.9.9", "hi")
    with pytest.raises(Refused):
        signin.request_code("9830000000", "10.9.9.9", "hi")


def test_the_limit_answers_the_same_for_unknown_numbers(app, client, family):
    for mobile in ("9810011111", "9999911111"):
        statuses = [app.test_client().post("/portal/sign-in", data={"mobile": mobile}).status_code
                    for _ in range(signin.SENDS_PER_NUMBER_PER_HOUR + 1)]
        assert statuses == [302] * signin.SENDS_PER_NUMBER_PER_HOUR + [429]


def test_every_attempt_is_audited(app, client, family):
    client.post("/portal/sign-in", data={"mobile": "9810011111"})
    client.post("/portal/code", data={"code": "000000"})
    client.post("/portal/code", data={"code": last_code("+919810011111")})
    actions = list(db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("portal_%")).order_by(AuditLog.id)))
    assert actions[:3] == ["portal_code_requested", "portal_sign_in_failed", "portal_sign_in"]
    rows = db.session.scalars(select(AuditLog).where(AuditLog.action.like("portal_%"))).all()
    assert all(r.via == "portal" and "9810011111" not in str(r.detail) for r in rows)  # masked


def test_the_code_never_enters_the_message_store_and_leaves_its_own_with_the_send(app, family, monkeypatch):
    from crm.platform import outbox

    handed = []
    # Whichever provider carries SMS: what the installed carrier is handed.
    monkeypatch.setattr(outbox.carrier(), "send", lambda message, text=None: handed.append(text) or "SM" + "1" * 32)
    mobile = signin.request_code("9810011111", None, "en")
    db.session.commit()
    code = last_code(mobile)
    [stored] = texts_to(mobile, "portal_code")
    assert code not in stored and "your sign-in code is ******" in stored
    message = db.session.scalar(select(Message).where(Message.kind == "portal_code"))
    outbox.send(message.id)
    assert handed == [stored.replace("******", code)]  # the resident's phone gets the code
    assert db.session.scalar(select(func.count()).select_from(MessageSecret)) == 0  # and no copy of it stays


def test_a_code_whose_time_ran_out_before_sending_is_not_sent(app, family, monkeypatch):
    from crm.platform import outbox

    handed = []
    monkeypatch.setattr("telephony.gateway.send_message", lambda message, text=None: handed.append(text) or "SM" + "2" * 32)
    signin.request_code("9810011111", None, "en")
    db.session.commit()
    db.session.scalar(select(MessageSecret)).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    message = db.session.scalar(select(Message).where(Message.kind == "portal_code"))
    outbox.send(message.id)
    assert handed == [] and db.session.get(Message, message.id).status == "failed"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(guesses=st.lists(st.integers(0, 999_999).map(lambda n: f"{n:06d}"), min_size=0, max_size=12))
def test_property_at_most_five_tries_count_and_only_the_right_code_signs_in(app, family, guesses):
    db.session.query(PortalCode).delete()
    mobile = signin.request_code("9810011111", None, "hi", now=utcnow())
    code = last_code(mobile)
    results = [signin.check_code(mobile, g, None) for g in guesses]
    for i, (guess, ok) in enumerate(zip(guesses, results)):
        earlier_wrong = sum(1 for g in guesses[:i] if g != code)
        used = any(results[:i])
        assert ok == (guess == code and earlier_wrong < signin.MAX_TRIES and not used)
    row = db.session.scalar(select(PortalCode).order_by(PortalCode.id.desc()))
    assert row.attempts <= signin.MAX_TRIES
    db.session.rollback()
    assert db.session.scalar(select(func.count(PortalCode.id))) >= 0


def test_the_address_limit_of_the_forms_answers_on_a_portal_page(tmp_path):
    from tests.conftest import app_with_schema

    with app_with_schema(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False, RATELIMIT_ENABLED=True) as limited:
        client = limited.test_client()
        statuses = [client.post("/portal/code", data={"code": "1"}).status_code for _ in range(31)]
        assert statuses[-1] == 429
        page = client.post("/portal/code", data={"code": "1"}).get_data(as_text=True)
        assert "p-main" in page and 'lang="hi"' in page
