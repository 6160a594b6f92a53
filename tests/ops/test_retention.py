"""Sessions and sign-in codes are deleted after their period by the sweep, and nothing live is touched."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, text

from crm.models import PortalCode, StaffSession
from crm.models.base import utcnow
from crm.platform import retention, sweeps
from crm.platform.extensions import db
from tests import factories
from tests.conftest import make_app


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _code(created, expires, used=None):
    db.session.add(PortalCode(mobile="+919800011122", code_hash="x" * 64, registered=True, ip="10.0.0.1",
                              created_at=created, expires_at=expires, used_at=used))


def test_the_sweep_deletes_what_is_past_its_period_and_keeps_the_rest(app):
    now = utcnow()
    with app.app_context():
        staff = factories.make_staff("operator")
        _code(now - timedelta(days=3), now - timedelta(days=3) + timedelta(minutes=10), used=now - timedelta(days=3))
        _code(now - timedelta(minutes=2), now + timedelta(minutes=8))  # a code the citizen is typing now
        db.session.add_all([
            StaffSession(staff_id=staff.id, key_hash="a" * 64, created_at=now - timedelta(days=400),
                         last_seen_at=now - timedelta(days=400), ended_at=now - timedelta(days=366), end_reason="logout"),
            StaffSession(staff_id=staff.id, key_hash="b" * 64, created_at=now - timedelta(days=370),
                         last_seen_at=now - timedelta(days=365, minutes=1)),  # never logged out: idle, long ago
            StaffSession(staff_id=staff.id, key_hash="c" * 64, created_at=now - timedelta(hours=1),
                         last_seen_at=now),  # a desk at work
            StaffSession(staff_id=staff.id, key_hash="d" * 64, created_at=now - timedelta(days=365),
                         last_seen_at=now - timedelta(days=365), ended_at=now - timedelta(days=364, hours=23)),
        ])
        db.session.commit()
        done = sweeps.run_once(now)
        db.session.commit()
        assert done["purged_portal_codes"] == 1 and done["purged_staff_sessions"] == 2
        assert _count(PortalCode) == 1 and _count(StaffSession) == 2
        assert sorted(db.session.scalars(select(StaffSession.key_hash))) == ["c" * 64, "d" * 64]
        assert sweeps.run_once(now)["purged_staff_sessions"] == 0  # idempotent


def test_a_period_is_a_setting(tmp_path):
    app = make_app(tmp_path, RETENTION_STAFF_SESSIONS_DAYS=10)
    now = utcnow()
    with app.app_context():
        staff = factories.make_staff("operator")
        db.session.add(StaffSession(staff_id=staff.id, key_hash="e" * 64, created_at=now - timedelta(days=20),
                                    last_seen_at=now - timedelta(days=20), ended_at=now - timedelta(days=20)))
        db.session.commit()
        assert retention.purge(now)["purged_staff_sessions"] == 1


def test_every_rule_says_why_and_every_kind_is_covered(app):
    names = [rule.name for rule in retention.rules(app)]
    assert names == ["portal_codes", "message_secrets", "citizen_sessions", "staff_sessions", "message_bodies",
                     "closed_cases"]
    assert all(len(rule.why) > 30 and rule.days >= rule.least >= 1 for rule in retention.rules(app))
    # Logs of processing (who signed in, from where) are kept at least a year: DPDP Rules 2025, r. 8(3).
    assert all(rule.days >= 365 for rule in retention.rules(app) if rule.name.endswith("sessions"))


def test_a_rule_that_fails_is_undone_alone_and_the_pass_goes_on(app, caplog):
    def broken(cutoff, now, batch):
        db.session.execute(text("UPDATE no_such_table SET x = 1"))
        return 1

    retention.register(app, retention.Rule("broken", 1, "test data", "none", "after it ends", "deleted",
                                           "a rule that fails, to see the others go on", "purged", broken))
    now = utcnow()
    _code(now - timedelta(days=3), now - timedelta(days=3) + timedelta(minutes=10))
    db.session.commit()
    done = sweeps.run_once(now)
    db.session.commit()
    assert done["purged_broken"] == 0 and done["purged_portal_codes"] == 1
    assert _count(PortalCode) == 0
    assert "retention rule broken failed" in caplog.text
