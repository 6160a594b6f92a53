"""The live boards' answers are what the OpenAPI document says: every field they send is described there and every
value fits its schema (the floor's new fields included: doctors' presence, per-language waits, KPI definitions, the
contact offered, the desk's legs). A field added to a board without its description fails here."""

from datetime import timedelta

from jsonschema import Draft202012Validator

from crm.cases import lifecycle
from crm.models.base import utcnow
from crm.platform.extensions import db
from tests import factories


def _resolve(schema: dict, document: dict) -> dict:
    while "$ref" in schema:
        node = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _properties(schema: dict, document: dict) -> dict | None:
    """The properties an object schema describes (allOf merged; None when it describes none: free-form)."""
    schema = _resolve(schema, document)
    found = dict(schema.get("properties") or {})
    for part in schema.get("allOf", []):
        found |= _properties(part, document) or {}
    for part in schema.get("oneOf", []) + schema.get("anyOf", []):
        found |= _properties(part, document) or {}
    return found or None


def undocumented(value, schema: dict, document: dict, where: str = "") -> list[str]:
    """Paths of the fields in `value` that `schema` does not describe."""
    schema = _resolve(schema, document)
    if isinstance(value, list):
        items = schema.get("items")
        return [p for i, v in enumerate(value) for p in undocumented(v, items, document, f"{where}[{i}]")] if items else []
    if not isinstance(value, dict):
        return []
    described = _properties(schema, document)
    if described is None:
        return []
    missing = [f"{where}.{key}" for key in value if key not in described]
    return missing + [p for key, v in value.items() if key in described
                      for p in undocumented(v, described[key], document, f"{where}.{key}")]


def _check(client, path: str) -> dict:
    document = client.get("/api/v1/openapi.json").get_json()
    answer = client.get(path)
    assert answer.status_code == 200, answer.data
    data = answer.get_json()
    schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in
              Draft202012Validator({**schema, "components": document["components"]}).iter_errors(data)]
    assert errors == []
    assert undocumented(data, schema, document) == []
    return data


def _a_shift(app):
    """An operator on a call-less desk, a doctor on duty and logged in, an emergency waiting past its threshold, a
    Punjabi caller waiting in tier 1."""
    operator_client, operator = factories.logged_in(app, "operator")
    operator.presence, operator.languages = "available", ["hi", "pa"]
    doctor_client, doctor = factories.logged_in(app, "doctor")
    doctor.on_duty, doctor.sound_on = True, True
    lifecycle.open_case("voice", "+919810000001", status="queued", queue="emergency", priority="P1",
                        queued_at=utcnow() - timedelta(minutes=5), alarm_level=1)
    lifecycle.open_case("voice", "+919810000002", status="queued", queue="tier1", priority="P3", language="pa",
                        queued_at=utcnow() - timedelta(seconds=90))
    db.session.commit()
    return operator_client, doctor_client


def test_the_supervisor_board_and_wallboard_send_only_described_fields(app, client, login):
    _a_shift(app)
    login("supervisor")
    board = _check(client, "/api/v1/supervisor/board")
    assert board["doctors"]["on_duty"] == 1 and len(board["unaccepted_emergencies"]) == 1
    assert {row["language"] for row in board["languages"]} == {"hi", "en", "pa", "ur"}
    assert board["definitions"]["service_level"].startswith("Answered within")
    wall = _check(client, "/api/v1/supervisor/wallboard")
    assert wall["unaccepted_emergencies"] == 1 and wall["definitions"] == board["definitions"]


def test_the_operator_and_doctor_boards_send_only_described_fields(app):
    operator_client, doctor_client = _a_shift(app)
    tier1 = _check(operator_client, "/api/v1/queues/tier1")
    assert tier1["offer"] is not None and tier1["me"]["legs"] == []  # the Punjabi caller is rung to the speaker
    tier2 = _check(doctor_client, "/api/v1/queues/tier2")
    assert tier2["waiting"][0]["reason"] is not None and tier2["me"]["on_duty"] is True
