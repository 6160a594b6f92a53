"""OpenAPI paths of the staff member's own account: tokens and sessions."""

from crm.helpline.api.openapi import _errors, _json

TOKEN = {"type": "object", "properties": {
    "id": {"type": "integer"}, "label": {"type": "string"}, "state": {"enum": ["live", "expired", "revoked"]},
    "created_at": {"type": "string"}, "expires_at": {"type": "string"},
    "last_used_at": {"type": ["string", "null"]}, "revoked_at": {"type": ["string", "null"]}}}
TOKEN_PARAM = {"name": "token_id", "in": "path", "required": True, "schema": {"type": "integer"}}

PATHS = {
    "/api/v1/me/tokens": {"get": {
        "summary": "The caller's API tokens with state, expiry and last use (never the token itself)",
        "responses": {"200": _json({"type": "object", "properties": {"tokens": {"type": "array", "items": TOKEN}}}),
                      **_errors(401)}}},
    "/api/v1/me/tokens/{token_id}/revoke": {"post": {
        "summary": "Revoke one of the caller's tokens at once (404 for a token that is not the caller's)",
        "parameters": [TOKEN_PARAM], "responses": {"200": _json(TOKEN), **_errors(401, 404)}}},
    "/api/v1/me/logout-everywhere": {"post": {
        "summary": "End every session of the caller, on every device, this one included",
        "responses": {"200": _json({"type": "object", "properties": {
            "sessions_ended": {"type": "integer"}, "message": {"type": "string"}}}), **_errors(401)}}},
}
