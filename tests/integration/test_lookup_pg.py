"""The card lookup on PostgreSQL, where a QR's read and its audit row share one statement: the same answers
and the same audit trail as everywhere else (the tests of tests/test_lookup.py, run on PostgreSQL)."""

import pytest

from crm.models import AuditLog
from crm.platform.extensions import db
from crm.residents.cards import operations as cards
from tests.test_lookup import (  # noqa: F401  (fixtures and tests, collected again here)
    sunita,
    test_every_view_is_audited_with_who_how_and_case,
    test_lookup_by_qr_shows_patient_household_and_clinical,
    test_lookup_errors_are_clear,
    test_lookup_for_an_unknown_case_is_refused,
    test_revoked_card_is_refused_naming_the_reason,
    test_superseded_card_finds_the_patient_and_names_the_current_card,
    test_tampered_qr_is_caught,
)

pytestmark = pytest.mark.pg


@pytest.fixture
def app(pg_app):
    """The lookup tests' app, on PostgreSQL with the real migrations."""
    return pg_app


def test_a_revoked_card_scanned_is_refused_and_audited_once_as_refused(client, login, sunita):  # noqa: F811
    operator = login("operator")
    cards.revoke(sunita.number, "reported stolen")
    db.session.commit()
    response = client.post("/api/v1/lookup", json={"qr": sunita.qr_token})
    assert (response.status_code, response.json["error"]) == (409, "card_revoked")
    rows = [(a.action, a.via, a.patient_id, a.card_number, a.staff_id) for a in AuditLog.query.filter(
        AuditLog.action.in_(["view_patient", "card_refused"])).order_by(AuditLog.id)]
    assert rows == [("card_refused", "qr", sunita.patient_id, sunita.number, operator.id)]


def test_a_scan_is_audited_with_the_card_it_read(client, login, sunita):  # noqa: F811
    operator = login("operator")
    assert client.post("/api/v1/lookup", json={"qr": sunita.qr_token}).status_code == 200
    row = AuditLog.query.filter_by(action="view_patient").one()
    assert (row.via, row.patient_id, row.card_number, row.staff_id, row.ip) == (
        "qr", sunita.patient_id, sunita.number, operator.id, "127.0.0.1")
    assert row.detail == {} and row.at is not None
