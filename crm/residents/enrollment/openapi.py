"""OpenAPI paths of enrollment (/api/v1/enrollment/...)."""

from crm.helpline.api.openapi import _body, _errors, _json

CANDIDATE = {"type": "object", "properties": {
    "patient_id": {"type": "integer"}, "registry_id": {"type": "string"}, "name": {"type": "string"},
    "birth_year": {"type": ["integer", "null"]}, "ward": {"type": "string"}, "score": {"type": "number"},
    "reasons": {"type": "array", "items": {"type": "string"}}, "card_status": {"type": ["string", "null"]}}}
MERGE = {"type": "object", "properties": {
    "merge_id": {"type": "integer"}, "survivor_id": {"type": "integer"}, "duplicate_id": {"type": "integer"},
    "merged_at": {"type": "string"}, "undone_at": {"type": ["string", "null"]}, "changes": {"type": "object"}}}
RESIDENT = {"type": "object", "required": ["name", "sex", "ward", "place"], "properties": {
    "name": {"type": "string"}, "name_hi": {"type": "string"}, "sex": {"enum": ["M", "F", "O"]},
    "dob": {"type": "string", "format": "date"}, "birth_year": {"type": "integer"}, "mobile": {"type": "string"},
    "address": {"type": "string"}, "ward": {"type": "string"},
    "household_code": {"type": "string", "description": "an existing household to join: linked only once the card "
                       "office verifies it (the response's household_join is the pending request)"},
    "place": {"type": "string", "description": "hospital or camp where the enrolment is made"},
    "confirm_new": {"type": "boolean", "description": "enrol although likely duplicates exist"}}}
MERGE_ID = {"name": "merge_id", "in": "path", "required": True, "schema": {"type": "integer"}}
PATHS = {
    "/api/v1/enrollment/residents": {"post": {
        "summary": "Enrol a resident missing from the registry (provisional card); 409 lists likely duplicates",
        "requestBody": _body(RESIDENT),
        "responses": {"201": _json({"type": "object", "properties": {
            "patient_id": {"type": "integer"}, "registry_id": {"type": "string"}, "card_number": {"type": "string"},
            "card_status": {"type": "string"}, "household_join": {"type": ["string", "null"]}}}), "409": _json({"type": "object", "properties": {
            "candidates": {"type": "array", "items": CANDIDATE}}}, "Likely duplicates"), **_errors(401, 403, 422)}}},
    "/api/v1/enrollment/patients/{patient_id}/duplicates": {"get": {
        "summary": "Likely duplicates of a record, best first (audited)",
        "parameters": [{"name": "patient_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": _json({"type": "object", "properties": {"candidates": {"type": "array", "items": CANDIDATE}}}),
                      **_errors(401, 403, 404)}}},
    "/api/v1/enrollment/merges": {"post": {
        "summary": "Merge duplicate_id into survivor_id (cards superseded, rows moved, audited, reversible)",
        "requestBody": _body({"type": "object", "required": ["survivor_id", "duplicate_id"], "properties": {
            "survivor_id": {"type": "integer"}, "duplicate_id": {"type": "integer"}, "reason": {"type": "string"}}}),
        "responses": {"201": _json(MERGE), **_errors(401, 403, 404, 409, 422)}}},
    "/api/v1/enrollment/merges/{merge_id}/undo": {"post": {
        "summary": "Undo a merge: every value it changed goes back", "parameters": [MERGE_ID],
        "responses": {"200": _json(MERGE), **_errors(401, 403, 404, 409)}}},
}
