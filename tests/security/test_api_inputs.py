"""API inputs from outside: ids past 64 bits, ids that are not numbers, huge minutes, negative limits, any body."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.cases import lifecycle
from crm.models.base import utcnow
from crm.platform.extensions import db
from tests import factories
from tests.conftest import app_with_schema

HUGE = 10**30


@pytest.fixture
def app(tmp_path):
    with app_with_schema(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False) as app:
        yield app


def _waiting_case():
    case = lifecycle.open_case("sms", "+919810000001", status="queued", queue="tier1", queued_at=utcnow())
    db.session.commit()
    return case


def _as(app, role):
    client = app.test_client()
    staff = factories.make_staff(role)
    assert client.post("/login", data={"username": staff.username, "password": factories.PASSWORD}).status_code == 302
    return client, staff


@pytest.mark.parametrize("method, path", [
    ("get", f"/api/v1/cases/{HUGE}"), ("post", f"/api/v1/cases/{HUGE}/claim"), ("get", f"/api/v1/patients/{2**63}"),
    ("post", f"/api/v1/cases/{HUGE}/notes"), ("post", f"/api/v1/appointments/{HUGE}/cancel"),
    ("get", f"/api/v1/cases/{HUGE}/screen-pop"), ("get", f"/workspace/cases/{HUGE}/report"),
])
def test_path_ids_past_64_bits_are_a_clear_404(app, method, path):
    client, _ = _as(app, "supervisor")
    response = getattr(client, method)(path, json={})
    assert response.status_code in (404, 405)  # no route takes such an id (405 where GET-only rules share the path)


@pytest.mark.parametrize("case_id", ["abc", HUGE, -5, 1.5, [], {}, True, "１２"])
def test_a_booking_for_a_case_id_that_is_not_an_id_is_a_clear_422(app, case_id):
    client, _ = _as(app, "doctor")
    response = client.post("/api/v1/appointments", json={"case_id": case_id, "slot_id": "1"})
    assert response.status_code == 422 and response.json["error"] == "bad_request" and "case_id" in response.json["message"]


@pytest.mark.parametrize("minutes", [99999999999999, -3, 0, "soon", 10**40])
def test_a_call_back_in_absurd_minutes_is_a_clear_422(app, minutes):
    client, staff = _as(app, "operator")
    case = lifecycle.claim(_waiting_case().id, staff)
    db.session.commit()
    response = client.post(f"/api/v1/cases/{case.id}/schedule-callback", json={"in_minutes": minutes})
    assert response.status_code == 422 and "in_minutes" in response.json["message"]


@pytest.mark.parametrize("limit, most", [("-1", 1), ("0", 1), ("100000", 500), (str(HUGE), 500), ("x", 100)])
def test_every_list_has_a_bounded_page(app, limit, most):
    for _ in range(3):
        _waiting_case()
    client, _ = _as(app, "supervisor")
    response = client.get(f"/api/v1/cases?limit={limit}")
    assert response.status_code == 200 and len(response.json["cases"]) <= min(most, 3)
    if limit == "-1":
        assert len(response.json["cases"]) == 1  # never "every case"


KEYS = ["case_id", "slot_id", "patient_id", "facility_id", "in_minutes", "due_at", "reason", "text", "body", "phone",
        "card_number", "qr", "disposition", "advice", "specialty", "urgency", "summary", "message", "presence", "note",
        "checklist", "answers", "where", "limit"]
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30), st.floats(allow_nan=True),
              st.text(max_size=40), st.sampled_from(["1", "-1", "99999999999999999999999", "P1", "urgent", ""])),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
BODIES = st.one_of(st.dictionaries(st.sampled_from(KEYS), JSON_VALUES, max_size=6), JSON_VALUES)


def _api_writes(app):
    """Every POST/PUT route of the JSON API, with its <int:...> placeholders."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and ({"POST", "PUT"} & rule.methods):
            yield rule.rule, min({"POST", "PUT"} & rule.methods)


def _fill(rule: str, case_id: int, draw_id) -> str:
    return re.sub(r"<(?:int:)?(\w+)>", lambda m: str(draw_id if m.group(1) != "case_id" else case_id), rule)


@pytest.mark.parametrize("role", ["operator", "doctor", "supervisor", "registrar"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_api_body_gives_a_server_error(app, role, data):
    if not hasattr(app, "_fuzz"):
        client, staff = _as(app, role)
        case = _waiting_case()
        if role == "operator":
            lifecycle.claim(case.id, staff)
            db.session.commit()
        app._fuzz = (client, case.id, sorted(_api_writes(app)))
    client, case_id, routes = app._fuzz
    rule, method = data.draw(st.sampled_from(routes))
    path = _fill(rule, case_id, data.draw(st.sampled_from([1, 2, 10**25, "123456789012"])))
    payload = data.draw(BODIES)
    response = client.open(path, method=method, json=payload)
    assert response.status_code < 500, (path, payload, response.data[:300])


QUERIES = st.dictionaries(st.sampled_from(["case_id", "limit", "phone", "status", "specialty", "patient_id", "q"]),
                          st.one_of(st.text(max_size=30), st.sampled_from([str(HUGE), "-1", "0", "１２", "1e9"])),
                          max_size=4)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_api_query_string_gives_a_server_error(app, data):
    if not hasattr(app, "_reader"):
        client, _ = _as(app, "supervisor")
        _waiting_case()
        gets = sorted(r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/") and "GET" in r.methods)
        app._reader = (client, gets)
    client, gets = app._reader
    path = _fill(data.draw(st.sampled_from(gets)), 1, data.draw(st.sampled_from([1, HUGE, "123456789012"])))
    response = client.get(path, query_string=data.draw(QUERIES))
    assert response.status_code < 500, (path, response.data[:300])
