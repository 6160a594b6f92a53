"""OpenAPI paths of enrollment (/api/v1/enrollment/...) and the duplicates worklist (/api/v1/card-office/duplicates)."""

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
REASON = {"type": "object", "required": ["reason"], "properties": {
    "reason": {"type": "string", "minLength": 5, "maxLength": 300}}}
PAIR = {"type": "object", "properties": {
    "id": {"type": "integer"}, "patient_ids": {"type": "array", "items": {"type": "integer"}},
    "score": {"type": "number"}, "reasons": {"type": "array", "items": {"type": "string"}},
    "source": {"enum": ["import", "enrolment", "record"]}, "status": {"enum": ["open", "merged", "dismissed"]},
    "created_at": {"type": "string"}, "decided_at": {"type": ["string", "null"]},
    "decided_by_id": {"type": ["integer", "null"]}, "note": {"type": ["string", "null"]},
    "merge_id": {"type": ["integer", "null"]}}}
FIGURES = {"type": "object", "properties": {"queued": {"type": "integer"}, "merged": {"type": "integer"},
                                            "dismissed": {"type": "integer"}}}
PAIR_ID = {"name": "pair_id", "in": "path", "required": True, "schema": {"type": "integer"}}
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
        "summary": "Merge duplicate_id into survivor_id through the duplicates review (the pair is queued if new; "
                   "cards superseded, rows moved, audited with the reason, reversible)",
        "requestBody": _body({"type": "object", "required": ["survivor_id", "duplicate_id", "reason", "confirm"],
                              "properties": {"survivor_id": {"type": "integer"}, "duplicate_id": {"type": "integer"},
                                             "reason": {"type": "string", "minLength": 5, "maxLength": 300},
                                             "confirm": {"const": True}}}),
        "responses": {"201": _json(MERGE), **_errors(401, 403, 404, 409, 422)}}},
    "/api/v1/enrollment/merges/{merge_id}/undo": {"post": {
        "summary": "Undo a merge: every value it changed goes back; its pair is open for review again",
        "parameters": [MERGE_ID], "requestBody": _body(REASON),
        "responses": {"200": _json(MERGE), **_errors(401, 403, 404, 409, 422)}}},
    "/api/v1/card-office/duplicates": {"get": {
        "summary": "Likely duplicate pairs (open: best first; merged, dismissed: newest first), 25 a page, and the figures",
        "parameters": [{"name": "status", "in": "query", "schema": {"enum": ["open", "merged", "dismissed"]}},
                       {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 400}}],
        "responses": {"200": _json({"type": "object", "properties": {
            "pairs": {"type": "array", "items": PAIR}, "page": {"type": "integer"}, "pages": {"type": "integer"},
            "total": {"type": "integer"}, "figures": FIGURES}}), **_errors(401, 403, 422)}}},
    "/api/v1/card-office/duplicates/{pair_id}/merge": {"post": {
        "summary": "Merge the pair into the record kept (one of the pair), with a reason and the confirmation",
        "parameters": [PAIR_ID],
        "requestBody": _body({"type": "object", "required": ["survivor_id", "reason", "confirm"], "properties": {
            "survivor_id": {"type": "integer"}, "reason": {"type": "string", "minLength": 5, "maxLength": 300},
            "confirm": {"const": True}}}),
        "responses": {"200": _json(PAIR), **_errors(401, 403, 404, 409, 422)}}},
    "/api/v1/card-office/duplicates/{pair_id}/dismiss": {"post": {
        "summary": "Two different people: the pair leaves the worklist for good (a re-import does not queue it again)",
        "parameters": [PAIR_ID], "requestBody": _body(REASON),
        "responses": {"200": _json(PAIR), **_errors(401, 403, 404, 409, 422)}}},
}
