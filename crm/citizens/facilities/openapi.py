"""OpenAPI paths of the facility finder (operators)."""

from crm.helpline.api.openapi import _errors, _json

FACILITY = {"type": "object", "properties": {
    "code": {"type": "string"}, "name": {"type": "string"}, "name_hi": {"type": ["string", "null"]},
    "kind": {"enum": ["mohalla_clinic", "polyclinic", "dispensary", "hospital"]}, "km": {"type": "number"},
    "open_now": {"type": "boolean"}, "closes_at": {"type": ["string", "null"]}, "always_open": {"type": "boolean"},
    "opens": {"type": ["object", "null"], "description": "when a closed one opens next (Delhi time)", "properties": {
        "day": {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}, "time": {"type": "string"},
        "in_days": {"type": "integer", "minimum": 0, "maximum": 7, "description": "0 today, 1 tomorrow"},
        "day_label": {"type": "string", "description": "today, tomorrow, Wed, next Mon"}}},
    "phone": {"type": ["string", "null"]},
    "services": {"type": "array", "items": {"type": "object"}}}}
PATHS = {
    "/api/v1/facilities/nearest": {"get": {
        "summary": "The nearest facilities to a pincode or ward, open now first (Delhi time)",
        "parameters": [
            {"name": "place", "in": "query", "required": True, "schema": {"type": "string", "maxLength": 60},
             "description": "6-digit pincode or ward name (English or Hindi)"},
            {"name": "kind", "in": "query", "required": False, "schema": {"enum": ["any", "clinic", "hospital"]}},
            {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1,
                                                                             "maximum": 10}}],
        "responses": {"200": _json({"type": "object", "properties": {
            "place": {"type": "object"}, "facilities": {"type": "array", "items": FACILITY}}}),
            **_errors(401, 403, 404, 422)},
    }},
}
