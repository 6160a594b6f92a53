"""OpenAPI paths of the field verification API (/api/v1/field/...)."""

from crm.helpline.api.openapi import _body, _errors, _json

MARK = {"type": "object", "required": ["client_id", "outcome"], "properties": {
    "client_id": {"type": "string", "description": "made on the phone (a UUID); a resend with it changes nothing"},
    "outcome": {"enum": ["verified", "delivered", "not_found", "moved"]},
    "card_number": {"type": "string", "description": "12 digits, Verhoeff check digit; or give qr"},
    "qr": {"type": "string", "description": "the card's QR text (SMP1:...), checked against the signing keys"},
    "note": {"type": "string", "maxLength": 500},
    "latitude": {"type": "number"}, "longitude": {"type": "number"}, "accuracy": {"type": "number"},
    "recorded_at": {"type": "string", "format": "date-time", "description": "the phone's clock"},
    "photo": {"type": "string", "description": "data:image/jpeg;base64,... at most 400 kB"}}}
ANSWER = {"type": "object", "properties": {
    "client_id": {"type": "string"}, "mark_id": {"type": "integer"}, "created": {"type": "boolean"},
    "outcome": {"type": "string"}, "result": {"enum": ["applied", "recorded", "conflict"]},
    "conflict": {"type": ["string", "null"]}, "card_number": {"type": "string"},
    "card_status": {"type": ["string", "null"]}, "recorded_at": {"type": "string"}, "received_at": {"type": "string"}}}
PATHS = {
    "/api/v1/field/worklist": {"get": {
        "summary": "The field verifier's cards to verify or deliver, by ward and household (audited)",
        "responses": {"200": _json({"type": "object"}), **_errors(401, 403)}}},
    "/api/v1/field/marks": {"post": {
        "summary": "Record one door-to-door mark; idempotent on client_id (201 new, 200 seen before)",
        "requestBody": _body(MARK),
        "responses": {"201": _json(ANSWER), "200": _json(ANSWER, "Seen before: the first answer again"),
                      **_errors(401, 403, 409, 422)}}},
    "/api/v1/field/progress": {"get": {
        "summary": "Per ward: cards, awaiting, verified, delivered, not found, moved, conflicts (card office)",
        "responses": {"200": _json({"type": "object"}), **_errors(401, 403)}}},
    "/api/v1/field/assignments/{ward}": {"put": {
        "summary": "Give a ward to a field verifier (verifier_id null takes it back)",
        "parameters": [{"name": "ward", "in": "path", "required": True, "schema": {"type": "string"}}],
        "requestBody": _body({"type": "object", "properties": {"verifier_id": {"type": ["integer", "null"]}}}),
        "responses": {"200": _json({"type": "object"}), **_errors(401, 403, 404, 422)}}},
}
