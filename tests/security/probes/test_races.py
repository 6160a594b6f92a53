"""Guesses and texts sent all at once, on PostgreSQL: limits hold, one number's rows stay one, nothing answers 500.

Each attack runs as the security review ran it: many requests lined up on a barrier, each thread its own
test client, app context and database connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from crm.citizens.portal import signin
from crm.citizens.portal.views import PENDING
from crm.models import AuditLog, Case, Message, OptOut, PortalCode, StaffUser
from crm.platform import jobs
from crm.platform.extensions import db
from crm.staff.auth import lockout
from tests import factories
from tests.portal.conftest import last_code
from tests.telephony import twilio_sign
from tests.telephony.conftest import call_params, sid

pytestmark = pytest.mark.pg
MOBILE = "+919810011111"
CALLER = "+919810000099"


def at_once(count: int, send: Callable[[int], int]) -> list[int]:
    """Run send(0..count-1) in `count` threads released together; the status codes they got, in order."""
    start, codes = threading.Barrier(count), [0] * count

    def one(n: int) -> None:
        start.wait()
        codes[n] = send(n)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return codes


def audited(action: str, **detail) -> int:
    """How many audit rows of `action` carry these detail values."""
    db.session.expire_all()
    rows = db.session.scalars(select(AuditLog.detail).where(AuditLog.action == action))
    return sum(1 for row in rows if all(row.get(key) == value for key, value in detail.items()))


@pytest.fixture
def app(pg_app):
    """pg_app answering a failure with a 500 as in production (not raising it into the thread); SMS stored, not sent."""
    pg_app.config.update(PROPAGATE_EXCEPTIONS=False, JOBS_HOLD=True, JOBS_EAGER=False)
    jobs.init_app(pg_app)  # the runner is chosen when the app is built: choose again, holding
    return pg_app


# Item 4: the portal's five tries per code.

def test_fifty_wrong_codes_at_once_from_twenty_five_addresses_are_at_most_five_tries(app):
    factories.make_patient(factories.make_household(), mobile=MOBILE, relation="self")
    db.session.commit()
    assert app.test_client().post("/portal/sign-in", data={"mobile": MOBILE}).status_code == 302
    code = last_code(MOBILE)  # as the phone reads it: the stored message has it masked
    wrong = [f"{n:06d}" for n in range(100) if f"{n:06d}" != code]

    def guess(wave: int) -> Callable[[int], int]:
        def send(n: int) -> int:
            attacker = app.test_client()
            with attacker.session_transaction() as cookie:
                cookie[PENDING] = MOBILE
            return attacker.post("/portal/code", data={"code": wrong[wave * 25 + n]},
                                 environ_base={"REMOTE_ADDR": f"10.0.{wave}.{n + 1}"}).status_code
        return send

    counters = []
    for wave in range(2):
        assert at_once(25, guess(wave)) == [200] * 25  # all refused, none a 500
        db.session.expire_all()
        counters.append(db.session.scalar(select(PortalCode.attempts)))
    assert audited("portal_sign_in_failed", reason="wrong") <= signin.MAX_TRIES
    assert counters == [signin.MAX_TRIES, signin.MAX_TRIES]  # counted every try it compared, and never less
    owner = app.test_client()
    with owner.session_transaction() as cookie:
        cookie[PENDING] = MOBILE
    assert owner.post("/portal/code", data={"code": code}).status_code == 200  # the code is spent: no sign-in


def test_codes_asked_for_one_number_at_once_stay_within_the_hourly_limit(app):
    factories.make_patient(factories.make_household(), mobile=MOBILE, relation="self")
    db.session.commit()
    codes = at_once(10, lambda n: app.test_client().post(
        "/portal/sign-in", data={"mobile": MOBILE}, environ_base={"REMOTE_ADDR": f"10.1.0.{n + 1}"}).status_code)
    assert sorted(codes) == [302] * signin.SENDS_PER_NUMBER_PER_HOUR + [429] * (10 - signin.SENDS_PER_NUMBER_PER_HOUR)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Message.id)).where(Message.kind == signin.SMS_KIND)) == \
        signin.SENDS_PER_NUMBER_PER_HOUR


# Item 17: the staff lockout.

def test_twenty_wrong_passwords_at_once_from_twenty_addresses_meet_the_lock(app):
    victim = factories.make_staff("doctor")
    username, victim_id = victim.username, victim.id
    db.session.commit()
    codes = at_once(20, lambda n: app.test_client().post(
        "/login", data={"username": username, "password": f"guess number {n}"},
        environ_base={"REMOTE_ADDR": f"10.2.0.{n + 1}"}).status_code)
    assert sorted(codes) == [401] * lockout.LOCK_AFTER + [423] * (20 - lockout.LOCK_AFTER)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(AuditLog.id)).where(
        AuditLog.action == "login_failed", AuditLog.staff_id == victim_id)) == lockout.LOCK_AFTER
    assert db.session.get(StaffUser, victim_id).failed_logins == lockout.LOCK_AFTER
    right = app.test_client().post("/login", data={"username": username, "password": factories.PASSWORD})
    assert right.status_code == 423  # locked: not even the right password gets through now


# Item 16: STOP texts and missed calls from one number.

def _text(app, body: str, **extra) -> Callable[[int], int]:
    def send(n: int) -> int:
        params = {"MessageSid": sid("SM"), "AccountSid": "AC" + "0" * 32, "From": CALLER, "To": "+911800112233",
                  "Body": body, "NumMedia": "0"} | extra
        return twilio_sign.post(app.test_client(), "/telephony/sms", params).status_code
    return send


def test_eight_stop_texts_at_once_are_one_opt_out(app):
    assert at_once(8, _text(app, "STOP", OptOutType="STOP")) == [200] * 8
    db.session.expire_all()
    assert db.session.scalar(select(func.count(OptOut.id)).where(OptOut.phone == CALLER)) == 1
    assert db.session.scalar(select(func.count(Message.id)).where(Message.direction == "inbound")) == 8


def test_eight_missed_calls_at_once_are_one_call_back_and_one_sms(app):
    missed = app.config["MISSED_CALL_NUMBER"]

    def ring(n: int) -> int:
        return twilio_sign.post(app.test_client(), "/telephony/voice",
                                call_params(sid("CA"), CALLER, To=missed, Called=missed)).status_code

    assert at_once(8, ring) == [200] * 8
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Case.id)).where(Case.caller_phone == CALLER)) == 1
    assert db.session.scalar(select(func.count(Message.id)).where(Message.kind == "missed_call")) == 1


def test_eight_different_texts_at_once_from_a_new_number_are_one_case(app):
    # Half take the one-statement path, half (a clinic question with a story) the ORM path: both take turns.
    bodies = ["bukhar hai", "mere bete ko teen din se bukhar hai, paas me clinic kahan hai 110092"] * 4

    assert at_once(8, lambda n: _text(app, bodies[n])(n)) == [200] * 8
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Case.id)).where(Case.caller_phone == CALLER)) == 1
    assert db.session.scalar(select(func.count(Message.id)).where(Message.kind == "ack")) == 1
    assert db.session.scalar(select(func.count(Message.id)).where(Message.direction == "inbound")) == 8
