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
