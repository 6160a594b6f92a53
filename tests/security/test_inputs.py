"""The one input check every request passes (crm.platform.security.inputs): control characters and JSON depth."""

from __future__ import annotations

import json

import pytest

from crm.platform.security.inputs import MAX_JSON_DEPTH, json_depth
from tests import factories


@pytest.mark.parametrize("raw, depth", [
    (b"", 0), (b"12", 0), (b"{}", 1), (b'{"a": [1, {"b": []}]}', 4),
    (b'{"a": "[[[[{{{{"}', 1),  # brackets inside strings do not nest
    (b'[["\\"]]]]"]]', 2),  # nor after an escaped quote
    (b'["\\\\", [["x"]]]', 3),  # an escaped backslash ends before the quote
])
def test_the_depth_is_measured_without_parsing(raw, depth):
    assert json_depth(raw) == depth


def test_a_five_megabyte_bundle_with_brackets_in_its_strings_is_measured_as_parsed():
    # Speed is for bench/, not for a timed test (one failed here under CI's load): this holds the measure right on
    # a Bundle of a hospital's size, whose text holds brackets and escaped quotes that must not count.
    entry = {"resource": {"resourceType": "Observation", "note": [{"text": 'BP "[120/80]" {sitting}\\'}],
                          "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
                          "component": [{"valueQuantity": {"value": 120, "unit": "mm[Hg]"}}] * 3}}
    raw = json.dumps({"resourceType": "Bundle", "entry": [entry] * 18_000}).encode()
    assert len(raw) > 5_000_000
    assert json_depth(raw) == 7 == _depth(json.loads(raw))


def _depth(value) -> int:
    """Nesting depth of a parsed JSON value, as json_depth counts it (a scalar is 0)."""
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    return 0


def test_json_at_the_limit_reaches_the_view_and_one_deeper_is_refused(app):
    client, _ = factories.logged_in(app, "operator")
    at_limit = "[" * (MAX_JSON_DEPTH - 1) + "{}" + "]" * (MAX_JSON_DEPTH - 1)
    answered = client.post("/api/v1/lookup", data=at_limit, content_type="application/json")
    assert answered.status_code != 400 or b"nested" not in answered.data
    refused = client.post("/api/v1/lookup", data="[" + at_limit + "]", content_type="application/json")
    assert refused.status_code == 400 and refused.get_json()["error"] == "bad_request"


def test_tab_newline_and_carriage_return_are_text(app):
    client, _ = factories.logged_in(app, "operator")
    response = client.post("/api/v1/lookup", json={"phone": "98100\t00001\r\n"})
    assert b"control character" not in response.data


def test_a_json_string_escape_for_a_control_character_is_refused(app):
    client, _ = factories.logged_in(app, "operator")
    response = client.post("/api/v1/lookup", data='{"phone": "9810000001\\u001b"}', content_type="application/json")
    assert response.status_code == 400 and b"control character" in response.data
