"""OpenAPI paths of the access log (supervisors)."""

from crm.helpline.api.openapi import _body, _errors, _json

FILTERS = [{"name": n, "in": "query", "required": False, "schema": {"type": t}, "description": d} for n, t, d in (
    ("staff", "string", "staff username"), ("patient", "string", "registry id or patient id"),
    ("case", "string", "case reference, e.g. SMP-00042"), ("action", "string", "e.g. view_patient, break_glass"),
    ("from", "string", "first Delhi day, YYYY-MM-DD"), ("to", "string", "last Delhi day, YYYY-MM-DD"),
    ("page", "integer", "1..200, 50 rows a page"))]
ROWS = _json({"type": "object", "properties": {"rows": {"type": "array", "items": {"type": "object"}},
                                               "more": {"type": "boolean"}}})
PATHS = {
    "/api/v1/audit": {"get": {"summary": "Search the audit log: who saw whom, when, how (the search is audited)",
                              "parameters": FILTERS, "responses": {"200": ROWS, **_errors(401, 403, 422)}}},
    "/api/v1/audit.csv": {"get": {"summary": "The matching audit rows as CSV (at most 10,000; audited)",
                                  "parameters": FILTERS[:-1],
                                  "responses": {"200": {"description": "CSV", "content": {"text/csv": {}}},
                                                **_errors(401, 403, 422)}}},
    "/api/v1/audit/break-glass": {"get": {"summary": "Break-the-glass reads not reviewed yet",
                                          "responses": {"200": ROWS, **_errors(401, 403)}}},
    "/api/v1/audit/{audit_id}/review": {"post": {
        "summary": "Review a break-the-glass read",
        "parameters": [{"name": "audit_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "requestBody": _body({"type": "object", "properties": {"verdict": {"enum": ["justified", "not_justified"]},
                                                               "note": {"type": "string"}}, "required": ["verdict"]}),
        "responses": {"200": _json({"type": "object"}), **_errors(401, 403, 404, 422)}}},
}
