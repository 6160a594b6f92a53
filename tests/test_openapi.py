"""The OpenAPI document describes every /api/v1 route and is valid."""

import re

from openapi_spec_validator import validate


def test_document_is_valid_openapi(client):
    validate(client.get("/api/v1/openapi.json").json)


def test_every_api_route_is_documented(app, client):
    documented = {(path, method.upper()) for path, ops in client.get("/api/v1/openapi.json").json["paths"].items()
                  for method in ops}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routes |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - documented == set()
    assert documented - routes == set()


def _enums(document, name: str) -> list[list]:
    """Every enum the document gives a property called `name`."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == name and isinstance(value, dict) and "enum" in value:
                    found.append(value["enum"])
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return found


def test_the_roles_in_the_document_are_the_roles_table(client, login):
    from crm.staff.auth.capabilities import ROLES, roles_for

    document = client.get("/api/v1/openapi.json").json
    assert all(set(enum) <= set(ROLES) for enum in _enums(document, "role"))
    staff = document["paths"]["/api/v1/admin/staff"]
    assert staff["get"]["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["staff"][
        "items"]["properties"]["role"]["enum"] == list(ROLES)
    offered = staff["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]["role"]["enum"]
    assert set(offered) | roles_for("grant_hospital_access") == set(ROLES)
    # What the document offers an administrator is what the API lets an administrator give, role by role.
    login("admin")
    for n, role in enumerate(ROLES):
        made = client.post("/api/v1/admin/staff", json={"username": f"role{n}", "role": role, "name": role})
        assert (made.status_code == 201) == (role in offered), (role, made.status_code)


def test_the_priorities_in_the_document_are_triages_scale(client):
    from crm.models.case import PRIORITIES

    document = client.get("/api/v1/openapi.json").json
    enums = _enums(document, "priority") + _enums(document, "rules_priority")
    assert enums and all(enum == list(PRIORITIES[:len(enum)]) for enum in enums), enums
    assert document["components"]["schemas"]["Case"]["properties"]["priority"]["enum"] == list(PRIORITIES)
