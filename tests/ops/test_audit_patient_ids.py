"""migrations/versions/0033_audit_patient_ids.py: the residents of a read of several, kept so far in an audit row's
detail, become the row's patient_ids, so each of them finds the read; a row's detail is not rewritten; both ways."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from crm.platform.extensions import db
from tests.ops.test_partitions import NO_DATABASE, database  # noqa: F401  (a database of its own)

pytestmark = pytest.mark.pg
BEFORE = "message_partitions"  # the revision before this one (0032)


def test_the_residents_in_older_rows_detail_become_searchable_and_the_detail_stays(database):  # noqa: F811
    upgrade(revision=BEFORE)
    db.session.remove()
    at = datetime(2026, 11, 20, 10, tzinfo=UTC)
    for action, detail in (("list_cases", '{"cases": [7, 8], "patients": [12, 5, 12], "count": 2}'),
                           ("field_worklist", '{"wards": ["Seelampur"], "count": 0, "patients": []}'),
                           ("view_case", '{}'), ("enrollment_candidates", '{"patients": "not a list"}')):
        db.session.execute(text("INSERT INTO audit_log (at, action, detail) VALUES (:at, :action, CAST(:detail AS json))"),
                           {"at": at, "action": action, "detail": detail})
    db.session.commit()
    db.session.remove()

    upgrade()
    rows = dict(db.session.execute(text("SELECT action, patient_ids FROM audit_log")).all())
    assert rows == {"list_cases": [5, 12], "field_worklist": [], "view_case": None, "enrollment_candidates": None}
    assert db.session.scalar(text("SELECT detail::text FROM audit_log WHERE action = 'list_cases'")) == (
        '{"cases": [7, 8], "patients": [12, 5, 12], "count": 2}')
    found = db.session.execute(text("SELECT action FROM audit_log WHERE patient_ids && ARRAY[5]")).scalars().all()
    assert found == ["list_cases"]
    indexed = db.session.scalars(text("SELECT indexdef FROM pg_indexes WHERE indexname LIKE 'audit_log%patient_ids%'"
                                      " OR indexname = 'ix_audit_log_patient_ids'")).all()
    assert indexed and all("gin (patient_ids)" in d for d in indexed)  # the parent's and every month's partition
    db.session.remove()

    downgrade(revision=BEFORE)
    assert db.session.scalar(text("SELECT count(*) FROM information_schema.columns WHERE table_name = 'audit_log' "
                                  "AND column_name = 'patient_ids'")) == 0
    assert db.session.scalar(text("SELECT count(*) FROM audit_log")) == 4
    db.session.remove()
