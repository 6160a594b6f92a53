"""Ids from outside on PostgreSQL, whose id columns are INTEGER: one past 2**31 - 1 is a clear refusal, never a 500."""

from __future__ import annotations

import pytest

from tests import factories
from tests.telephony import twilio_sign
from tests.telephony.conftest import call_params, sid

pytestmark = pytest.mark.pg
PAST_INTEGER = 2**31  # SQLAlchemy casts a bound id to INTEGER on PostgreSQL: this one raised "out of range"


def _logged_in(app, role):
    client = app.test_client()
    staff = factories.make_staff(role)
    assert client.post("/login", data={"username": staff.username, "password": factories.PASSWORD}).status_code == 302
    return client


@pytest.mark.parametrize("case_id", [PAST_INTEGER - 1, PAST_INTEGER, 2**62])
def test_a_case_id_at_or_past_the_columns_range_is_a_clear_404(pg_app, case_id):
    client = _logged_in(pg_app, "supervisor")
    for response in (client.get(f"/api/v1/cases/{case_id}"), client.get(f"/api/v1/cases/{case_id}/screen-pop"),
                     client.post(f"/api/v1/cases/{case_id}/claim", json={})):
        assert response.status_code == 404


@pytest.mark.parametrize("case_id", [PAST_INTEGER, 2**62])
def test_a_lookup_naming_a_case_past_the_range_is_a_clear_refusal(pg_app, case_id):
    client = _logged_in(pg_app, "operator")
    response = client.post("/api/v1/lookup", json={"card_number": "1234 5678 9012", "case_id": case_id})
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("case_id", [PAST_INTEGER, 2**62])
def test_a_webhook_naming_a_case_past_the_range_is_a_clear_400(pg_app, case_id):
    response = twilio_sign.post(pg_app.test_client(), f"/telephony/voice/menu?case={case_id}",
                                call_params(sid("CA"), Digits="1", CallStatus="in-progress"))
    assert response.status_code == 400 and b"case" in response.data
